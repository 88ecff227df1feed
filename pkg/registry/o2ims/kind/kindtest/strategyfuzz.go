package kindtest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"os"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"
)

// StrategyFuzz drives every strategy of one served group with fuzzed and nasty objects, as the
// generic registry would on create, update and list, without a storage backend.
type StrategyFuzz struct {
	Scheme *runtime.Scheme
	Codecs serializer.CodecFactory
	// Group is the API group; Storage its resources as the server builds them (keyed by
	// resource, with "<resource>/status" for status subresources), on a NullGetter.
	Group   string
	Storage map[string]rest.Storage
	// StorageCodec encodes objects as they are written to Redis.
	StorageCodec runtime.Codec
	// Funcs are the group's fuzzer functions (merged with the meta ones), as its round-trip
	// test uses them.
	Funcs fuzzer.FuzzerFuncs
	// Iterations of each of the fuzzed and the nasty objects per kind; Seed makes a run
	// reproducible.
	Iterations int
	Seed       int64
}

// endpoint is one served resource: its main store and, when it has one, its status strategy.
type endpoint struct {
	resource string
	store    *genericregistry.Store
	status   rest.RESTUpdateStrategy
}

// Run fuzzes every kind of the group. Each kind the scheme knows in the group's internal
// version must be served by a resource in Storage, so a kind added later is fuzzed too.
func (f StrategyFuzz) Run(t *testing.T) {
	t.Helper()
	quietKlog(t)
	eps := f.endpoints(t)
	for i, ep := range eps {
		t.Run(ep.resource, func(t *testing.T) {
			r := &kindRun{f: f, ep: ep, t: t, rng: rand.New(rand.NewSource(f.Seed + int64(i)))}
			start := time.Now()
			r.run()
			t.Logf("%d objects in %v", 2*f.Iterations, time.Since(start))
		})
	}
}

func (f StrategyFuzz) endpoints(t testing.TB) []endpoint {
	served := map[reflect.Type]bool{}
	var eps []endpoint
	names := make([]string, 0, len(f.Storage))
	for name := range f.Storage {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.Contains(name, "/") {
			continue
		}
		st := StoreOf(f.Storage[name])
		if st == nil {
			t.Fatalf("%s: storage %T embeds no *registry.Store", name, f.Storage[name])
		}
		ep := endpoint{resource: name, store: st}
		if s, ok := f.Storage[name+"/status"].(interface {
			UpdateStrategy() rest.RESTUpdateStrategy
		}); ok {
			ep.status = s.UpdateStrategy()
		} else if f.Storage[name+"/status"] != nil {
			t.Fatalf("%s/status: %T exposes no UpdateStrategy", name, f.Storage[name+"/status"])
		}
		served[reflect.TypeOf(st.New())] = true
		eps = append(eps, ep)
	}
	internal := schema.GroupVersion{Group: f.Group, Version: runtime.APIVersionInternal}
	for gvk, typ := range f.Scheme.AllKnownTypes() {
		if gvk.GroupVersion() != internal || strings.HasSuffix(gvk.Kind, "List") {
			continue
		}
		if _, ok := reflect.New(typ).Interface().(metav1.ObjectMetaAccessor); !ok {
			continue // options and events, not stored objects
		}
		if !served[reflect.PointerTo(typ)] {
			t.Errorf("kind %s is in the scheme but no resource of %s serves it: fuzz it too", gvk.Kind, f.Group)
		}
	}
	return eps
}

// quietKlog drops klog's output for the test: BeforeCreate logs every duplicate validation
// error it folds, and fuzzed objects have many.
func quietKlog(t testing.TB) {
	var fs flag.FlagSet
	klog.InitFlags(&fs)
	for name, value := range map[string]string{"logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL"} {
		if err := fs.Set(name, value); err != nil {
			t.Fatal(err)
		}
	}
	klog.SetOutput(io.Discard)
	t.Cleanup(func() {
		_ = fs.Set("logtostderr", "true")
		klog.SetOutput(os.Stderr)
	})
}

