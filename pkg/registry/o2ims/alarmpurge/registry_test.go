package alarmpurge_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/apis/o2ims/validation"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmeventrecord"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/alarmpurge"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

const (
	invNS         = "o2ims-system"
	operatorAlarm = "0b9e3f1c-2d4a-4b5c-8d6e-7f8091a2b3c4" // an alarm of the inventory namespace
	tenantAlarm   = "5d6e7f80-91a2-4b3c-8d4e-5f60718293a4" // an alarm of tenant-b
	otherAlarm    = "6e7f8091-a2b3-4c4d-8e5f-60718293a4b5" // an alarm of tenant-a
	noAlarm       = "7f8091a2-b3c4-4d5e-8f60-718293a4b5c6" // held by nobody
)

func purge(ns string, ids ...string) *o2ims.AlarmPurge {
	return &o2ims.AlarmPurge{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "purge-x"},
		Spec: o2ims.AlarmPurgeSpec{AlarmRecordIDs: ids}}
}

func asIn(name, ns string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name, Groups: []string{user.AllAuthenticated}})
}

// TestRegressionPurgeDoesNotRevealOperatorAlarms: a purge in tenant-b (POST
// /tenants/tenant-b/.../alarms/purge) purges tenant-b's alarms only. Naming an alarm of the
// inventory namespace must be refused exactly as naming one that does not exist, or the
// answer (accepted for the one, 422 for the other) tells the tenant which of the operator's
// alarm ids exist.
func TestRegressionPurgeDoesNotRevealOperatorAlarms(t *testing.T) {
	held := kindtest.HeldIDs{"alarmeventrecords": {
		operatorAlarm: invNS + "/a1", tenantAlarm: "tenant-b/a2", otherAlarm: "tenant-a/a3"}}
	ten := kind.NewTenancy(invNS, nil, nil)
	if _, _, err := alarmeventrecord.NewREST(runtime.NewScheme(), held, ten); err != nil {
		t.Fatal(err)
	}
	purges, _, err := alarmpurge.NewREST(runtime.NewScheme(), held, ten)
	if err != nil {
		t.Fatal(err)
	}
	create := purges.Store.BeginCreate
	tenant := asIn("tenant-b-admin", "tenant-b")

	var first string
	for _, id := range []string{operatorAlarm, otherAlarm, noAlarm} {
		for _, opts := range []*metav1.CreateOptions{{}, {DryRun: []string{metav1.DryRunAll}}} {
			_, err := create(tenant, purge("tenant-b", tenantAlarm, id), opts)
			if !apierrors.IsInvalid(err) {
				t.Fatalf("purge naming %s: %v, want 422", id, err)
			}
			causes := err.(apierrors.APIStatus).Status().Details.Causes
			if len(causes) != 1 || causes[0].Field != "spec.alarmRecordIds[1]" {
				t.Errorf("purge naming %s: causes %+v, want spec.alarmRecordIds[1] alone", id, causes)
			}
			if got := strings.ReplaceAll(err.Error(), id, "<id>"); first == "" {
				first = got
			} else if got != first {
				t.Errorf("answers differ, so they reveal whether the alarm exists:\n%s\n%s", first, got)
			}
		}
	}
	// Control: the purge of its own alarm, and the operator's purge of its own, are accepted.
	if _, err := create(tenant, purge("tenant-b", tenantAlarm), &metav1.CreateOptions{}); err != nil {
		t.Errorf("tenant-b purging its own alarm: %v", err)
	}
	if _, err := create(asIn("smo", invNS), purge(invNS, operatorAlarm), &metav1.CreateOptions{}); err != nil {
		t.Errorf("the operator purging its own alarm: %v", err)
	}
}

