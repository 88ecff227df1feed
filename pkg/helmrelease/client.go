package helmrelease

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// AddressPolicy decides which addresses chart fetches may connect to: the notifier's
// notify.CallbackPolicy, with the operator's allow-list for chart sources.
type AddressPolicy interface {
	// CheckIP returns an error when ip may not be dialed.
	CheckIP(ip netip.Addr) error
}

// ClientConfig configures the client charts are fetched with.
type ClientConfig struct {
	// Policy refuses addresses at dial time; nil refuses every connection.
	Policy AddressPolicy
	// Timeout bounds one request, redirects and reading the body included.
	Timeout time.Duration
}

// NewHTTPClient builds the client of chart repositories and OCI registries. A chart source is
// a URL whoever may write a descriptor chose (and an archive URL its index chose), fetched
// from inside the cluster by a process with cluster credentials: without a check it makes
// netweave GET loopback, the cloud's metadata service, nodes and pods, with what answered
// visible in status. So every connection, to the repository, to an archive elsewhere and to
// a redirect's target alike, is checked against the policy on the address being connected
// to, after resolution (DNS rebinding cannot slip past). No proxy: a proxy would connect on
// netweave's behalf, past the check. Redirects are followed, with the pull credentials kept
// on their origin.
func NewHTTPClient(c ClientConfig) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control(c.Policy)}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: transport, Timeout: c.Timeout, CheckRedirect: credentialsStayOnOrigin}
}

// AddressRefusedError is a connection the policy refused. It names the address, for the
// operator's log; a status says only ClassAddressRefused.
type AddressRefusedError struct {
	Addr netip.Addr
	Err  error
}

func (e *AddressRefusedError) Error() string {
	return fmt.Sprintf("chart source address refused: %v", e.Err)
}

func (e *AddressRefusedError) Unwrap() error { return e.Err }

// control is a net.Dialer Control function refusing what policy refuses; it sees the address
// actually being connected to.
func control(policy AddressPolicy) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &AddressRefusedError{Err: fmt.Errorf("unparsable address %q", address)}
		}
		if policy == nil {
			return &AddressRefusedError{Addr: ap.Addr(), Err: errors.New("no address policy")}
		}
		if err := policy.CheckIP(ap.Addr()); err != nil {
			return &AddressRefusedError{Addr: ap.Addr(), Err: err}
		}
		return nil
	}
}