// StoreOf finds the *registry.Store a storage embeds (directly, or through the embedded
// *kind.REST of a subscription kind's REST).
func StoreOf(s rest.Storage) *genericregistry.Store {
	v := reflect.ValueOf(s)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Store")
	if !f.IsValid() {
		return nil
	}
	st, _ := f.Interface().(*genericregistry.Store)
	return st
}

// kindRun fuzzes one resource.
type kindRun struct {
	f   StrategyFuzz
	ep  endpoint
	t   testing.TB
	rng *rand.Rand
	// valid is an object create validation accepts, to update from.
	valid runtime.Object
}

func (r *kindRun) run() {
	fill := fuzzer.FuzzerFor(r.f.Funcs, rand.NewSource(r.rng.Int63()), r.f.Codecs)
	start := time.Now()
	r.valid = r.healed(fill)
	r.t.Logf("healed in %v", time.Since(start))
	var prev runtime.Object
	for i := 0; i < 2*r.f.Iterations; i++ {
		obj := r.ep.store.New()
		fill.Fill(obj)
		what := fmt.Sprintf("fuzzed #%d", i)
		if i >= r.f.Iterations {
			Nastify(r.rng, reflect.ValueOf(obj).Elem())
			what = fmt.Sprintf("nasty #%d", i-r.f.Iterations)
		}
		r.guard(what+" create", obj, nil, func() { r.create(obj) })
		r.guard(what+" read", obj, nil, func() { r.read(obj) })
		if prev != nil {
			r.guard(what+" update of a fuzzed object", obj, prev, func() { r.update(obj, prev) })
		}
		if r.valid != nil {
			r.guard(what+" update of a valid object", obj, r.valid, func() { r.update(obj, r.valid) })
			r.guard(what+" stored, updated to a valid object", r.valid, obj, func() { r.update(r.valid, obj) })
		}
		prev = obj
	}
}

// healed returns an object create validation accepts, derived from a fuzzed one or else from
// an empty one; nil (and a test error) when neither can be healed.
func (r *kindRun) healed(fill interface{ Fill(any) }) runtime.Object {
	validate := func(obj runtime.Object) field.ErrorList {
		return rest.ValidateCreate(r.ctx(obj), obj, r.ep.store.CreateStrategy)
	}
	start := r.ep.store.New()
	fill.Fill(start)
	var left []string
	for _, obj := range []runtime.Object{start, r.ep.store.New()} {
		r.ep.store.CreateStrategy.PrepareForCreate(r.ctx(obj), obj)
		e := Heal(obj, validate)
		if e == nil {
			return obj
		}
		left = append(left, e.Error())
	}
	r.t.Errorf("no valid %s could be derived, updates are fuzzed from fuzzed objects only; left: %q", r.ep.resource, left)
	return nil
}

// ctx is a request by an ordinary user in obj's namespace (none for a cluster-scoped kind).
func (r *kindRun) ctx(obj runtime.Object) context.Context {
	ns := ""
	if r.ep.store.CreateStrategy.NamespaceScoped() {
		ns = mustMeta(obj).GetNamespace()
	}
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: "alice", UID: "u-1", Groups: []string{"tenants"}})
}

// guard runs fn and turns a panic into a test error that shows the input.
func (r *kindRun) guard(what string, obj, other runtime.Object, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			r.t.Errorf("%s %s: panic: %v\n%s\ninput: %s\nother: %s", r.ep.resource, what, p, debug.Stack(), dump(obj), dump(other))
		}
	}()
	fn()
}

// dump renders an object for a failure message, cut to a readable size.
func dump(obj runtime.Object) string {
	if obj == nil {
		return "<none>"
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	if len(b) > 4096 {
		return string(b[:4096]) + "…"
	}
	return string(b)
}

func mustMeta(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(err)
	}
	return m
}

