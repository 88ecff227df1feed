// Package modeltest validates O2-IMS JSON documents against the OpenAPI schemas of the inventory,
// monitoring, provisioning and artifacts APIs, for tests of this module (model mapping, REST
// handlers, notifications).
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
	commonPath       = "service/common/api/openapi.yaml"
	inventoryPath    = "service/resources/api/openapi.yaml"
	monitoringPath   = "service/alarms/api/openapi.yaml"
	provisioningPath = "service/provisioning/api/openapi.yaml"
	artifactsPath    = "service/artifacts/api/openapi.yaml"
	// provisioningExtrasPath is netweave's own description of provisioning subscriptions and
	// notifications, which $refs the provisioning file's ProvisioningRequestInfo.
	provisioningExtrasPath = "service/provisioning-netweave/api/openapi.yaml"
)

// versionOneFiles are the APIs that have a major version 1 only (provisioning, artifacts and
// netweave's provisioning additions), by the virtual location each is loaded at. Their schemas
// are looked up for version 1.
var versionOneFiles = []struct{ name, location string }{
	{"testdata/openapi/oran-o2ims_infrastructureProvisioning_v1.openapi.yaml", provisioningPath},
	{"testdata/openapi/oran-o2ims_infrastructureArtifacts_v1.openapi.yaml", artifactsPath},
	{"testdata/openapi/netweave_infrastructureProvisioning_v1_notifications.openapi.yaml", provisioningExtrasPath},
}

// files maps an API version (0 = common) to its embedded OpenAPI file.
var files = [...]string{
	0: "testdata/openapi/oran-o2ims_common.openapi.yaml",
	1: "testdata/openapi/oran-o2ims_infrastructureInventory_v1_2025-10.openapi.yaml",
	2: "testdata/openapi/oran-o2ims_infrastructureInventory_v2.openapi.yaml",
}

// monitoringFiles maps a monitoring API major version to its embedded OpenAPI file. Version 2
// is netweave's own description of spec v10 (see SOURCE.md).
var monitoringFiles = [...]string{
	1: "testdata/openapi/oran-o2ims_infrastructureMonitoring_v1.openapi.yaml",
	2: "testdata/openapi/netweave_infrastructureMonitoring_v2.openapi.yaml",
}

// Validator checks documents against the schemas of the common file (version 0) and of the
// inventory and monitoring API major versions 1 and 2. The two APIs name no schema alike, so a
// version's schema is looked up in both. Each Validator parses its own copy of the files.
type Validator struct {
	docs       [len(files)]*openapi3.T
	monitoring [len(monitoringFiles)]*openapi3.T
	// versionOne are the documents of versionOneFiles.
	versionOne []*openapi3.T
}

// New loads and validates the OpenAPI files; it fails the test when they do not load.
func New(t testing.TB) *Validator {
	t.Helper()
	v, err := load()
	if err != nil {
		t.Fatalf("modeltest: %v", err)
	}
	return v
}

func load() (*Validator, error) {
	common, err := specs.ReadFile(files[0])
	if err != nil {
		return nil, err
	}
	v := &Validator{}
	for version, name := range files {
		location := inventoryPath
		if version == 0 {
			location = commonPath
		}
		doc, err := loadFile(common, name, location)
		if err != nil {
			return nil, err
		}
		v.docs[version] = doc
	}
	for version, name := range monitoringFiles {
		if name == "" {
			continue
		}
		doc, err := loadFile(common, name, monitoringPath)
		if err != nil {
			return nil, err
		}
		v.monitoring[version] = doc
	}
	for _, f := range versionOneFiles {
		doc, err := loadFile(common, f.name, f.location)
		if err != nil {
			return nil, err
		}
		v.versionOne = append(v.versionOne, doc)
	}
	return v, nil
}

// loadFile loads and validates the embedded file name as if it were at location.
func loadFile(common []byte, name, location string) (*openapi3.T, error) {
	data, err := specs.ReadFile(name)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	// Only the common file may be referenced; anything else (a URL, another path) is an
	// error rather than a network or disk read.
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if u.Scheme == "" && u.Host == "" && u.Path == commonPath {
			return common, nil
		}
		// netweave's provisioning additions refer to the provisioning file.
		if u.Scheme == "" && u.Host == "" && u.Path == provisioningPath {
			return specs.ReadFile(versionOneFiles[0].name)
		}
		return nil, fmt.Errorf("reference to %s: only %s and %s are available", u, commonPath, provisioningPath)
	}
	doc, err := loader.LoadFromDataWithPath(data, &url.URL{Path: location})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI description: %w", name, err)
	}
	return doc, nil
}

// Schema returns the named component schema of version (0 = common). For versions 1 and 2 the
// schema is looked up in the inventory file, then the monitoring file of that version (for
// version 1, then the provisioning, artifacts and netweave's provisioning additions files), then
// the common file, which every API uses for ProblemDetails and APIVersions.
func (v *Validator) Schema(version int, schemaName string) (*openapi3.Schema, error) {
	if version < 0 || version >= len(v.docs) {
		return nil, fmt.Errorf("no OpenAPI file for version %d", version)
	}
	chain := []*openapi3.T{v.docs[version], v.monitoring[version]}
	if version == 1 {
		chain = append(chain, v.versionOne...)
	}
	for _, doc := range append(chain, v.docs[0]) {
		if doc == nil {
			continue
		}
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
