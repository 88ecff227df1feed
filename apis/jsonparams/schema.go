package jsonparams

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// schemaURL names the schema being compiled; nothing is ever fetched from it.
const schemaURL = "urn:netweave:parameters-schema"

// noLoader refuses every $ref outside the schema itself: admission must neither read the
// server's files (the library's default loader reads file:// URLs) nor reach the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("references outside the schema are not followed (%s)", url)
}

// MaxSchemaDepth bounds how deep a schema's JSON nests. The library's cost to check a schema
// against its metaschema grows faster than the square of the nesting: 800 levels (8 KB of
// nested "items") took a second, the few thousand a size-bounded schema can hold took
// minutes, on every write of the object and of each NfDeployment checked against it. Helm
// values schemas nest a few dozen levels at most.
const MaxSchemaDepth = 100

// MaxSchemaObjects bounds how many JSON objects (subschemas, and the maps of properties and
// definitions that hold them) a schema has. The library's compile, metaschema check included,
// grows with the square of their number: an anyOf of 20,000 "{}" (60 KB) took 1 s, of 80,000
// (240 KB, within the size limit) 37 s, on every write of the object and of each NfDeployment
// checked against it; 5,000 took 0.12 s. Helm values schemas have a few hundred to a couple of
// thousand.
const MaxSchemaObjects = 5_000

// Schema is a compiled parameters schema.
type Schema struct{ s *jsonschema.Schema }

// Compile compiles raw, which must be a JSON object of at most limit bytes and a valid JSON
// schema (checked against its draft's metaschema; draft 2020-12 unless $schema names another).
// Errors are reported at path and below it, where the metaschema locates them.
func Compile(raw []byte, limit int, path *field.Path) (*Schema, field.ErrorList) {
	if _, errs := DecodeObject(raw, limit, path); len(errs) > 0 {
		return nil, errs
	}
	d, objects := shape(raw)
	if d > MaxSchemaDepth {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{},
			fmt.Sprintf("must nest at most %d objects and arrays deep, not %d", MaxSchemaDepth, d))}
	}
	if objects > MaxSchemaObjects {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{},
			fmt.Sprintf("must have at most %d JSON objects (subschemas and the maps holding them), not %d", MaxSchemaObjects, objects))}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, field.ErrorList{field.Invalid(path, "", fmt.Sprintf("must be JSON: %v", err))}
	}
	// Before the library reads the numbers (its metaschema check already compares them).
	if err := checkNumbers(doc); err != nil {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, err.Error())}
	}
	if err := checkDuplicates(doc, MaxEvaluationCost); err != nil {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, err.Error())}
	}
	if err := checkPatterns(doc); err != nil {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, err.Error())}
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, fmt.Sprintf("must be a JSON schema: %v", err))}
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		var meta *jsonschema.SchemaValidationError
		var verr *jsonschema.ValidationError
		if errors.As(err, &meta) && errors.As(meta.Err, &verr) {
			return nil, leafErrors(verr, doc, path, "must be a valid JSON schema: ", true)
		}
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, fmt.Sprintf("must be a valid JSON schema: %v", err))}
	}
	// A subschema whose branches multiply in place costs that much on every document that
	// reaches it: refused here, at the schema's own write, rather than on every write checked
	// against it.
	if err := placeCost(sch, MaxEvaluationCost); err != nil {
		return nil, field.ErrorList{field.Invalid(path, field.OmitValueType{}, "checking a value against a part of this schema "+err.Error())}
	}
	return &Schema{s: sch}, nil
}

// shape is the deepest nesting of objects and arrays in raw, which is JSON, and how many
// objects it has.
func shape(raw []byte) (deepest, objects int) {
	d := 0
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if c == '{' {
				objects++
			}
			d++
			deepest = max(deepest, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return deepest, objects
}

// Validate checks doc against the schema; errors name their place under path.
func (s *Schema) Validate(doc map[string]any, path *field.Path) field.ErrorList {
	// Validate the document in the form the library expects (json.Number numbers).
	raw, err := json.Marshal(doc)
	if err != nil {
		return field.ErrorList{field.InternalError(path, err)}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return field.ErrorList{field.InternalError(path, err)}
	}
	// The library's work is bounded first (MaxEvaluationCost): it has no budget or
	// cancellation of its own.
	if _, err := evaluationCost(s.s, inst, MaxEvaluationCost); err != nil {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "checking these values against the schema "+err.Error())}
	}
	if err := s.s.Validate(inst); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			// The values are free-form parameters, which hold passwords and tokens: the error
			// is the writer's, but also the audit log's (responseStatus, at Metadata level).
			return leafErrors(verr, inst, path, "", false)
		}
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, err.Error())}
	}
	return nil
}

