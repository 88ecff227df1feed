package options

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
)

// AlarmRuleOptions draw the alarm side's trust boundary: which namespaces' PrometheusRules and
// alerts are the operator's.
type AlarmRuleOptions struct {
	// RuleNamespaces are the namespaces besides the inventory namespace whose PrometheusRules
	// make the prometheus-rules alarm dictionary, and whose alerts (a "namespace" label naming
	// one of them, or none) may be mapped to a node's Resource or the DeploymentManager.
	// Complete sorts them and drops duplicates and the inventory namespace, which is always
	// trusted.
	RuleNamespaces []string
}

// NewAlarmRuleOptions returns the defaults: the inventory namespace alone, where the chart
// renders its own PrometheusRule.
func NewAlarmRuleOptions() *AlarmRuleOptions { return &AlarmRuleOptions{} }

// AddFlags registers the flags.
func (o *AlarmRuleOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.RuleNamespaces, "alarm-rule-namespaces", o.RuleNamespaces, "Namespaces besides --inventory-namespace that are the operator's for alarms: only their PrometheusRules (and the inventory namespace's) are read, and make the prometheus-rules alarm dictionary every SMO reads; only alerts without a namespace label, or whose namespace label names one of them, are mapped to a node's Resource or to the DeploymentManager (others are raised on the O-Cloud). List the namespace of your Prometheus stack's rules (e.g. monitoring): its alerts carry that namespace label. A namespace admin who may create PrometheusRules in a listed namespace can define the operator's alerts.")
}

// Validate reports invalid flags.
func (o *AlarmRuleOptions) Validate() []error {
	var errs []error
	for _, ns := range o.RuleNamespaces {
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, fmt.Errorf("--alarm-rule-namespaces %q: %s", ns, msg))
		}
	}
	return errs
}

// Complete sorts the namespaces and drops duplicates and inventoryNamespace, so each is watched
// once.
func (o *AlarmRuleOptions) Complete(inventoryNamespace string) error {
	namespaces := sets.New(o.RuleNamespaces...)
	namespaces.Delete(inventoryNamespace, "")
	o.RuleNamespaces = sets.List(namespaces)
	return nil
}
