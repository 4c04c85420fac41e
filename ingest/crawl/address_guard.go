package crawl

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// ErrForbiddenAddress is returned when a URL resolves to an address the crawler must not reach:
// loopback, private, link-local (cloud metadata), CGNAT, multicast, reserved ranges. Users
// submit URLs, so without this check a crawl is a request forgery tool against our own network.
var ErrForbiddenAddress = errors.New("crawl: forbidden address")

// specialPrefixes are non-public ranges the netip predicates do not cover.
var specialPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a 'this network' address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible IPv6 address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address"},
}

// metadataAddrs are cloud instance-metadata endpoints: refused even with AllowPrivate, since no
// crawl ever has a reason to read instance credentials.
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true, // AWS, GCP, Azure, OpenStack
	netip.MustParseAddr("169.254.170.2"):   true, // AWS ECS task metadata
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS IPv6
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// nonPublicReason explains why ip is not a public unicast address, or returns "" when it is.
// IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the embedded one.
func nonPublicReason(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		if r := nonPublicReason(ip.Unmap()); r != "" {
			return r + " (IPv4-mapped)"
		}
		return ""
	}
	switch {
	case !ip.IsValid():
		return "not a valid address"
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case metadataAddrs[ip]:
		return "a cloud metadata address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	for _, p := range specialPrefixes {
		if p.prefix.Contains(ip) {
			return p.reason
		}
	}
	if nat64Prefix.Contains(ip) {
		b := ip.As16()
		if r := nonPublicReason(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
			return r + " (NAT64)"
		}
	}
	if sixToFour.Contains(ip) {
		b := ip.As16()
		if r := nonPublicReason(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
			return r + " (6to4)"
		}
	}
	return ""
}

// addressGuard applies ClientConfig's address policy.
type addressGuard struct {
	allowPrivate bool
	allowed      []netip.Prefix
}

// check returns an error wrapping ErrForbiddenAddress when ip may not be dialled; host is the
// name the URL used, for the message.
func (g addressGuard) check(host string, ip netip.Addr) error {
	unmapped := ip.WithZone("").Unmap()
	for _, p := range g.allowed {
		if p.Contains(unmapped) || p.Contains(ip.WithZone("")) {
			return nil
		}
	}
	reason := nonPublicReason(ip)
	if reason == "" || (g.allowPrivate && !metadataAddrs[unmapped]) {
		return nil
	}
	who := ip.String()
	if host != "" && host != ip.String() {
		who = fmt.Sprintf("%s (resolved to %s)", host, ip)
	}
	return fmt.Errorf("%w: %s is %s; only public addresses may be crawled "+
		"(ClientConfig.AllowPrivate or AllowedPrefixes permit others)", ErrForbiddenAddress, who, reason)
}

// control is the net.Dialer hook: it runs after name resolution, right before connect, on the
// exact address being dialled, so no later redirect or DNS answer can slip past it.
func (g addressGuard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dial address %q", ErrForbiddenAddress, address)
	}
	return g.check("", ap.Addr())
}