// maxLeafErrors and maxAlternatives bound the error list leafErrors makes: the library
// reports every failing branch of an anyOf or oneOf, and locating each and joining its message
// into the detail of its place cost in proportion to the branches times the place's depth or
// the detail so far: 16,000 failing branches with distinct messages at one place (within the
// cost bound) took 3.2 s and 2.5 GB, the detail growing one message at a time.
const (
	maxLeafErrors   = 1_000
	maxAlternatives = 10
)

// leafErrors turns the innermost causes of a validation error into field errors at their
// instance locations below path, in a stable order. Unless quoteValues, the errors name the
// place and the rule a value broke but never the value (valueFree).
func leafErrors(verr *jsonschema.ValidationError, doc any, path *field.Path, prefix string, quoteValues bool) field.ErrorList {
	printer := message.NewPrinter(language.English)
	// One error per place: the alternatives of an anyOf or oneOf are joined into its detail.
	type place struct {
		err  *field.Error
		seen map[string]bool
	}
	var errs field.ErrorList
	at := map[string]*place{}
	leaves, unshown := 0, false
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if leaves >= maxLeafErrors {
			unshown = true
			return
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		leaves++
		p, value := locate(doc, e.InstanceLocation, path)
		msg := e.ErrorKind.LocalizedString(printer)
		if !quoteValues {
			value, msg = field.OmitValueType{}, valueFree(e.ErrorKind, msg)
		}
		if prev, ok := at[p.String()]; ok {
			if !prev.seen[msg] {
				prev.seen[msg] = true
				switch {
				case len(prev.seen) <= maxAlternatives:
					prev.err.Detail += "; " + msg
				case len(prev.seen) == maxAlternatives+1:
					prev.err.Detail += "; and others"
				}
			}
			return
		}
		errs = append(errs, field.Invalid(p, value, prefix+msg))
		at[p.String()] = &place{errs[len(errs)-1], map[string]bool{msg: true}}
	}
	walk(verr)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	if unshown {
		errs = append(errs, field.Invalid(path, field.OmitValueType{}, fmt.Sprintf("%sfailed in more ways than the first %d shown", prefix, maxLeafErrors)))
	}
	return errs
}

// valueFree is msg, the library's message for k, without the value it quotes: the rules
// whose messages say what was found ("'x' does not match pattern", "minimum: got 4,711")
// say only what was wanted.
func valueFree(k jsonschema.ErrorKind, msg string) string {
	rat := func(r interface{ Float64() (float64, bool) }) string {
		f, _ := r.Float64()
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	switch k := k.(type) {
	case *kind.Pattern:
		return "does not match pattern " + strconv.Quote(k.Want)
	case *kind.Format:
		return "is not valid " + k.Want
	case *kind.Minimum:
		return "minimum: want " + rat(k.Want)
	case *kind.Maximum:
		return "maximum: want " + rat(k.Want)
	case *kind.ExclusiveMinimum:
		return "exclusiveMinimum: want " + rat(k.Want)
	case *kind.ExclusiveMaximum:
		return "exclusiveMaximum: want " + rat(k.Want)
	case *kind.MultipleOf:
		return "multipleOf: want " + rat(k.Want)
	}
	return msg
}

// locate turns JSON pointer tokens into a field path (indexes for arrays, children for object
// keys) and returns the value there when it is a scalar worth printing.
func locate(doc any, tokens []string, path *field.Path) (*field.Path, any) {
	cur := doc
	for _, tok := range tokens {
		switch v := cur.(type) {
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return path.Child(tok), field.OmitValueType{}
			}
			path, cur = path.Index(i), v[i]
		case map[string]any:
			path, cur = path.Child(tok), v[tok]
		default:
			return path.Child(tok), field.OmitValueType{}
		}
	}
	switch cur.(type) {
	case map[string]any, []any, nil:
		return path, field.OmitValueType{}
	}
	return path, cur
}
