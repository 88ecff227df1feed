package notify

import (
	"encoding/json"
	"testing"

	dmsv1alpha1 "github.com/netweave-io/netweave/apis/o2dms/v1alpha1"
)

// TestRegressionNfDeploymentValuesKeepIntegerPrecision: the values of an NfDeployment are a JSON
// object stored exactly (spec.values.Raw); the notification's postObjectState.values must carry
// the same numbers. NfDeploymentDocument decoded them into float64, so any integer above 2^53
// (64-bit ids, counters, byte sizes) arrived rounded: the SMO was told a value the deployment
// does not have.
func TestRegressionNfDeploymentValuesKeepIntegerPrecision(t *testing.T) {
	d := nfDeployment("11", dmsv1alpha1.NfDeploymentDeployed, 2, func(d *dmsv1alpha1.NfDeployment) {
		d.Spec.Values = &dmsv1alpha1.JSON{Raw: []byte(`{"sliceId":9007199254740993}`)}
	})
	body, _, ok, err := BuildNfDeploymentBody(compileNf(t, ""), event(Create, nil, d))
	if err != nil || !ok {
		t.Fatalf("not built: %v", err)
	}
	var got struct {
		Post struct {
			Values map[string]json.RawMessage `json:"values"`
		} `json:"postObjectState"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if v := string(got.Post.Values["sliceId"]); v != "9007199254740993" {
		t.Errorf("values.sliceId notified as %s, stored as 9007199254740993", v)
	}
}
