package apiserver

import (
	"slices"
	"testing"
)

// TestRuleNamespacesAlwaysHoldTheInventoryNamespace: the dictionary and the alert resolver
// read one set, which always has the inventory namespace (the chart renders its own
// PrometheusRule there) and each namespace once.
func TestRuleNamespacesAlwaysHoldTheInventoryNamespace(t *testing.T) {
	for _, tc := range []struct {
		listed, want []string
	}{
		{nil, []string{"o2ims-system"}},
		{[]string{"monitoring"}, []string{"monitoring", "o2ims-system"}},
		{[]string{"o2ims-system", "monitoring", "monitoring"}, []string{"monitoring", "o2ims-system"}},
	} {
		if got := (AlarmsConfig{RuleNamespaces: tc.listed}).ruleNamespaces("o2ims-system"); !slices.Equal(got, tc.want) {
			t.Errorf("listed %v: rule namespaces %v, want %v", tc.listed, got, tc.want)
		}
	}
}
