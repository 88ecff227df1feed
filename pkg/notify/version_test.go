package notify

import "testing"

// A version reads back exactly as given, compact or not, and matches only its own uid and
// resourceVersion.
func TestVersionRoundTrip(t *testing.T) {
	for _, c := range []struct {
		uid, rv string
		compact bool
	}{
		{"5d0c3a2e-0001-4b7e-9a51-00000000001f", "100003", true},
		{"5D0C3A2E-0001-4B7E-9A51-00000000001F", "100003", false}, // upper case: kept as given
		{"urn:uuid:5d0c3a2e-0001-4b7e-9a51-00000000001f", "7", false},
		{"not-a-uuid", "7", false},
		{"5d0c3a2e-0001-4b7e-9a51-00000000001f", "007", false}, // not the plain decimal form
		{"5d0c3a2e-0001-4b7e-9a51-00000000001f", "", false},
		{"", "", false},
	} {
		v := versionOf(c.uid, c.rv)
		if (v.other == nil) != c.compact {
			t.Errorf("%q %q: compact %v, want %v", c.uid, c.rv, v.other == nil, c.compact)
		}
		if v.uidString() != c.uid || v.resourceVersion() != c.rv {
			t.Errorf("%q %q read back as %q %q", c.uid, c.rv, v.uidString(), v.resourceVersion())
		}
		if !v.is(c.uid, c.rv) || !v.sameUID(c.uid) {
			t.Errorf("%q %q does not match itself", c.uid, c.rv)
		}
		if v.is(c.uid, c.rv+"1") || v.sameUID(c.uid+"0") {
			t.Errorf("%q %q matches another state", c.uid, c.rv)
		}
	}
}
