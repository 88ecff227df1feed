package o2rest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// contractFiles are the published contracts of the APIs this face serves, the copies the
// documents are validated against (model/modeltest).
const contractFiles = "model/modeltest/testdata/openapi/*.openapi.yaml"

var pathParameter = regexp.MustCompile(`\{[^}]+\}`)

// operation is what the test reads of a contract's operation: its parameters.
type operation struct {
	Parameters []parameter `json:"parameters"`
}

// parameter is declared in place (name) or by reference to the common ones
// (#/components/parameters/<name>).
type parameter struct {
	Name string `json:"name"`
	Ref  string `json:"$ref"`
}

// parameter is the common parameter's name (allFields, excludeFields, fields, filter) or the
// declared name.
func (p parameter) parameter() string {
	if p.Ref != "" {
		return p.Ref[strings.LastIndex(p.Ref, "/")+1:]
	}
	return p.Name
}

// refusedQueries are, per common parameter, a query naming an attribute no O2 object has.
var refusedQueries = map[string]string{
	"filter":        "filter=(eq,noSuchAttribute,x)",
	"fields":        "fields=noSuchAttribute",
	"excludeFields": "exclude_fields=noSuchAttribute",
}

// TestEveryContractPathIsRouted sends every path and method the contracts declare, with an id
// nothing has, and requires an answer of a handler: not the router's own 404 ("no O2-IMS
// resource at …") nor a 405; and every collection's declared filter, fields and exclude_fields
// naming an attribute nothing has is a 400 naming the parameter, not a parameter ignored. TestRegressionV1AlarmDictionariesServed: the inventory v1
// contract's alarmDictionaries, alarmDictionaries/{id} and resourceTypes/{id}/alarmDictionary
// were the router's 404 (they were taken to be v2 only).
func TestEveryContractPathIsRouted(t *testing.T) {
	e := newMonitoringEnv(t)
	files, err := filepath.Glob(contractFiles)
	if err != nil || len(files) == 0 {
		t.Fatalf("no contracts at %s: %v", contractFiles, err)
	}
	methods := []string{"get", "post", "put", "patch", "delete"}
	sent, queried := 0, 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			// Per path its operations by method, besides path-level entries (parameters).
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for path, ops := range doc.Paths {
			concrete := pathParameter.ReplaceAllString(path, "00000000-0000-4000-8000-0000000000ff")
			for method, raw := range ops {
				if !slices.Contains(methods, method) {
					continue
				}
				var op operation
				if err := json.Unmarshal(raw, &op); err != nil {
					t.Fatalf("%s %s %s: %v", file, method, path, err)
				}
				sent++
				r := e.do(strings.ToUpper(method), "admin-token", concrete, "")
				if r.status == http.StatusMethodNotAllowed ||
					(r.status == http.StatusNotFound && strings.Contains(string(r.body), "no O2-IMS resource at")) {
					t.Errorf("%s %s (%s): %d %s", strings.ToUpper(method), path, filepath.Base(file), r.status, r.body)
				}
				if method != "get" || concrete != path {
					continue
				}
				// A collection's declared query parameters are read, not ignored: an attribute
				// it does not have is a 400 naming the parameter.
				for _, p := range op.Parameters {
					q, ok := refusedQueries[p.parameter()]
					if !ok {
						continue
					}
					queried++
					r := e.do("GET", "admin-token", path+"?"+q, "")
					if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), strings.SplitN(q, "=", 2)[0]) {
						t.Errorf("GET %s?%s (%s): %d %s, want a 400 naming the parameter", path, q, filepath.Base(file), r.status, r.body)
					}
				}
			}
		}
	}
	// The contracts' operations: inventory v1 18 and v2 22, monitoring v1 12 and v2 8,
	// provisioning 7 and its subscriptions 4, artifacts 5. Fewer means a file was not read.
	if sent < 76 {
		t.Errorf("%d operations sent", sent)
	}
	// 52: filter, fields and exclude_fields of every collection that declares them.
	if queried < 52 {
		t.Errorf("%d refused queries sent", queried)
	}
}
