// Package dictionary keeps the O2 AlarmDictionary objects of the O-Cloud equal to what netweave
// knows about its alarms:
//
//   - the standard O-Cloud dictionary (spec.resourceTypeId empty, named "o-cloud" in the
//     inventory namespace): the twelve definitions and all probable causes of spec v10 clause 4
//     (pkg/alarms/standard), with the spec's fixed ids;
//   - one dictionary per ResourceType, in the type's namespace, with the standard definitions
//     about objects of the type's class (see definitionsFor);
//   - where the monitoring.coreos.com/v1 PrometheusRule CRD is served, the dictionary
//     "prometheus-rules" in the inventory namespace: one AUTOMATIC definition per alert rule of
//     the operator's namespaces (Config.RuleNamespaces: the inventory namespace and
//     --alarm-rule-namespaces; no other namespace is watched), named after the alert. The
//     Alertmanager source's alarms refer to their definition there, by alert name. A tenant's
//     rule never defines, nor adds to, what every SMO reads as the O-Cloud's alerts.
//
// It reconciles like the inventory sync and through its machinery (inventory.Kind): its
// objects carry the o2ims.oran.org/managed-by label, their ids are derived from the O-Cloud id,
// and dictionaries an operator wrote are never touched.
package dictionary
