package notify

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netweave-io/netweave/apis/o2ims/v1alpha1"
	"github.com/netweave-io/netweave/pkg/o2rest/model"
)

// TestRegressionModifyWithoutVisibleChangeSent: every write of an inventory object was sent as
// a MODIFY, also one the O2 document does not show. The SMO registration announcer writes the
// OCloud's status.smoRegistration at every attempt, so while the SMO's registration endpoint
// failed each default-root subscriber received an OCloudInfo MODIFY per retry whose
// priorObjectState and postObjectState were identical (likewise for labels or finalizers). A
// MODIFY whose documents are equal in the subscription's view is not sent; one that changes
// the document still is.
func TestRegressionModifyWithoutVisibleChangeSent(t *testing.T) {
	ocloud := func(failures int32, desc string) *v1alpha1.OCloud {
		return &v1alpha1.OCloud{
			ObjectMeta: metav1.ObjectMeta{Name: "ocloud", UID: "ocloud-uid", ResourceVersion: "5"},
			Spec:       v1alpha1.OCloudSpec{OCloudID: poolID2, GlobalCloudID: dmID, Name: "o", Description: desc, ServiceURI: "https://o2ims.example.com"},
			Status:     v1alpha1.OCloudStatus{SMORegistration: &v1alpha1.SMORegistrationStatus{ConsecutiveFailures: failures}},
		}
	}
	labelled := pool("a")
	labelled.Labels = map[string]string{"team": "x"}
	for _, version := range model.Versions() {
		sub := compile(t, "", version)
		for name, ev := range map[string]*Event{
			"ocloud status": event(Modify, ocloud(1, "d"), ocloud(2, "d")),
			"pool label":    event(Modify, pool("a"), labelled),
		} {
			if body, _, ok, err := BuildBody(sub, access{}, ev, nil); ok || err != nil {
				t.Errorf("v%d %s: a MODIFY without a visible change was sent (err %v): %s", version, name, err, body)
			}
		}
		for name, ev := range map[string]*Event{
			"ocloud description": event(Modify, ocloud(2, "d"), ocloud(2, "e")),
			"pool description":   event(Modify, pool("a"), pool("b")),
			"pool create":        event(Create, nil, pool("a")),
			"pool delete":        event(Delete, pool("a"), nil),
		} {
			if _, _, ok, err := BuildBody(sub, access{}, ev, nil); !ok || err != nil {
				t.Errorf("v%d %s: not sent (err %v)", version, name, err)
			}
		}
	}
}
