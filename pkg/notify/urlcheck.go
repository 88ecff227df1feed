package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// CallbackPolicy decides where notifications may go: which addresses may be dialed (only
// globally reachable unicast ones, unless an operator allow-list contains the address) and
// which callback hosts receive the notifier's OAuth2 token.
//
// A callback is an address chosen by whoever may create a subscription, dialed from inside the
// cluster by a process with cluster credentials: without this policy a tenant could make the
// notifier POST to the cloud's metadata service, to pods and nodes on private networks, or to
// the API server on loopback.
type CallbackPolicy struct {
	// Allowed are prefixes that are permitted even when forbidden otherwise.
	Allowed []netip.Prefix
	// OAuth2Hosts are the callback hosts that receive the OAuth2 bearer token (see TokenHosts).
	OAuth2Hosts TokenHosts
	// Resolver resolves host names at create time; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// RefusedError is an address the policy refuses. Its message names the address and its class,
// for the operator's logs and for the creator of a callback that names an address literally;
// a subscription's status says only "callback refused: address not allowed" (FailureClass).
type RefusedError struct {
	Addr netip.Addr
	// Class names the range, e.g. "private-use", "loopback", "cloud metadata".
	Class string
}

func (e *RefusedError) Error() string {
	if !e.Addr.IsValid() {
		return e.Class + " address"
	}
	return fmt.Sprintf("%s: %s address", e.Addr, e.Class)
}

// addrRule is one forbidden range. For the IPv6 forms that carry an IPv4 address (mapped,
// translated, compatible, NAT64, 6to4, Teredo), embedded returns the IPv4 addresses a packet
// to the address ends up at; the address is refused when any of them is. Ranges without
// embedded are refused whole.
type addrRule struct {
	prefix   netip.Prefix
	class    string
	embedded func(netip.Addr) []netip.Addr
}

// addrRules are the IANA IPv4 and IPv6 special-purpose registries, less the ranges that are
// globally reachable, plus cloud metadata services. The first matching rule decides, so
// specific entries (metadata, ::, ::1) come before the ranges that contain them.
var addrRules = func() []addrRule {
	r := func(p, class string) addrRule { return addrRule{prefix: netip.MustParsePrefix(p), class: class} }
	e := func(p, class string, f func(netip.Addr) []netip.Addr) addrRule {
		return addrRule{prefix: netip.MustParsePrefix(p), class: class, embedded: f}
	}
	return []addrRule{
		// Cloud metadata services: AWS, GCP, Azure, OpenStack, Oracle (169.254.169.254, inside
		// link-local, named for the logs), AWS over IPv6, Azure's WireServer (a public-looking
		// address every Azure VM reaches, serving platform configuration).
		r("169.254.169.254/32", "cloud metadata"),
		r("fd00:ec2::254/128", "cloud metadata"),
		r("168.63.129.16/32", "cloud metadata"),

		// IPv4.
		r("0.0.0.0/8", "unspecified (this network)"),
		r("10.0.0.0/8", "private-use"),
		r("100.64.0.0/10", "shared (CGNAT)"),
		r("127.0.0.0/8", "loopback"),
		r("169.254.0.0/16", "link-local"),
		r("172.16.0.0/12", "private-use"),
		r("192.0.0.0/24", "IETF protocol assignment"),
		r("192.0.2.0/24", "documentation"),
		r("192.88.99.0/24", "6to4 relay anycast"),
		r("192.168.0.0/16", "private-use"),
		r("198.18.0.0/15", "benchmarking"),
		r("198.51.100.0/24", "documentation"),
		r("203.0.113.0/24", "documentation"),
		r("224.0.0.0/4", "multicast"),
		r("255.255.255.255/32", "broadcast"),
		r("240.0.0.0/4", "reserved"),

		// IPv6.
		r("::/128", "unspecified"),
		r("::1/128", "loopback"),
		e("::ffff:0:0/96", "IPv4-mapped", last32),
		e("::ffff:0:0:0/96", "IPv4-translated", last32),
		e("::/96", "IPv4-compatible", last32),
		e("64:ff9b::/96", "NAT64", last32),
		// Local-use NAT64 (RFC 8215) is an operator's private translator, and where the IPv4
		// address sits depends on the prefix length it chose: refused whole.
		r("64:ff9b:1::/48", "local-use NAT64"),
		r("100::/64", "discard-only"),
		e("2001::/32", "Teredo", teredo),
		r("2001:2::/48", "benchmarking"),
		r("2001:10::/28", "ORCHID"),
		r("2001:20::/28", "ORCHIDv2"),
		r("2001:db8::/32", "documentation"),
		e("2002::/16", "6to4", sixToFour),
		r("3fff::/20", "documentation"),
		r("5f00::/16", "SRv6 SID"),
		r("fc00::/7", "unique-local"),
		r("fe80::/10", "link-local"),
		r("fec0::/10", "site-local"),
		r("ff00::/8", "multicast"),
	}
}()

// last32 is the IPv4 address in the low 32 bits (mapped, translated, compatible, NAT64 /96).
func last32(a netip.Addr) []netip.Addr {
	b := a.As16()
	return []netip.Addr{netip.AddrFrom4([4]byte(b[12:16]))}
}

// sixToFour is the IPv4 address of a 6to4 address, bits 16 to 47.
func sixToFour(a netip.Addr) []netip.Addr {
	b := a.As16()
	return []netip.Addr{netip.AddrFrom4([4]byte(b[2:6]))}
}

// teredo is the Teredo server (bits 32 to 63) and the client's public IPv4 address (the low 32
// bits, inverted), where packets to the address end up.
func teredo(a netip.Addr) []netip.Addr {
	b := a.As16()
	client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
	return []netip.Addr{netip.AddrFrom4([4]byte(b[4:8])), netip.AddrFrom4(client)}
}

// CheckIP returns a *RefusedError when ip may not be dialed, or nil.
func (p *CallbackPolicy) CheckIP(ip netip.Addr) error {
	if !ip.IsValid() {
		return &RefusedError{Addr: ip, Class: "invalid"}
	}
	// A zone only scopes link-local addresses; the allow-list and the ranges are zone-free.
	// IPv4-mapped addresses are judged by the IPv4 address they carry (the rule below).
	ip = ip.WithZone("")
	for _, allowed := range p.Allowed {
		if allowed.Contains(ip) {
			return nil
		}
	}
	for _, r := range addrRules {
		if !r.prefix.Contains(ip) {
			continue
		}
		if r.embedded == nil {
			return &RefusedError{Addr: ip, Class: r.class}
		}
		// The IPv4 address reached through the form decides, allow-list included: an
		// operator who allows 10.0.0.0/8 allows it through NAT64 too.
		for _, v4 := range r.embedded(ip) {
			var inner *RefusedError
			if errors.As(p.CheckIP(v4), &inner) {
				return &RefusedError{Addr: ip, Class: r.class + " " + inner.Class}
			}
		}
		return nil
	}
	return nil
}

// CheckURL validates a callback when a subscription is created: an absolute http(s) URL
// without credentials, https when its host receives the OAuth2 token, whose host is or
// resolves only to addresses that may be dialed. Delivery checks again at dial time, so this is
// a courtesy to the creator, not the enforcement.
//
// An address typed into the URL is named in the error (the creator wrote it); the addresses a
// name resolves to are not, so the check does not turn into a resolver of internal names.
func (p *CallbackPolicy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("callback %q must be an absolute http or https URI", raw)
	}
	if u.User != nil {
		return fmt.Errorf("callback %q must not carry credentials", raw)
	}
	if _, err := p.OAuth2Hosts.tokenFor(u); err != nil {
		return fmt.Errorf("callback %q: %w", raw, err)
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := p.CheckIP(ip); err != nil {
			return fmt.Errorf("callback %q refused: %w", raw, err)
		}
		return nil
	}
	resolver := p.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		// A name that does not resolve yet (the SMO is not deployed) is not refused: nothing
		// can be dialed through it, and every connection is checked when it is made.
		return nil
	}
	for _, ip := range addrs {
		if p.CheckIP(ip) != nil {
			return fmt.Errorf("callback %q refused: %s resolves to an address callbacks may not use", raw, host)
		}
	}
	return nil
}

// Control is a net.Dialer Control function refusing forbidden addresses: it sees the address
// actually being connected to, after resolution, so DNS rebinding cannot slip past it.
func (p *CallbackPolicy) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Class: "unparsable"}
	}
	if err := p.CheckIP(ap.Addr()); err != nil {
		return fmt.Errorf("callback refused: %w", err)
	}
	return nil
}

// ParsePrefixes parses CIDRs (or single addresses) for CallbackPolicy.Allowed.
func ParsePrefixes(cidrs []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cidrs))
	for _, c := range cidrs {
		if pfx, err := netip.ParsePrefix(c); err == nil {
			out = append(out, pfx.Masked())
			continue
		}
		ip, err := netip.ParseAddr(c)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR nor an address", c)
		}
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}
