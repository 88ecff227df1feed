package alarmeventrecord

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmdictionary"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/deploymentmanager"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resource"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcepool"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/resourcetype"
)

const (
	invNS       = "o2ims-system"
	nodeRes     = "0b9e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4" // an inventory node's Resource
	tenantRes   = "5d6e7f80-91a2-4b3c-8d4e-5f60718293a4" // a Resource of tenant-b
	otherRes    = "6e7f8091-a2b3-4c4d-8e5f-60718293a4b5" // a Resource of tenant-a
	absentRes   = "7f8091a2-b3c4-4d5e-8f60-718293a4b5c6" // held by nobody
	clusterDM   = "8091a2b3-c4d5-4e6f-8071-8293a4b5c6d7" // the cluster's DeploymentManager
	standardDic = "91a2b3c4-d5e6-4f70-8182-93a4b5c6d7e8" // the standard dictionary
)

// tenantStore is the alarmeventrecords store held to the tenant boundary of invNS, with the
// referenced kinds' ids held as in a cluster with a tenant-a and a tenant-b.
func tenantStore(t *testing.T) *REST {
	t.Helper()
	held := kindtest.HeldIDs{
		"resources":          {nodeRes: invNS + "/node-a", tenantRes: "tenant-b/r1", otherRes: "tenant-a/r1"},
		"deploymentmanagers": {clusterDM: invNS + "/kubernetes"},
		"alarmdictionaries":  {standardDic: invNS + "/o-cloud"},
	}
	ten := kind.NewTenancy(invNS, nil, nil)
	for _, newREST := range []func(*runtime.Scheme, generic.RESTOptionsGetter, *kind.Tenancy) (*kind.REST, *kind.StatusREST, error){
		resource.NewREST, resourcepool.NewREST, resourcetype.NewREST, deploymentmanager.NewREST, alarmdictionary.NewREST,
	} {
		if _, _, err := newREST(runtime.NewScheme(), held, ten); err != nil {
			t.Fatal(err)
		}
	}
	main, _, err := NewREST(runtime.NewScheme(), held, ten)
	if err != nil {
		t.Fatal(err)
	}
	return main
}

func asIn(name, ns string, groups ...string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name, Groups: append(groups, user.AllAuthenticated)})
}

// alarmAbout is a CRITICAL alarm in ns about the object of class with id, as a namespace admin
// would kubectl create it: no alarmEventRecordId (the server assigns it outside the inventory
// namespace), a source that looks like netweave's own.
func alarmAbout(ns, class, id string) *o2ims.AlarmEventRecord {
	return &o2ims.AlarmEventRecord{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "forged"},
		Spec: o2ims.AlarmEventRecordSpec{
			Source:      o2ims.AlarmSource{Name: "node-conditions", Key: "uid/Ready"},
			ObjectClass: class, ObjectID: id, AlarmName: "CLUSTERNODE_CRITICAL", AlarmDictionaryID: standardDic,
		},
		Status: o2ims.AlarmEventRecordStatus{PerceivedSeverity: o2ims.PerceivedSeverityCritical, Text: "node down"},
	}
}

// TestRegressionTenantCannotForgeOperatorAlarms: the operator's SMO reads every namespace's
// alarms on the default apiRoot. A namespace admin of tenant-b must not file an alarm there
// that names an inventory node's Resource, the O-Cloud or the cluster's DeploymentManager; the
// answer for the operator's Resource is the same as for another tenant's or nobody's, so it
// reveals no id either. The recorder (a cluster superuser) and the operator's own namespace
// keep their alarms about those objects.
func TestRegressionTenantCannotForgeOperatorAlarms(t *testing.T) {
	create := tenantStore(t).Store.BeginCreate
	admin := asIn("tenant-b-admin", "tenant-b")

	var first string
	for _, id := range []string{nodeRes, otherRes, absentRes} {
		for _, opts := range []*metav1.CreateOptions{{}, {DryRun: []string{metav1.DryRunAll}}} {
			_, err := create(admin, alarmAbout("tenant-b", "Resource", id), opts)
			f, msg := kindtest.OnlyCause(t, err)
			if f != "spec.objectId" || !strings.Contains(msg, "in namespace tenant-b") || strings.Contains(msg, "inventory") {
				t.Errorf("Resource %s: %s %q, want spec.objectId to be tenant-b's own", id, f, msg)
			}
			if got := strings.ReplaceAll(err.Error(), id, "<id>"); first == "" {
				first = got
			} else if got != first {
				t.Errorf("answers differ, so they reveal where the id is held:\n%s\n%s", first, got)
			}
		}
	}
	for _, tc := range []struct{ class, id, field string }{
		{"OCloud", "a2b3c4d5-e6f7-4081-9293-a4b5c6d7e8f9", "spec.objectClass"},
		{"DeploymentManager", clusterDM, "spec.objectId"},
	} {
		_, err := create(admin, alarmAbout("tenant-b", tc.class, tc.id), &metav1.CreateOptions{})
		if f, msg := kindtest.OnlyCause(t, err); f != tc.field {
			t.Errorf("%s from tenant-b: %s %q, want %s refused", tc.class, f, msg, tc.field)
		}
	}

	// Control: the checks ran on objects that pass them. tenant-b's alarm about its own
	// Resource, the recorder's and the operator's alarms about the O-Cloud's objects.
	if _, err := create(admin, alarmAbout("tenant-b", "Resource", tenantRes), &metav1.CreateOptions{}); err != nil {
		t.Errorf("tenant-b's alarm about its own Resource: %v", err)
	}
	recorder := asIn(user.APIServerUser, invNS, user.SystemPrivilegedGroup)
	operator := asIn("ops", invNS)
	for _, ctx := range []context.Context{recorder, operator} {
		for _, a := range []*o2ims.AlarmEventRecord{
			alarmAbout(invNS, "Resource", nodeRes), alarmAbout(invNS, "DeploymentManager", clusterDM),
			alarmAbout(invNS, "OCloud", "a2b3c4d5-e6f7-4081-9293-a4b5c6d7e8f9"),
		} {
			if _, err := create(ctx, a, &metav1.CreateOptions{}); err != nil {
				u, _ := genericapirequest.UserFrom(ctx)
				t.Errorf("%s's alarm about the %s: %v", u.GetName(), a.Spec.ObjectClass, err)
			}
		}
	}
}

// TestRegressionNodePoolAdminRewroteOperatorAlarmStatus: the O-Cloud's alarms about the nodes
// of a node pool namespace are stored there, and that namespace's admin ("*" on o2ims through
// o2ims-admin) could rewrite their status through the status subresource: clear them, re-date
// them, make them stand for something else. Now only the server's own controllers (cluster
// superusers) write an alarm's status; acknowledging and clearing stay spec requests.
func TestRegressionNodePoolAdminRewroteOperatorAlarmStatus(t *testing.T) {
	_, status, err := NewREST(runtime.NewScheme(), kindtest.NullGetter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cleared := record()
	cleared.Namespace = "pool-a"
	cleared.Status.PerceivedSeverity = o2ims.PerceivedSeverityCleared
	_, _, err = status.Update(asIn("pool-admin", "pool-a"), cleared.Name, rest.DefaultUpdatedObjectInfo(cleared), nil, nil, false, &metav1.UpdateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("a namespace admin's status update of an alarm: %v, want 403 Forbidden", err)
	}
}
