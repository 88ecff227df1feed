package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// forbidden are addresses callbacks may not use without an allow-list, with the class the
// refusal names.
var forbidden = []struct{ ip, class string }{
	// IPv4 special-purpose ranges.
	{"0.1.2.3", "unspecified"}, {"0.0.0.0", "unspecified"},
	{"10.1.2.3", "private-use"}, {"172.16.0.1", "private-use"}, {"172.31.255.255", "private-use"}, {"192.168.1.1", "private-use"},
	{"100.64.0.1", "CGNAT"}, {"100.127.255.254", "CGNAT"},
	{"127.0.0.1", "loopback"}, {"127.255.0.9", "loopback"},
	{"169.254.1.1", "link-local"}, {"169.254.169.254", "cloud metadata"}, {"168.63.129.16", "cloud metadata"},
	{"192.0.0.8", "IETF protocol assignment"}, {"192.88.99.1", "6to4 relay anycast"},
	{"192.0.2.1", "documentation"}, {"198.51.100.7", "documentation"}, {"203.0.113.9", "documentation"},
	{"198.18.0.1", "benchmarking"}, {"198.19.255.1", "benchmarking"},
	{"224.0.0.1", "multicast"}, {"239.255.255.250", "multicast"},
	{"255.255.255.255", "broadcast"}, {"240.0.0.1", "reserved"},
	// IPv6 special-purpose ranges.
	{"::", "unspecified"}, {"::1", "loopback"},
	{"fc00::1", "unique-local"}, {"fd12:3456::1", "unique-local"}, {"fd00:ec2::254", "cloud metadata"},
	{"fe80::1", "link-local"}, {"fe80::1%eth0", "link-local"}, {"fec0::1", "site-local"}, {"ff02::1", "multicast"},
	{"100::1", "discard-only"}, {"2001:2::1", "benchmarking"}, {"2001:20::1", "ORCHIDv2"},
	{"2001:db8::1", "documentation"}, {"3fff::1", "documentation"}, {"5f00::1", "SRv6"},
	{"64:ff9b:1::808:808", "local-use NAT64"},
	// IPv6 forms of forbidden IPv4 addresses.
	{"::ffff:127.0.0.1", "IPv4-mapped loopback"}, {"::ffff:10.0.0.1", "IPv4-mapped private-use"},
	{"::ffff:169.254.169.254", "IPv4-mapped cloud metadata"},
	{"::ffff:0:10.0.0.1", "IPv4-translated private-use"},
	{"::10.0.0.1", "IPv4-compatible private-use"}, {"::127.0.0.1", "IPv4-compatible loopback"},
	{"64:ff9b::10.0.0.1", "NAT64 private-use"}, {"64:ff9b::a9fe:a9fe", "NAT64 cloud metadata"}, {"64:ff9b::7f00:1", "NAT64 loopback"},
	{"2002:0a00:0001::1", "6to4 private-use"}, {"2002:7f00:1::1", "6to4 loopback"}, {"2002:a9fe:a9fe::1", "6to4 cloud metadata"},
	// Teredo: server 65.54.227.120, client 192.0.2.45 (obfuscated 3fff:fdd2).
	{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo documentation"},
	// Teredo whose server is 10.0.0.1.
	{"2001:0:a00:1::f7f7:f7f7", "Teredo private-use"},
}

// allowed are globally reachable addresses, including IPv6 forms of public IPv4 addresses.
var allowed = []string{
	"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1", "169.255.0.1", "198.20.0.1",
	"2606:4700:4700::1111", "2a00:1450:4001:81b::200e",
	"::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1",
	// Teredo: server 65.54.227.120, client 8.8.8.8 (obfuscated f7f7:f7f7).
	"2001:0:4136:e378:8000:63bf:f7f7:f7f7",
}

// TestRegressionCallbackPrivateRangesRefused: callbacks into private networks (10/8, CGNAT,
// ULA, ...) and IPv6 forms carrying a forbidden IPv4 address (NAT64, 6to4, IPv4-compatible,
// Teredo) were dialed; only loopback, link-local, unspecified and multicast were refused.
func TestRegressionCallbackPrivateRangesRefused(t *testing.T) {
	p := &CallbackPolicy{}
	for _, tc := range forbidden {
		err := p.CheckIP(netip.MustParseAddr(tc.ip))
		var refused *RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Class, tc.class) {
			t.Errorf("CheckIP(%s) = %v, want a refusal naming %q", tc.ip, err, tc.class)
		}
	}
	for _, ip := range allowed {
		if err := p.CheckIP(netip.MustParseAddr(ip)); err != nil {
			t.Errorf("CheckIP(%s) = %v, want allowed", ip, err)
		}
	}
	if err := p.CheckIP(netip.Addr{}); err == nil {
		t.Error("the zero address allowed")
	}
}

