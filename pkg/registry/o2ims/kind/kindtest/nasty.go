package kindtest

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The limits validation enforces are at most 256 KiB (schemas, values); inputs just past them
// reach the code behind the size checks' boundaries without costing the test much time.
const (
	hugeBytes = 300 * 1024
	deepJSON  = 9000 // nesting the API's JSON decoder still accepts around an object
	tooDeep   = 20000
)

// nastyStrings are strings the apitesting fuzzer never produces: empty and blank, control
// bytes, bytes that are not UTF-8, numbers and identifiers a parser may choke on, URLs that
// are almost valid, and strings just past and far past the length limits. It and nastyJSON
// are built once: some of their values are hundreds of KiB.
var nastyStrings = sync.OnceValue(func() []string {
	return []string{
		"", " ", "\t\n", "\x00", "\xff\xfe\xfd", "a\xc3(b", "\xed\xa0\x80",
		"NaN", "-NaN", "Infinity", "-Inf", "1e400", "-0", "0x1p-2", "9223372036854775808", "007",
		"00000000-0000-0000-0000-000000000000", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8x", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
		"default", "kube-system", "../..", "a/b", "a.b", "-a-", "A",
		"http://", "http://[::1", "https://user:pw@host/x?q=1#f", "oci://", "oci://host", "oci://host/",
		"file:///etc/passwd", "%zz", "javascript:alert(1)", "https://h:99999/",
		"v", "v1", "1.2.3-", "1.2.3+build.1", "99999999999999999999.0.0", "1.2.3\n",
		"sha256:", "sha256:" + strings.Repeat("A", 64),
		"\u202egnp.exe", "🙂🙂", "'", "\"", "\\", "{}", "[]", "null", "true", "(eq,a,b",
		strings.Repeat("a", 254), strings.Repeat("a", 257), strings.Repeat("é", 2049),
		strings.Repeat("x", 4097), strings.Repeat("\xff", 300), strings.Repeat("a", hugeBytes),
	}
})

// nastyJSON are raw JSON values for free-form fields (extensions, parameters, schemas, values):
// scalars and arrays where an object is expected, bytes that are not UTF-8 inside strings,
// numbers out of float range, nesting as deep as the decoder allows and deeper, huge objects,
// and schemas that refer to themselves, to files, to the network, or hold broken patterns.
// A few are not JSON at all: the decoder never hands those over, but validation must still
// answer them with an error rather than a panic.
var nastyJSON = sync.OnceValue(func() [][]byte {
	nest := func(open, close, inner string, n int) []byte {
		return []byte(strings.Repeat(open, n) + inner + strings.Repeat(close, n))
	}
	var many strings.Builder
	many.WriteString("{")
	for i := 0; i < 3000; i++ {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + `":` + `[1,"v",null,{}]`)
	}
	many.WriteString("}")
	out := []string{
		"", "{}", "[]", "null", "0", "-0", "1e400", "-1e400", `"s"`, "true", `{"":1}`,
		`{"a":"` + "\xff" + `"}`, `{"` + "\xfe" + `":1}`, `{"a":1,"a":2}`, `{"a":null}`,
		`{"a":{"b":null}}`, `{"a":[]}`, `{"a":1e400}`, `{"a":123456789012345678901234567890}`,
		`{"$ref":"#"}`, `{"items":{"$ref":"#"}}`, `{"allOf":[{"$ref":"#"}]}`,
		`{"properties":{"a":{"$ref":"#"}},"additionalProperties":{"$ref":"#"}}`,
		`{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`,
		`{"$ref":"#/nowhere"}`, `{"$ref":"file:///etc/passwd"}`, `{"$ref":"http://127.0.0.1:1/x.json"}`,
		`{"$id":"http://127.0.0.1:1/","$ref":"other.json"}`, `{"$dynamicRef":"#meta"}`,
		`{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{"a":{"type":"integer"}}}`,
		`{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"a":{"$ref":"#"}}}`,
		`{"$schema":"https://unknown.example/schema"}`, `{"$schema":1}`, `{"$vocabulary":{"urn:x":true}}`,
		`{"type":"nonsense"}`, `{"type":[]}`, `{"pattern":"("}`, `{"pattern":"(a*)*$"}`,
		`{"patternProperties":{"(":{}}}`, `{"format":"regex","type":"string"}`,
		`{"multipleOf":0}`, `{"multipleOf":1e-400}`, `{"multipleOf":1e-300,"type":"number"}`,
		`{"minimum":1e400}`, `{"maxLength":-1}`, `{"maxLength":1e400}`, `{"minItems":99999999999999999999}`,
		`{"enum":[]}`, `{"const":{"a":[1,2,{"b":null}]}}`, `{"required":["a","a"]}`,
		`{"type":"object","properties":{"a":{"type":"string","minLength":3}},"required":["a"]}`,
		`{"clusterInstanceDefaults":{"a":1},"b":[1,2]}`, `{"clusterInstanceDefaults":null}`, `{"clusterInstanceDefaults":[]}`,
		"{", "}", `{"a":}`, "\xff", "[1,2", `"unterminated`,
	}
	raws := make([][]byte, 0, len(out)+8)
	for _, s := range out {
		raws = append(raws, []byte(s))
	}
	return append(raws,
		nest(`{"a":`, "}", "1", deepJSON), nest("[", "]", "", deepJSON),
		nest(`{"items":`, "}", "{}", deepJSON/2), nest(`{"a":`, "}", "1", tooDeep),
		[]byte(many.String()), []byte(`{"a":"`+strings.Repeat("x", hugeBytes)+`"}`),
		[]byte(`{"a":"`+strings.Repeat("x", 16*1024)+`"}`),
	)
})

