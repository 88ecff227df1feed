package notify

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrTokenNeedsHTTPS refuses a plain-http callback whose host is to receive the OAuth2 token:
// the token would cross the network in clear, and the receiver expects it, so sending without
// it would only fail later and less clearly.
var ErrTokenNeedsHTTPS = errors.New("the host receives the notifier's OAuth2 token, so the callback must use https")

// TokenHosts are the callback hosts the notifier's OAuth2 client-credentials token goes to
// (--notifier-oauth2-hosts). The token is the notifier's identity at the operator's
// authorization server: a tenant who could name any callback would otherwise receive it and
// could replay it against every SMO that trusts that server. A callback whose host is not
// listed is delivered without the token; a listed host over plain http is refused.
//
// Entries are host names (case-insensitive, a trailing dot ignored), IP addresses, or
// "*.example.com" for every name below example.com (not example.com itself), each optionally
// with ":port" to match that port only ([v6]:port for IPv6).
type TokenHosts struct {
	entries []tokenHost
}

type tokenHost struct {
	name     string     // lower-case name, or the suffix after "*" (".example.com")
	addr     netip.Addr // set for IP entries
	wildcard bool
	port     string // "" matches any port
}

// ParseTokenHosts parses --notifier-oauth2-hosts.
func ParseTokenHosts(hosts []string) (TokenHosts, error) {
	var out TokenHosts
	for _, h := range hosts {
		e, err := parseTokenHost(h)
		if err != nil {
			return TokenHosts{}, err
		}
		out.entries = append(out.entries, e)
	}
	return out, nil
}

func parseTokenHost(h string) (tokenHost, error) {
	var e tokenHost
	host := strings.TrimSpace(h)
	if host == "" {
		return e, errors.New("empty host")
	}
	if strings.Contains(host, "/") || strings.Contains(host, "@") {
		return e, fmt.Errorf("%q: give a host name or address, optionally with a port, not a URL", h)
	}
	if hp, port, err := net.SplitHostPort(host); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return e, fmt.Errorf("%q: invalid port", h)
		}
		host, e.port = hp, port
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		e.addr = ip.WithZone("")
		return e, nil
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		host, e.wildcard = rest, true
	}
	if host == "" || strings.ContainsAny(host, "*[]: ") {
		return e, fmt.Errorf("%q: invalid host name (a wildcard is only allowed as a leading \"*.\")", h)
	}
	e.name = host
	if e.wildcard {
		e.name = "." + host
	}
	return e, nil
}

// Empty reports whether no host receives the token.
func (t TokenHosts) Empty() bool { return len(t.entries) == 0 }

// matches reports whether u's host and port are listed.
func (t TokenHosts) matches(u *url.URL) bool {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	ip, ipErr := netip.ParseAddr(host)
	for _, e := range t.entries {
		if e.port != "" && e.port != port {
			continue
		}
		switch {
		case e.addr.IsValid():
			if ipErr == nil && ip.WithZone("") == e.addr {
				return true
			}
		case e.wildcard:
			if ipErr != nil && strings.HasSuffix(host, e.name) && len(host) > len(e.name) {
				return true
			}
		case host == e.name:
			return true
		}
	}
	return false
}

// tokenFor reports whether a POST to u carries the OAuth2 token; ErrTokenNeedsHTTPS when u's
// host is listed but u is not https.
func (t TokenHosts) tokenFor(u *url.URL) (bool, error) {
	if !t.matches(u) {
		return false, nil
	}
	if u.Scheme != "https" {
		return false, ErrTokenNeedsHTTPS
	}
	return true, nil
}