// create calls the create strategy's steps one by one, then as the generic store does.
func (r *kindRun) create(in runtime.Object) {
	s := r.ep.store.CreateStrategy
	obj := in.DeepCopyObject()
	ctx := r.ctx(obj)
	s.PrepareForCreate(ctx, obj)
	errs := s.Validate(ctx, obj)
	r.checkErrs("Validate", obj, errs)
	r.checkDeterministic("Validate", errs, s.Validate(ctx, obj.DeepCopyObject()))
	s.WarningsOnCreate(ctx, obj)
	s.Canonicalize(obj)

	// What the store's Create does before it writes: name generation, system fields, then
	// BeforeCreate (PrepareForCreate, validation with the metadata's, warnings, canonical form).
	obj = in.DeepCopyObject()
	m := mustMeta(obj)
	if m.GetGenerateName() != "" && m.GetName() == "" {
		m.SetName(s.GenerateName(m.GetGenerateName()))
	}
	rest.FillObjectMetaSystemFields(m)
	err := rest.BeforeCreate(s, ctx, obj)
	r.checkStatusError("BeforeCreate", obj, err)
	if err == nil {
		r.checkStored(obj)
	}
}

// update calls the update strategies (main and status) with in over old, checking that old,
// the stored object, is never changed.
func (r *kindRun) update(in, old runtime.Object) {
	strategies := []rest.RESTUpdateStrategy{r.ep.store.UpdateStrategy}
	if r.ep.status != nil {
		strategies = append(strategies, r.ep.status)
	}
	for _, s := range strategies {
		before := old.DeepCopyObject()
		obj := in.DeepCopyObject()
		ctx := r.ctx(old)
		mustMeta(obj).SetNamespace(mustMeta(old).GetNamespace())
		s.PrepareForUpdate(ctx, obj, old)
		errs := s.ValidateUpdate(ctx, obj, old)
		r.checkErrs(fmt.Sprintf("%T.ValidateUpdate", s), obj, errs)
		r.checkDeterministic(fmt.Sprintf("%T.ValidateUpdate", s), errs, s.ValidateUpdate(ctx, obj.DeepCopyObject(), old))
		s.WarningsOnUpdate(ctx, obj, old)
		s.Canonicalize(obj)

		obj = in.DeepCopyObject()
		mustMeta(obj).SetNamespace(mustMeta(old).GetNamespace())
		err := rest.BeforeUpdate(s, ctx, obj, old)
		r.checkStatusError(fmt.Sprintf("%T BeforeUpdate", s), obj, err)
		if err == nil {
			r.checkStored(obj)
		}
		if !equality.Semantic.DeepEqual(before, old) {
			r.t.Errorf("%s %T: the update changed the stored object:\nbefore: %s\nafter:  %s", r.ep.resource, s, dump(before), dump(old))
		}
	}
}

// read lists and selects obj as the store would: field sets, field selectors, tables.
func (r *kindRun) read(obj runtime.Object) {
	pred := r.ep.store.PredicateFunc(labels.Everything(), fields.Everything())
	_, set, err := pred.GetAttrs(obj)
	if err != nil {
		// A list or watch with a field selector would fail with 500 on this object.
		r.t.Errorf("%s: GetAttrs: %v\ninput: %s", r.ep.resource, err, dump(obj))
		return
	}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		sel := fields.OneTermEqualSelector(name, set[name])
		p := r.ep.store.PredicateFunc(labels.Everything(), sel)
		if ok, err := p.Matches(obj); err != nil || !ok {
			r.t.Errorf("%s: selector %s does not match its own object (%v)", r.ep.resource, sel, err)
		}
		// What kubectl sends is the selector's string form, parsed back by the server.
		if parsed, err := fields.ParseSelector(sel.String()); err != nil {
			r.t.Errorf("%s: selector %q does not parse back: %v", r.ep.resource, sel.String(), err)
		} else if !parsed.Matches(set) {
			r.t.Errorf("%s: parsed selector %q does not match %s=%q", r.ep.resource, sel.String(), name, set[name])
		}
	}
	r.table(obj)
	list := r.ep.store.NewListFunc()
	if err := meta.SetList(list, []runtime.Object{obj, r.ep.store.New()}); err != nil {
		r.t.Fatalf("%s: build a list: %v", r.ep.resource, err)
	}
	r.table(list)
}