// Nastify changes v (addressable) in place, at random but reproducibly from r, into content
// the fuzzer functions would not produce: each string, raw JSON value, number, slice, map and
// pointer is left, emptied, nilled, grown or replaced by a nasty value.
func Nastify(r *rand.Rand, v reflect.Value) {
	nastify(r, v, 0)
}

var (
	timeType  = reflect.TypeOf(metav1.Time{})
	bytesType = reflect.TypeOf([]byte(nil))
	metaType  = reflect.TypeOf(metav1.ObjectMeta{})
)

func nastify(r *rand.Rand, v reflect.Value, depth int) {
	if depth > 12 || !v.CanSet() {
		return
	}
	switch {
	case v.Type() == timeType:
		// Times reach the server only as RFC 3339 strings; the fuzzer's are as odd as those get.
		return
	case v.Type() == metaType:
		// The metadata is apimachinery's to check, and on update it checks it after the
		// strategy, uncapped: lists grown there would only measure that cost (see
		// Capped in apis/o2ims/validation). Its strings and maps are still made nasty.
		nastifyMeta(r, v, depth)
		return
	case v.Type() == bytesType:
		// Every []byte of these APIs is a raw JSON value.
		if r.Intn(2) == 0 {
			js := nastyJSON()
			v.SetBytes(append([]byte(nil), js[r.Intn(len(js))]...))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if r.Intn(3) == 0 {
			s := nastyStrings()
			v.SetString(s[r.Intn(len(s))])
		}
	case reflect.Bool:
		v.SetBool(r.Intn(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if r.Intn(3) == 0 {
			vals := []int64{0, -1, 1, math.MinInt64, math.MaxInt64, 256, -181}
			x := vals[r.Intn(len(vals))]
			if v.OverflowInt(x) {
				x = -1
			}
			v.SetInt(x)
		}
	case reflect.Float32, reflect.Float64:
		if r.Intn(3) == 0 {
			vals := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.MaxFloat64, 181, -91}
			v.SetFloat(vals[r.Intn(len(vals))])
		}
	case reflect.Pointer:
		switch r.Intn(4) {
		case 0:
			v.SetZero()
		case 1:
			v.Set(reflect.New(v.Type().Elem()))
			nastify(r, v.Elem(), depth+1)
		default:
			if !v.IsNil() {
				nastify(r, v.Elem(), depth+1)
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				nastify(r, v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		nastifySlice(r, v, depth)
	case reflect.Map:
		nastifyMap(r, v, depth)
	}
}

func nastifyMeta(r *rand.Rand, v reflect.Value, depth int) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if v.Type().Field(i).IsExported() && f.Kind() != reflect.Slice {
			nastify(r, f, depth+1)
		}
	}
}

func nastifySlice(r *rand.Rand, v reflect.Value, depth int) {
	switch r.Intn(6) {
	case 0:
		v.SetZero()
	case 1:
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	case 2:
		// Past the list limits (256 keywords, 1000 locations, 10000 resources): repeat what
		// is there, or zero values, so duplicates are in the mix too.
		n := []int{2, 257, 1001}[r.Intn(3)]
		grown := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			if v.Len() > 0 {
				grown.Index(i).Set(v.Index(i % v.Len()))
			}
		}
		v.Set(grown)
		if n <= 2 {
			for i := 0; i < n; i++ {
				nastify(r, v.Index(i), depth+1)
			}
		}
	default:
		for i := 0; i < v.Len() && i < 8; i++ {
			nastify(r, v.Index(i), depth+1)
		}
	}
}

func nastifyMap(r *rand.Rand, v reflect.Value, depth int) {
	switch r.Intn(5) {
	case 0:
		v.SetZero()
		return
	case 1:
		v.Set(reflect.MakeMap(v.Type()))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	kt, vt := v.Type().Key(), v.Type().Elem()
	// Values of a map cannot be changed in place: each is copied, changed and put back, and a
	// few keys are added that validation must name the map for.
	for _, k := range v.MapKeys() {
		e := reflect.New(vt).Elem()
		e.Set(v.MapIndex(k))
		nastify(r, e, depth+1)
		v.SetMapIndex(k, e)
	}
	if kt.Kind() != reflect.String {
		return
	}
	for i := r.Intn(3); i > 0; i-- {
		s := nastyStrings()
		k := reflect.New(kt).Elem()
		k.SetString(s[r.Intn(len(s))])
		e := reflect.New(vt).Elem()
		nastify(r, e, depth+1)
		v.SetMapIndex(k, e)
	}
}