// TestRegressionPurgeOfManyIDsIsBounded: a tenant's AlarmPurge naming ~75,000 alarm ids nobody
// holds was resolved one Redis lookup per id and answered with one error per id, joined into
// one message at a cost that grows with the square of their number: minutes of CPU for one
// request. A purge names at most 1000 ids (a window purges any number), refused before any is
// looked up, and the 422 of ids that do not resolve says at most validation.MaxErrors.
func TestRegressionPurgeOfManyIDsIsBounded(t *testing.T) {
	ten := kind.NewTenancy(invNS, nil, nil)
	held := kindtest.HeldIDs{"alarmeventrecords": {tenantAlarm: "tenant-b/a2"}}
	if _, _, err := alarmeventrecord.NewREST(runtime.NewScheme(), held, ten); err != nil {
		t.Fatal(err)
	}
	purges, _, err := alarmpurge.NewREST(runtime.NewScheme(), held, ten)
	if err != nil {
		t.Fatal(err)
	}
	tenant := asIn("tenant-b-admin", "tenant-b")
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("7f8091a2-b3c4-4d5e-8f60-%012x", i)
		}
		return out
	}

	many := purge("tenant-b", ids(75000)...)
	purges.Store.CreateStrategy.PrepareForCreate(tenant, many)
	errs := purges.Store.CreateStrategy.Validate(tenant, many)
	if len(errs) != 1 || errs[0].Type != field.ErrorTypeTooMany || errs[0].Field != "spec.alarmRecordIds" {
		t.Errorf("a purge of 75000 ids: %v, want spec.alarmRecordIds: Too many", errs)
	}

	_, err = purges.Store.BeginCreate(tenant, purge("tenant-b", ids(1000)...), &metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("a purge of 1000 unknown ids: %v, want 422", err)
	}
	causes := err.(apierrors.APIStatus).Status().Details.Causes
	if len(causes) > validation.MaxErrors || !strings.Contains(causes[len(causes)-1].Message, "more errors not shown") {
		t.Errorf("a purge of 1000 unknown ids: %d causes, the last %+v; want at most %d, the last saying more were left out",
			len(causes), causes[len(causes)-1], validation.MaxErrors)
	}
}

// TestRegressionKubectlPurgeWindowInsideASecondReachesOutside: an AlarmPurge created with
// kubectl whose startWindowTime falls inside a second was stored cut down to the second
// (metav1.Time), purging alarms cleared before the window. Its edges now move inward, as the
// O2 face's do, and a window holding no whole second is refused.
func TestRegressionKubectlPurgeWindowInsideASecondReachesOutside(t *testing.T) {
	purges, _, err := alarmpurge.NewREST(runtime.NewScheme(), kindtest.HeldIDs{}, kind.NewTenancy(invNS, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	tenant := asIn("tenant-b-admin", "tenant-b")
	at := func(sec, nsec int) metav1.Time {
		return metav1.NewTime(time.Date(2042, 7, 21, 20, 32, sec, nsec, time.UTC))
	}
	window := func(start, end metav1.Time) *o2ims.AlarmPurge {
		p := purge("tenant-b")
		p.Spec.PurgeConditions = &o2ims.PurgeConditions{StartWindowTime: &start, EndWindowTime: end}
		return p
	}

	p := window(at(28, 900e6), at(40, 500e6))
	purges.Store.CreateStrategy.PrepareForCreate(tenant, p)
	if errs := purges.Store.CreateStrategy.Validate(tenant, p); len(errs) != 0 {
		t.Fatalf("a window of whole seconds: %v", errs)
	}
	if c := p.Spec.PurgeConditions; !c.StartWindowTime.Time.Equal(at(29, 0).Time) || !c.EndWindowTime.Time.Equal(at(40, 0).Time) {
		t.Errorf("window stored from %s to %s, want from :29 to :40", c.StartWindowTime, c.EndWindowTime)
	}

	p = window(at(28, 200e6), at(28, 700e6))
	purges.Store.CreateStrategy.PrepareForCreate(tenant, p)
	if errs := purges.Store.CreateStrategy.Validate(tenant, p); len(errs) != 1 || errs[0].Field != "spec.purgeConditions.startWindowTime" {
		t.Errorf("a window within one second: %v, want spec.purgeConditions.startWindowTime invalid", errs)
	}
}
