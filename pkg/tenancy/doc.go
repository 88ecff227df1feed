// Package tenancy holds the tenancy rules that more than one face of netweave enforces (the
// Kubernetes API, the O2-IMS REST API and the notifier), so that each rule has one
// definition.
//
// # Subscriptions on the shared namespace
//
// Subscriptions made on the default apiRoot all live in one namespace (the subscription
// namespace, --o2ims-subscription-namespace), shared by every SMO. There, a caller sees, changes
// and deletes only the subscriptions it created (spec.subscriber, stamped by the server), unless
// RBAC grants it the verb "manage-others" on the subscription resource (inventorysubscriptions,
// alarmsubscriptions) in that namespace (for instance the o2ims-admin ClusterRole, or a "*"
// verb). Elsewhere (tenant
// namespaces) a namespace is one tenant, and RBAC alone decides, as for any Kubernetes object.
package tenancy
