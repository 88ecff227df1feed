package options

import (
	"strings"
	"testing"
)

// TestRegressionAlternateDNSNotChecked: an --alternate-dns value pasted with its scheme or
// port, an IPv6 address or a name with capitals went into the self-signed serving certificate
// as a DNS name no client asks for; the start succeeded and every client then failed with a
// certificate name mismatch. A value that is not a DNS name is now refused at the start.
func TestRegressionAlternateDNSNotChecked(t *testing.T) {
	for value, refused := range map[string]bool{
		"netweave.example.net":         false,
		"*.o2.example.net":             false,
		"10.0.0.5":                     false, // digits and dots are a valid DNS subdomain
		"https://netweave.example.net": true,
		"netweave.example.net:9443":    true,
		"Netweave.Example.Net":         true,
		"netweave example":             true,
		"fd00::1":                      true,
	} {
		o := NewServerOptions()
		if err := serverFlags(t, o).Parse([]string{"--alternate-dns=" + value}); err != nil {
			t.Fatal(err)
		}
		err := o.Complete()
		if got := err != nil && strings.Contains(err.Error(), "is not a DNS name"); got != refused {
			t.Errorf("--alternate-dns=%s: %v, want refused %v", value, err, refused)
		}
	}
}
