// Package modeltest validates O2-IMS JSON documents against the published OpenAPI schemas of
// the inventory and monitoring APIs, for tests of this module (model mapping, REST handlers,
// notifications).
package modeltest

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// specs are the OpenAPI files, embedded so that tests of any package can validate without
// knowing where this package's sources are.
//
//go:embed testdata/openapi/*.yaml
var specs embed.FS

// The virtual locations the files are loaded at: the upstream repository layout, which is what
// the files' relative $refs ("../../common/api/openapi.yaml") expect.
const (
	commonPath     = "service/common/api/openapi.yaml"
	inventoryPath  = "service/resources/api/openapi.yaml"
	monitoringPath = "service/alarms/api/openapi.yaml"
)

// files maps an API version (0 = common) to the embedded OpenAPI file of the inventory API.
var files = [...]string{
	0: "testdata/openapi/oran-o2ims_common.openapi.yaml",
	1: "testdata/openapi/oran-o2ims_infrastructureInventory_v1_2025-10.openapi.yaml",
	2: "testdata/openapi/oran-o2ims_infrastructureInventory_v2.openapi.yaml",
}

// monitoringFiles is files for the monitoring API: only 1.0.0 is published as OpenAPI.
var monitoringFiles = [...]string{
	0: files[0],
	1: "testdata/openapi/oran-o2ims_infrastructureMonitoring_v1.openapi.yaml",
}

// Validator checks documents against the schemas of the common file (version 0) and of one
// API's major versions: inventory 1 and 2 (New), or monitoring 1 (NewMonitoring). Each
// Validator parses its own copy of the files.
type Validator struct {
	docs []*openapi3.T
}

// New loads and validates the inventory OpenAPI files; it fails the test when they do not
// load.
func New(t testing.TB) *Validator {
	t.Helper()
	return mustLoad(t, files[:], inventoryPath)
}

// NewMonitoring is New for the monitoring API (AlarmEventRecord, AlarmSubscriptionInfo,
// AlarmEventNotification, ...), of which only version 1 exists.
func NewMonitoring(t testing.TB) *Validator {
	t.Helper()
	return mustLoad(t, monitoringFiles[:], monitoringPath)
}

func mustLoad(t testing.TB, names []string, location string) *Validator {
	t.Helper()
	v, err := load(names, location)
	if err != nil {
		t.Fatalf("modeltest: %v", err)
	}
	return v
}

// load loads names[0] (the common file) and the API's files names[1:], placed at location.
func load(names []string, apiLocation string) (*Validator, error) {
	common, err := specs.ReadFile(names[0])
	if err != nil {
		return nil, err
	}
	v := &Validator{docs: make([]*openapi3.T, len(names))}
	for version, name := range names {
		data, err := specs.ReadFile(name)
		if err != nil {
			return nil, err
		}
		location := apiLocation
		if version == 0 {
			location = commonPath
		}
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = true
		// Only the common file may be referenced; anything else (a URL, another path) is an
		// error rather than a network or disk read.
		loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
			if u.Scheme == "" && u.Host == "" && u.Path == commonPath {
				return common, nil
			}
			return nil, fmt.Errorf("reference to %s: only %s is available", u, commonPath)
		}
		doc, err := loader.LoadFromDataWithPath(data, &url.URL{Path: location})
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		if err := doc.Validate(loader.Context); err != nil {
			return nil, fmt.Errorf("%s is not a valid OpenAPI description: %w", name, err)
		}
		v.docs[version] = doc
	}
	return v, nil
}

// Schema returns the named component schema of version (0 = common). For versions 1 and 2 a
// schema the API's file does not define is looked up in the common file, which the APIs use
// for ProblemDetails, APIVersions and AlarmDictionary.
func (v *Validator) Schema(version int, schemaName string) (*openapi3.Schema, error) {
	if version < 0 || version >= len(v.docs) || v.docs[version] == nil {
		return nil, fmt.Errorf("no OpenAPI file for version %d", version)
	}
	for _, doc := range []*openapi3.T{v.docs[version], v.docs[0]} {
		if ref := doc.Components.Schemas[schemaName]; ref != nil && ref.Value != nil {
			return ref.Value, nil
		}
	}
	return nil, fmt.Errorf("version %d has no schema %q", version, schemaName)
}

// Validate fails the test unless doc is a valid instance of the schema as a response body.
// doc may be the encoded body ([]byte, json.RawMessage) or any value encoding/json accepts; it
// is validated as it would be on the wire.
func (v *Validator) Validate(t testing.TB, version int, schemaName string, doc any) {
	t.Helper()
	if err := v.Check(version, schemaName, doc); err != nil {
		t.Errorf("%s (version %d): %v", schemaName, version, err)
	}
}

// ValidateList is Validate for a list response: doc must be a JSON array whose every item is a
// valid instance of the schema.
func (v *Validator) ValidateList(t testing.TB, version int, schemaName string, doc any) {
	t.Helper()
	if err := v.CheckList(version, schemaName, doc); err != nil {
		t.Errorf("list of %s (version %d): %v", schemaName, version, err)
	}
}

// Check returns why doc is not a valid instance of the schema, or nil.
func (v *Validator) Check(version int, schemaName string, doc any) error {
	schema, err := v.Schema(version, schemaName)
	if err != nil {
		return err
	}
	value, err := wire(doc)
	if err != nil {
		return err
	}
	return visit(schema, value)
}

// CheckList returns why doc is not a JSON array of valid instances of the schema, or nil.
func (v *Validator) CheckList(version int, schemaName string, doc any) error {
	schema, err := v.Schema(version, schemaName)
	if err != nil {
		return err
	}
	value, err := wire(doc)
	if err != nil {
		return err
	}
	items, ok := value.([]any)
	if !ok {
		return fmt.Errorf("not a JSON array but %T", value)
	}
	for i, item := range items {
		if err := visit(schema, item); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	return nil
}

func visit(schema *openapi3.Schema, value any) error {
	return schema.VisitJSON(value,
		openapi3.MultiErrors(),
		openapi3.VisitAsResponse(),
		// kin-openapi checks no string format unless told how; these are the formats the
		// inventory schemas use, checked per call so that no global state is touched.
		openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)),
		openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(absoluteURI)),
	)
}

// absoluteURI implements JSON Schema's "uri" format: an RFC 3986 URI, which has a scheme
// (a relative reference such as a bare path is a "uri-reference").
func absoluteURI(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme == "" {
		return fmt.Errorf("%q is not an absolute URI", s)
	}
	return nil
}

// wire returns doc as encoding/json decodes its encoding, so that validation sees exactly the
// JSON a client receives (struct tags, omitempty, int vs float).
func wire(doc any) (any, error) {
	var data []byte
	switch d := doc.(type) {
	case []byte:
		data = d
	case json.RawMessage:
		data = d
	default:
		var err error
		if data, err = json.Marshal(doc); err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
	}
	var value any
	if err := json.Unmarshal(data, &value); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	return value, nil
}
