package notify

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// CallbackPolicy decides which callback addresses may be dialed: anything but loopback,
// link-local (including the 169.254.169.254 metadata service), unspecified and multicast
// addresses, unless an operator allow-list contains the address.
type CallbackPolicy struct {
	// Allowed are prefixes that are permitted even when forbidden otherwise.
	Allowed []netip.Prefix
	// Resolver resolves host names at create time; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// metadataAddrs are cloud metadata services outside the link-local ranges.
var metadataAddrs = [...]netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"), // AWS IMDS over IPv6
}

// CheckIP returns why ip may not be dialed, or nil.
func (p *CallbackPolicy) CheckIP(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, allowed := range p.Allowed {
		if allowed.Contains(ip) {
			return nil
		}
	}
	switch {
	case !ip.IsValid():
		return fmt.Errorf("invalid address")
	case ip.IsLoopback():
		return fmt.Errorf("%s is a loopback address", ip)
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return fmt.Errorf("%s is a link-local address", ip)
	case ip.IsUnspecified():
		return fmt.Errorf("%s is the unspecified address", ip)
	case ip.IsMulticast():
		return fmt.Errorf("%s is a multicast address", ip)
	case ip.Is4() && ip.As4()[0] == 0:
		return fmt.Errorf("%s is in 0.0.0.0/8", ip)
	}
	for _, m := range metadataAddrs {
		if ip == m {
			return fmt.Errorf("%s is a cloud metadata address", ip)
		}
	}
	return nil
}

// CheckURL validates a callback when a subscription is created: an absolute http(s) URL whose
// host resolves only to addresses that may be dialed. Delivery checks again at dial time.
func (p *CallbackPolicy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("callback %q must be an absolute http or https URI", raw)
	}
	if u.User != nil {
		return fmt.Errorf("callback %q must not carry credentials", raw)
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := p.CheckIP(ip); err != nil {
			return fmt.Errorf("callback %q: %w", raw, err)
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
		if err := p.CheckIP(ip); err != nil {
			return fmt.Errorf("callback %q: %s resolves to %w", raw, host, err)
		}
	}
	return nil
}

// Control is a net.Dialer Control function refusing forbidden addresses: it sees the address
// actually being connected to, after resolution, so DNS rebinding cannot slip past it.
func (p *CallbackPolicy) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("callback address %q: %w", address, err)
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
