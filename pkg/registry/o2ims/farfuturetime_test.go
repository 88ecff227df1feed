package o2ims_test

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/netweave-io/netweave/apis/o2ims"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind"
	"github.com/netweave-io/netweave/pkg/registry/o2ims/kind/kindtest"
)

// TestRegressionTimeAfterYear9999IsRefused: a tenant wrote its ResourcePool's status with a
// condition whose lastTransitionTime was "9999-12-31T23:59:59-01:00". That parses (the year is
// 9999 in its offset), passed validation, and was stored as its UTC instant,
// "10000-01-01T00:59:59Z", which metav1.Time cannot parse back: the write answered 500 after
// the object was stored, and from then on every read of resourcepools that met it (the
// cluster-wide list of the O2 face's and the controllers' informers, the notifier) failed to
// decode, for every tenant and the operator. Times are now held to what storage can read back.
func TestRegressionTimeAfterYear9999IsRefused(t *testing.T) {
	f := servedStorage(t)
	ctx := genericapirequest.WithNamespace(context.Background(), "tenant-a")
	decoder := f.Codecs.UniversalDecoder(schema.GroupVersion{Group: o2ims.GroupName, Version: runtime.APIVersionInternal})
	body := func(ltt string) []byte {
		return []byte(`{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"ResourcePool",
			"metadata":{"name":"p","namespace":"tenant-a","resourceVersion":"1"},
			"spec":{"resourcePoolId":"` + kindtest.HealUUID + `","name":"p"},
			"status":{"conditions":[{"type":"Ready","status":"True","reason":"R","message":"",
				"lastTransitionTime":"` + ltt + `"}]}}`)
	}
	decode := func(ltt string) runtime.Object {
		obj, err := runtime.Decode(decoder, body(ltt))
		if err != nil {
			t.Fatalf("the API server refuses the request body (%s): %v", ltt, err)
		}
		return obj
	}
	old := decode("2024-01-02T03:04:05Z")
	status := f.Storage["resourcepools/status"].(*kind.StatusREST).UpdateStrategy()
	main := kindtest.StoreOf(f.Storage["resourcepools"])
	for _, ltt := range []string{"9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+01:00"} {
		bad := decode(ltt)
		status.PrepareForUpdate(ctx, bad, old)
		errs := status.ValidateUpdate(ctx, bad, old)
		if len(errs) > 0 && errs[0].Field != "status.conditions[0].lastTransitionTime" {
			t.Errorf("status with lastTransitionTime %s: got %v, want an error at status.conditions[0].lastTransitionTime", ltt, errs)
		}
		if len(errs) == 0 {
			data, err := runtime.Encode(f.StorageCodec, bad)
			if err == nil {
				_, _, err = f.StorageCodec.Decode(data, nil, main.New())
			}
			t.Errorf("status with lastTransitionTime %s is accepted; stored, it reads back as: %v", ltt, err)
		}
		// A create drops the status, but any time is held to the same bound: managedFields'.
		created, err := runtime.Decode(decoder, []byte(`{"apiVersion":"o2ims.oran.org/v1alpha1","kind":"ResourcePool",
			"metadata":{"name":"p","namespace":"tenant-a","managedFields":[{"manager":"m","operation":"Update",
				"apiVersion":"o2ims.oran.org/v1alpha1","time":"`+ltt+`","fieldsType":"FieldsV1","fieldsV1":{}}]},
			"spec":{"resourcePoolId":"`+kindtest.HealUUID+`","name":"p"}}`))
		if err != nil {
			t.Fatal(err)
		}
		main.CreateStrategy.PrepareForCreate(ctx, created)
		errs = main.CreateStrategy.Validate(ctx, created)
		if len(errs) != 1 || errs[0].Field != "metadata.managedFields[0].time" {
			t.Errorf("create with managedFields time %s: got %v, want one error at metadata.managedFields[0].time", ltt, errs)
		}
	}
	// The last instant storage can hold, however written, is still accepted.
	for _, ltt := range []string{"9999-12-31T23:59:59Z", "9999-12-31T23:59:59+01:00", "0000-01-01T00:00:00Z"} {
		good := decode(ltt)
		status.PrepareForUpdate(ctx, good, old)
		if errs := status.ValidateUpdate(ctx, good, old); len(errs) != 0 {
			t.Errorf("lastTransitionTime %s is refused: %v", ltt, errs)
		}
	}
}