func (r *kindRun) table(obj runtime.Object) {
	for _, opts := range []runtime.Object{nil, &metav1.TableOptions{NoHeaders: true}} {
		table, err := r.ep.store.ConvertToTable(context.Background(), obj, opts)
		if err != nil {
			r.t.Errorf("%s: ConvertToTable: %v", r.ep.resource, err)
			continue
		}
		// The table is encoded for kubectl; a cell that cannot be would answer 500.
		for i := range table.Rows {
			table.Rows[i].Object = runtime.RawExtension{}
		}
		if _, err := json.Marshal(table); err != nil {
			r.t.Errorf("%s: table does not encode: %v", r.ep.resource, err)
		}
	}
}

// checkErrs requires every error to name a field and to be the client's fault.
func (r *kindRun) checkErrs(step string, obj runtime.Object, errs field.ErrorList) {
	for _, e := range errs {
		if e.Field == "" {
			r.t.Errorf("%s %s: error without a field path: %v\ninput: %s", r.ep.resource, step, e, dump(obj))
		}
		if e.Type == field.ErrorTypeInternal {
			r.t.Errorf("%s %s: internal error for a client's input: %v\ninput: %s", r.ep.resource, step, e, dump(obj))
		}
	}
	if len(errs) > 0 {
		// The errors travel to kubectl as a Status; it must encode.
		st := apierrors.NewInvalid(schema.GroupKind{Group: r.f.Group, Kind: "X"}, "x", errs).Status()
		if _, err := json.Marshal(st); err != nil {
			r.t.Errorf("%s %s: the Status of %v does not encode: %v", r.ep.resource, step, errs, err)
		}
	}
}

// checkDeterministic compares two validations of one object. apimachinery's metadata checks
// walk label and annotation maps in Go's random order, so their errors are compared as a set;
// the kinds' own errors must come in the same order too.
func (r *kindRun) checkDeterministic(step string, a, b field.ErrorList) {
	as, bs := errorStrings(a), errorStrings(b)
	if !reflect.DeepEqual(as, bs) {
		r.t.Errorf("%s %s: not deterministic:\nfirst:  %q\nsecond: %q", r.ep.resource, step, as, bs)
	}
}

func errorStrings(errs field.ErrorList) []string {
	var metadata, own []string
	for _, e := range errs {
		if strings.HasPrefix(e.Field, "metadata.") {
			metadata = append(metadata, e.Error())
		} else {
			own = append(own, e.Error())
		}
	}
	sort.Strings(metadata)
	return append(metadata, own...)
}

// checkStatusError requires a refused write to be answered with a client error (4xx) whose
// causes name fields.
func (r *kindRun) checkStatusError(step string, obj runtime.Object, err error) {
	if err == nil {
		return
	}
	st, ok := err.(apierrors.APIStatus)
	if !ok {
		r.t.Errorf("%s %s: not a Status error (a 500): %v\ninput: %s", r.ep.resource, step, err, dump(obj))
		return
	}
	s := st.Status()
	if s.Code < 400 || s.Code >= 500 {
		r.t.Errorf("%s %s: answered %d: %v\ninput: %s", r.ep.resource, step, s.Code, err, dump(obj))
	}
	if s.Reason == metav1.StatusReasonInvalid && s.Details != nil {
		for _, c := range s.Details.Causes {
			if c.Field == "" {
				r.t.Errorf("%s %s: cause without a field: %+v", r.ep.resource, step, c)
			}
		}
	}
}

// checkStored encodes an accepted object as the storage does and decodes it back: an object
// accepted but not writable would answer 500. Raw JSON that is not JSON never comes from a
// client (the decoder validates it), so an object holding some is not held to this.
func (r *kindRun) checkStored(obj runtime.Object) {
	if r.f.StorageCodec == nil || !rawJSONValid(reflect.ValueOf(obj)) {
		return
	}
	data, err := runtime.Encode(r.f.StorageCodec, obj)
	if err != nil {
		r.t.Errorf("%s: an accepted object does not encode for storage (a 500): %v\ninput: %s", r.ep.resource, err, dump(obj))
		return
	}
	if _, _, err := r.f.StorageCodec.Decode(data, nil, r.ep.store.New()); err != nil {
		r.t.Errorf("%s: a stored object does not decode: %v\nstored: %.4096s", r.ep.resource, err, data)
	}
}

