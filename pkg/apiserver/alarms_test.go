package apiserver

import (
	"context"
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

// TestAlarmsWaitForTheDictionaries: the alarm side reports (sources start, the webhook records)
// only once the dictionaries are known, so that an alarm raised at the start of a term refers
// to its definition; a term that ends first reports nothing.
func TestAlarmsWaitForTheDictionaries(t *testing.T) {
	settled := make(chan struct{})
	r := &alarmsRun{dictionariesSettled: settled, dictionariesKnown: make(chan struct{})}
	known := func() bool {
		select {
		case <-r.dictionariesKnown:
			return true
		default:
			return false
		}
	}
	done := make(chan bool)
	go func() { done <- r.awaitDictionaries(context.Background()) }()
	if known() {
		t.Fatal("dictionaries known before they settled")
	}
	close(settled)
	if !<-done || !known() {
		t.Fatal("dictionaries not known once settled")
	}

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	r = &alarmsRun{dictionariesSettled: make(chan struct{}), dictionariesKnown: make(chan struct{})}
	if r.awaitDictionaries(ended) || known() {
		t.Error("a term that ended before the dictionaries settled reports alarms")
	}
}