func TestCallbackPolicyAllowList(t *testing.T) {
	prefixes, err := ParsePrefixes([]string{"127.0.0.0/8", "::1", "10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	p := &CallbackPolicy{Allowed: prefixes}
	// The allow-list applies to the IPv4 address an IPv6 form reaches too.
	for _, ip := range []string{"127.0.0.1", "127.9.9.9", "::1", "10.1.2.3", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::10.0.0.1", "2002:0a00:0001::1"} {
		if err := p.CheckIP(netip.MustParseAddr(ip)); err != nil {
			t.Errorf("allow-listed CheckIP(%s) = %v", ip, err)
		}
	}
	for _, ip := range []string{"169.254.169.254", "192.168.1.1", "fd00:ec2::254", "64:ff9b::a9fe:a9fe", "::2"} {
		if err := p.CheckIP(netip.MustParseAddr(ip)); err == nil {
			t.Errorf("CheckIP(%s) allowed by an allow-list of loopback and 10/8", ip)
		}
	}
	if _, err := ParsePrefixes([]string{"nonsense"}); err == nil {
		t.Error("ParsePrefixes accepted nonsense")
	}
}

func TestCheckURL(t *testing.T) {
	p := &CallbackPolicy{Resolver: &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no DNS in unit tests", IsNotFound: true}
	}}}
	p.OAuth2Hosts, _ = ParseTokenHosts([]string{"smo.example.com"})
	ctx := context.Background()
	for _, bad := range []string{"ftp://8.8.8.8/x", "/relative", "http://169.254.169.254/latest", "https://[::1]:8443/cb",
		"http://user:pw@8.8.8.8/", "https://10.1.2.3:8443/notify", "https://[64:ff9b::a00:1]/cb", "http://smo.example.com/cb"} {
		if err := p.CheckURL(ctx, bad); err == nil {
			t.Errorf("CheckURL(%q) accepted", bad)
		}
	}
	// localhost resolves (hosts file) to loopback: refused, without saying what it resolved to.
	err := p.CheckURL(ctx, "http://localhost:8080/cb")
	if err == nil || strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "::1") {
		t.Errorf("CheckURL(localhost) = %v: want a refusal that does not name the resolved address", err)
	}
	for _, good := range []string{"https://8.8.8.8:8443/notify", "https://smo.example.com/cb", "http://unresolved.example.org/cb"} {
		if err := p.CheckURL(ctx, good); err != nil {
			t.Errorf("CheckURL(%q): %v", good, err)
		}
	}
}

// TestDialRefusesForbiddenAddresses shows the check happens on the address dialed.
func TestDialRefusesForbiddenAddresses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := &CallbackPolicy{}
	d := net.Dialer{Control: p.Control, Timeout: 5 * time.Second}
	if c, err := d.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("dialed loopback without an allow-list")
	}
	p.Allowed, _ = ParsePrefixes([]string{"127.0.0.0/8"})
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("allow-listed dial: %v", err)
	}
	c.Close()
}

// TestRegressionSenderRefusesRebinding: a callback whose name passed the create-time check
// (it did not resolve, or resolved elsewhere) and now resolves to a forbidden address is
// refused when dialed; the receiver never sees a request.
func TestRegressionSenderRefusesRebinding(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	s := NewSender(SenderConfig{Policy: &CallbackPolicy{}, Timeout: 5 * time.Second, Secrets: noSecrets{}})
	// "localhost" stands for a name that resolves to loopback at delivery time.
	sub := &Subscription{Callback: "http://localhost:" + itoa(port) + "/cb"}
	err := s.Send(context.Background(), sub, Entry{Body: []byte("{}"), NotificationID: "n"})
	if FailureClass(err) != FailureAddressRefused {
		t.Errorf("Send = %v (class %q), want %q", err, FailureClass(err), FailureAddressRefused)
	}
	if hits.Load() != 0 {
		t.Error("the receiver on loopback was reached")
	}
}
