package options

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func parseAlarmRules(t *testing.T, args ...string) *AlarmRuleOptions {
	t.Helper()
	o := NewAlarmRuleOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestAlarmRuleNamespacesDefaultToTheInventoryNamespace: by default no namespace besides the
// inventory namespace is the operator's for alarms.
func TestAlarmRuleNamespacesDefaultToTheInventoryNamespace(t *testing.T) {
	o := parseAlarmRules(t)
	if err := o.Complete("o2ims-system"); err != nil {
		t.Fatal(err)
	}
	if len(o.RuleNamespaces) != 0 {
		t.Errorf("default rule namespaces %v, want none besides the inventory namespace", o.RuleNamespaces)
	}
	if errs := o.Validate(); len(errs) != 0 {
		t.Errorf("defaults invalid: %v", errs)
	}
}

func TestAlarmRuleNamespacesFlag(t *testing.T) {
	o := parseAlarmRules(t, "--alarm-rule-namespaces=monitoring,o2ims-system,kube-prometheus", "--alarm-rule-namespaces=monitoring")
	if err := o.Complete("o2ims-system"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"kube-prometheus", "monitoring"}; !slices.Equal(o.RuleNamespaces, want) {
		t.Errorf("rule namespaces %v, want %v (sorted, without duplicates nor the inventory namespace)", o.RuleNamespaces, want)
	}
	if errs := o.Validate(); len(errs) != 0 {
		t.Errorf("valid flags refused: %v", errs)
	}
	o = parseAlarmRules(t, "--alarm-rule-namespaces=ok,Bad_Name")
	if err := o.Complete("o2ims-system"); err != nil {
		t.Fatal(err)
	}
	if errs := o.Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), `--alarm-rule-namespaces "Bad_Name"`) {
		t.Errorf("errors %v, want one naming Bad_Name", errs)
	}
}
