package smoreg

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
)

// TestRegressionRecreatedOCloudIsAnnouncedAfresh: the announcer kept what it knew by the
// OCloud's name. An OCloud deleted and created again under the same name (an admin's delete,
// the inventory sync re-creating "default") between two Syncs (the informer's wake-ups are
// coalesced; the announcer may be busy POSTing or writing another status) was taken for the
// one the SMO accepted: nothing was written, and the new object's status had no SMORegistered
// condition and no smoRegistration until its values changed. An entry is the object's (UID).
func TestRegressionRecreatedOCloudIsAnnouncedAfresh(t *testing.T) {
	f := newFixture(t, 0, "")
	ctx := context.Background()
	f.a.Sync(ctx)
	if c := meta.FindStatusCondition(f.status(t).Conditions, v1alpha1.OCloudSMORegistered); c == nil || c.Status != metav1.ConditionTrue {
		t.Fatalf("first announcement: condition %+v", c)
	}
	// Deleted and created again, same name and values, a new object with an empty status.
	oclouds := f.client.O2imsV1alpha1().OClouds()
	if err := oclouds.Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := &v1alpha1.OCloud{
		ObjectMeta: metav1.ObjectMeta{Name: "default", Generation: 1, UID: types.UID("recreated")},
		Spec:       v1alpha1.OCloudSpec{OCloudID: oCloudID, GlobalCloudID: globalID, Name: "c", ServiceURI: imsEP},
	}
	if _, err := oclouds.Create(ctx, fresh.DeepCopy(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.indexer.Update(fresh); err != nil {
		t.Fatal(err)
	}
	f.a.Sync(ctx)
	st := f.status(t)
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.OCloudSMORegistered); c == nil || st.SMORegistration == nil {
		t.Fatalf("the re-created OCloud's status says nothing of its registration (condition %+v, smoRegistration %+v; %d POSTs)",
			c, st.SMORegistration, len(f.smo.received()))
	}
}
