package o2rest

import (
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

// TestEveryContractPathIsRouted sends every path and method the contracts declare, with an id
// nothing has, and requires an answer of a handler: not the router's own 404 ("no O2-IMS
// resource at …") nor a 405. TestRegressionV1AlarmDictionariesServed: the inventory v1
// contract's alarmDictionaries, alarmDictionaries/{id} and resourceTypes/{id}/alarmDictionary
// were the router's 404 (they were taken to be v2 only).
func TestEveryContractPathIsRouted(t *testing.T) {
	e := newMonitoringEnv(t)
	files, err := filepath.Glob(contractFiles)
	if err != nil || len(files) == 0 {
		t.Fatalf("no contracts at %s: %v", contractFiles, err)
	}
	methods := []string{"get", "post", "put", "patch", "delete"}
	sent := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Paths map[string]map[string]any `json:"paths"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for path, ops := range doc.Paths {
			concrete := pathParameter.ReplaceAllString(path, "00000000-0000-4000-8000-0000000000ff")
			for method := range ops {
				if !slices.Contains(methods, method) {
					continue
				}
				sent++
				r := e.do(strings.ToUpper(method), "admin-token", concrete, "")
				if r.status == http.StatusMethodNotAllowed ||
					(r.status == http.StatusNotFound && strings.Contains(string(r.body), "no O2-IMS resource at")) {
					t.Errorf("%s %s (%s): %d %s", strings.ToUpper(method), path, filepath.Base(file), r.status, r.body)
				}
			}
		}
	}
	// The contracts' operations: inventory v1 18 and v2 22, monitoring v1 12 and v2 8,
	// provisioning 7 and its subscriptions 4, artifacts 5. Fewer means a file was not read.
	if sent < 76 {
		t.Errorf("%d operations sent", sent)
	}
}