// rawJSONValid reports whether every non-empty []byte under v is JSON.
func rawJSONValid(v reflect.Value) bool {
	switch {
	case !v.IsValid():
		return true
	case v.Type() == bytesType:
		return v.Len() == 0 || json.Valid(v.Bytes())
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || rawJSONValid(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && !rawJSONValid(v.Field(i)) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if !rawJSONValid(v.Index(i)) {
				return false
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if !rawJSONValid(it.Value()) {
				return false
			}
		}
	}
	return true
}

// DecodeCheck decodes request bodies into every kind of a group as the API server does, and
// drives the strategies with what decodes (see Check).
type DecodeCheck struct {
	runs    []*kindRun
	decoder runtime.Decoder
	served  schema.GroupVersion
}

// NewDecodeCheck prepares f's kinds, each with a valid object to update from.
func (f StrategyFuzz) NewDecodeCheck(t testing.TB) *DecodeCheck {
	quietKlog(t)
	versions := f.Scheme.PrioritizedVersionsForGroup(f.Group)
	if len(versions) == 0 {
		t.Fatalf("%s has no versions", f.Group)
	}
	d := &DecodeCheck{
		decoder: f.Codecs.UniversalDecoder(schema.GroupVersion{Group: f.Group, Version: runtime.APIVersionInternal}),
		served:  versions[0],
	}
	for i, ep := range f.endpoints(t) {
		r := &kindRun{f: f, ep: ep, t: t, rng: rand.New(rand.NewSource(f.Seed + int64(i)))}
		r.valid = r.healed(fuzzer.FuzzerFor(f.Funcs, rand.NewSource(r.rng.Int63()), f.Codecs))
		d.runs = append(d.runs, r)
	}
	return d
}

// Check decodes data as the body of a create or update of each kind (JSON, to the served
// version, defaulted and converted to the internal one) and, when it decodes into the kind,
// creates it, updates the valid object with it, reads it, and requires an accepted object to
// be stored and read back as it was.
func (d *DecodeCheck) Check(t testing.TB, data []byte) {
	for _, r := range d.runs {
		r.t = t
		kinds, _, err := r.f.Scheme.ObjectKinds(r.ep.store.New())
		if err != nil {
			t.Fatal(err)
		}
		gvk := d.served.WithKind(kinds[0].Kind)
		obj, _, err := d.decoder.Decode(data, &gvk, nil)
		if err != nil || reflect.TypeOf(obj) != reflect.TypeOf(r.ep.store.New()) {
			continue // a 400, or another kind the handler refuses
		}
		r.guard("decoded create", obj, nil, func() { r.create(obj) })
		r.guard("decoded read", obj, nil, func() { r.read(obj) })
		if r.valid != nil {
			r.guard("decoded update", obj, r.valid, func() { r.update(obj, r.valid) })
		}
		r.guard("decoded round trip", obj, nil, func() { r.roundTrip(obj) })
	}
}

// roundTrip requires a decoded object that create accepts to be stored and read back unchanged.
func (r *kindRun) roundTrip(in runtime.Object) {
	obj := in.DeepCopyObject()
	s := r.ep.store.CreateStrategy
	m := mustMeta(obj)
	if m.GetName() == "" {
		m.SetName("x")
	}
	rest.FillObjectMetaSystemFields(m)
	// Timestamps are stored to the second.
	m.SetCreationTimestamp(metav1.Unix(m.GetCreationTimestamp().Unix(), 0))
	if rest.BeforeCreate(s, r.ctx(obj), obj) != nil {
		return
	}
	data, err := runtime.Encode(r.f.StorageCodec, obj)
	if err != nil {
		r.t.Errorf("%s: an accepted object does not encode for storage (a 500): %v\ninput: %s", r.ep.resource, err, dump(obj))
		return
	}
	back := r.ep.store.New()
	if _, _, err := r.f.StorageCodec.Decode(data, nil, back); err != nil {
		r.t.Errorf("%s: a stored object does not decode: %v\nstored: %.4096s", r.ep.resource, err, data)
		return
	}
	if !equality.Semantic.DeepEqual(obj, back) {
		r.t.Errorf("%s: an accepted object changes when stored:\nwritten: %s\nread:    %s", r.ep.resource, dump(obj), dump(back))
	}
}
