package validation

import (
	"strings"
	"testing"

	"github.com/netweave-io/netweave/apis/o2ims"
)

func bigExtensions(valueBytes int) o2ims.Extensions {
	return o2ims.Extensions{"vendor": {Raw: []byte(`"` + strings.Repeat("x", valueBytes) + `"`)}}
}

func TestExtensionsSizeLimit(t *testing.T) {
	ocloud := func(ext o2ims.Extensions) *o2ims.OCloud {
		return &o2ims.OCloud{ObjectMeta: meta(SingletonName), Spec: o2ims.OCloudSpec{OCloudID: id1, Name: "edge", Extensions: ext}}
	}
	ocloud0 := ocloud(nil)
	ocloud0.Namespace = ""
	wantErrors(t, ValidateOCloud(ocloud0))

	// At the limit is fine; one byte over is not.
	fits := MaxExtensionsBytes - len("vendor") - perEntryOverhead - 2
	o := ocloud(bigExtensions(fits))
	o.Namespace = ""
	wantErrors(t, ValidateOCloud(o))
	o = ocloud(bigExtensions(fits + 1))
	o.Namespace = ""
	wantErrors(t, ValidateOCloud(o), "spec.extensions")

	o = ocloud(o2ims.Extensions{strings.Repeat("k", maxExtensionKeyLength+1): {Raw: []byte("1")}})
	o.Namespace = ""
	wantErrors(t, ValidateOCloud(o), "spec.extensions")
}

func TestFreeFormFieldLimits(t *testing.T) {
	r := &o2ims.O2Resource{ObjectMeta: meta("worker-1"), Spec: o2ims.ResourceSpec{ResourceID: id1, ResourcePoolID: id1, ResourceTypeID: id2,
		Tags:     make([]string, maxKeywords+1),
		Groups:   []string{strings.Repeat("g", maxNameLength+1)},
		Elements: []o2ims.ResourceElement{{Description: strings.Repeat("d", maxDescriptionLength+1), Extensions: bigExtensions(MaxExtensionsBytes)}},
	}}
	for i := range r.Spec.Tags {
		r.Spec.Tags[i] = "t"
	}
	wantErrors(t, ValidateResource(r), "spec.tags", "spec.groups[0]", "spec.elements[0].description", "spec.elements[0].extensions")

	d := &o2ims.AlarmDictionary{ObjectMeta: meta("d"), Spec: o2ims.AlarmDictionarySpec{
		AlarmDictionaryID: id1, AlarmDictionaryVersion: "1", AlarmDictionarySchemaVersion: "2.0", EntityType: "node", Vendor: "netweave",
		AlarmDefinitions: []o2ims.AlarmDefinition{{AlarmDefinitionID: id2, AlarmName: "DOWN", ClearingType: o2ims.ClearingTypeAutomatic}},
	}}
	d.Spec.AlarmDefinitions[0].AlarmAdditionalFields = map[string]string{"text": strings.Repeat("a", MaxExtensionsBytes)}
	wantErrors(t, ValidateAlarmDictionary(d), "spec.alarmDefinition[0].alarmAdditionalFields")

	l := &o2ims.Location{ObjectMeta: meta("site-a"), Spec: o2ims.LocationSpec{GlobalLocationID: "g", Name: "a",
		CivicAddress: []o2ims.CivicAddressElement{{CAType: 1, CAValue: strings.Repeat("v", maxNameLength+1)}}}}
	wantErrors(t, ValidateLocation(l), "spec.civicAddress[0].caValue")

	s := &o2ims.AlarmSubscription{ObjectMeta: meta("s"), Spec: o2ims.AlarmSubscriptionSpec{AlarmSubscriptionID: id1,
		Callback: "https://smo.example/" + strings.Repeat("p", maxURILength), Filter: strings.Repeat("f", maxFilterLength+1)}}
	wantErrors(t, ValidateAlarmSubscription(s), "spec.callback", "spec.filter")
}

func TestRatchet(t *testing.T) {
	legacy := strings.Repeat("d", maxDescriptionLength+1)
	pool := func(description, location string) *o2ims.ResourcePool {
		return &o2ims.ResourcePool{ObjectMeta: meta("ran"), Spec: o2ims.ResourcePoolSpec{ResourcePoolID: id1, Name: "ran",
			Description: description, Location: location, Extensions: bigExtensions(MaxExtensionsBytes)}}
	}
	old := ValidateResourcePool(pool(legacy, ""))
	wantErrors(t, old, "spec.description", "spec.extensions")

	// An update that leaves the oversized fields as they were passes ...
	wantErrors(t, Ratchet(ValidateResourcePool(pool(legacy, "rack 7")), old))
	// ... one that changes an oversized field, even to another oversized value, does not ...
	wantErrors(t, Ratchet(ValidateResourcePool(pool(legacy+"!", "")), old), "spec.description")
	// ... and a newly oversized field is held to the limit.
	wantErrors(t, Ratchet(ValidateResourcePool(pool(legacy, legacy)), old), "spec.location")
	// Errors other than size limits are never ratcheted.
	bad := pool(legacy, "")
	bad.Spec.Name = ""
	wantErrors(t, Ratchet(ValidateResourcePool(bad), ValidateResourcePool(bad)), "spec.name")
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 7, "éé…"}, // a cut inside "é" moves back to its start
	} {
		if got := Truncate(tc.s, tc.n); got != tc.want || len(got) > tc.n {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
