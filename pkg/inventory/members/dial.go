package members

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/netweave-io/netweave/pkg/notify"
)

// AddressRefusedError is a connection to a member's API server refused for its address. It
// names the address, for netweave's log; the member's condition says only that it cannot
// connect (netclass.APIServer).
type AddressRefusedError struct {
	Addr  netip.Addr
	Class string
}

func (e *AddressRefusedError) Error() string {
	return fmt.Sprintf("member cluster address %s refused: %s", e.Addr, e.Class)
}

// memberAddressClass names the class of addr when no cluster's API server can be there, ""
// otherwise. A member's server is whatever its kubeconfig says, and a tenant's (its Cluster's
// spec.controlPlaneEndpoint, which a ClusterClass variable may set) would otherwise make
// netweave connect to the cloud's metadata service or, through the unspecified address, to
// its own loopback, and read the outcome back in the member's condition. Loopback and
// private-use addresses stay allowed for the operator's members (Addresses has tenants').
func memberAddressClass(addr netip.Addr) string {
	// IPv4-mapped IPv6 addresses reach the IPv4 address they carry.
	addr = addr.Unmap().WithZone("")
	switch {
	case addr == netip.AddrFrom4([4]byte{168, 63, 129, 16}), addr == netip.MustParseAddr("fd00:ec2::254"):
		// Azure's WireServer and AWS's IPv6 metadata service: outside link-local.
		return "cloud metadata"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsLinkLocalUnicast():
		// 169.254.169.254, every cloud's metadata service, is in it.
		return "link-local"
	case addr.IsMulticast(), addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "multicast or broadcast"
	}
	return ""
}

// refuseMemberAddress is a net.Dialer Control: it sees the address actually connected to,
// after resolution, so a name that resolves (or rebinds) to a refused address is refused too.
func refuseMemberAddress(_, address string, _ syscall.RawConn) error {
	_, err := memberAddress(address)
	return err
}

// memberAddress is the IP of address (host:port, as a Dialer's Control sees it), or an error
// when no member's API server can be there (memberAddressClass).
func memberAddress(address string) (netip.Addr, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return netip.Addr{}, &AddressRefusedError{Class: "unparsable address"}
	}
	if class := memberAddressClass(ap.Addr()); class != "" {
		return netip.Addr{}, &AddressRefusedError{Addr: ap.Addr(), Class: class}
	}
	return ap.Addr(), nil
}

// Addresses decides where members' API servers may be dialled. The operator's members (the
// inventory namespace's and Cluster API namespaces' Secrets) may be anywhere an API server can
// be (memberAddressClass), loopback and private networks included. A tenant's member only at
// globally reachable addresses or the special-purpose ones the operator allows (TenantAllowed),
// as notification callbacks: its server is its Cluster's spec.controlPlaneEndpoint, which the
// tenant (or a ClusterClass variable it sets) chooses, and the member's ClusterReachable
// condition, which the tenant reads, would tell it what answers at an address inside the
// operator's network, or on netweave's own loopback (Redis, the API server's own port).
type Addresses struct {
	// TenantAllowed are the special-purpose addresses (private-use, loopback, CGNAT, ...; see
	// notify.CallbackPolicy) tenants' members may be at (--inventory-tenant-member-allowed-cidrs):
	// the network of the control planes the tenants' clusters are provisioned on.
	TenantAllowed []netip.Prefix
}

// dial returns how a member of origin is dialled: as client-go's default transport does (30 s
// to connect, 30 s keep-alive), refusing at the address actually connected to, after
// resolution, what origin may not reach, so a name that resolves (or rebinds) there is refused
// too.
func (a Addresses) dial(origin Origin) func(ctx context.Context, network, address string) (net.Conn, error) {
	control := refuseMemberAddress
	if origin == OriginTenant {
		policy := &notify.CallbackPolicy{Allowed: a.TenantAllowed}
		control = func(_, address string, _ syscall.RawConn) error {
			ip, err := memberAddress(address)
			if err != nil {
				return err
			}
			var refused *notify.RefusedError
			if err := policy.CheckIP(ip); errors.As(err, &refused) {
				return &AddressRefusedError{Addr: ip, Class: refused.Class + " (a tenant's member: --inventory-tenant-member-allowed-cidrs)"}
			}
			return nil
		}
	}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		return d.DialContext(ctx, network, address)
	}
}
