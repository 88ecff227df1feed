package notify

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestSign(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !VerifySignature([]byte("Jefe"), []byte("what do ya want for nothing?"), want) {
		t.Error("valid signature refused")
	}
	if VerifySignature([]byte("Jefe"), []byte("what do ya want for nothing!"), want) {
		t.Error("signature of another body accepted")
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	for failures, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: 1600 * time.Millisecond, 6: 2 * time.Second, 50: 2 * time.Second} {
		if got := b.Delay(failures, func() float64 { return 0.999999999 }); got > want || got < want*99/100 {
			t.Errorf("Delay(%d) at the top of the jitter = %v, want about %v", failures, got, want)
		}
		if got := b.Delay(failures, func() float64 { return 0 }); got != want/10 {
			t.Errorf("Delay(%d) at the bottom of the jitter = %v, want %v", failures, got, want/10)
		}
	}
	if b.Delay(0, nil) != 0 {
		t.Error("no failure, yet a wait")
	}
}

func TestCallbackPolicy(t *testing.T) {
	p := &CallbackPolicy{}
	for _, tc := range []struct {
		ip     string
		reason string
	}{
		{"127.0.0.1", "loopback"}, {"::1", "loopback"}, {"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"}, {"0.0.0.0", "unspecified"}, {"::", "unspecified"},
		{"::ffff:127.0.0.1", "loopback"}, {"239.1.2.3", "multicast"}, {"0.1.2.3", "0.0.0.0/8"},
		{"fd00:ec2::254", "metadata"},
	} {
		err := p.CheckIP(netip.MustParseAddr(tc.ip))
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("CheckIP(%s) = %v, want %s", tc.ip, err, tc.reason)
		}
	}
	for _, ip := range []string{"10.0.0.1", "192.168.1.1", "8.8.8.8", "2001:db8::1"} {
		if err := p.CheckIP(netip.MustParseAddr(ip)); err != nil {
			t.Errorf("CheckIP(%s) = %v", ip, err)
		}
	}
	allowed, err := ParsePrefixes([]string{"127.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	p.Allowed = allowed
	for _, ip := range []string{"127.0.0.1", "127.9.9.9", "::1"} {
		if err := p.CheckIP(netip.MustParseAddr(ip)); err != nil {
			t.Errorf("allow-listed CheckIP(%s) = %v", ip, err)
		}
	}
	if err := p.CheckIP(netip.MustParseAddr("169.254.169.254")); err == nil {
		t.Error("metadata address allowed by an allow-list of loopback")
	}
	if _, err := ParsePrefixes([]string{"nonsense"}); err == nil {
		t.Error("ParsePrefixes accepted nonsense")
	}
}

func TestCheckURL(t *testing.T) {
	p := &CallbackPolicy{Resolver: &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no DNS in unit tests", IsNotFound: true}
	}}}
	ctx := context.Background()
	for _, bad := range []string{"ftp://10.0.0.1/x", "/relative", "http://169.254.169.254/latest", "https://[::1]:8443/cb", "http://user:pw@10.0.0.1/", "http://localhost/"} {
		if err := p.CheckURL(ctx, bad); err == nil {
			t.Errorf("CheckURL(%q) accepted", bad)
		}
	}
	if err := p.CheckURL(ctx, "https://10.1.2.3:8443/notify"); err != nil {
		t.Errorf("CheckURL of a private address: %v", err)
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
