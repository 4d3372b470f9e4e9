//! Client addresses: `X-Forwarded-For` behind trusted proxies, and the key rate limits use.
use std::net::{IpAddr, Ipv6Addr};

/// An address range such as `10.0.0.0/8`, `fd00::/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a.parse::<IpAddr>().ok()?, Some(b.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        (bits <= max).then_some(Cidr {
            net: mask(addr, bits),
            bits,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        ip.is_ipv4() == self.net.is_ipv4() && mask(ip, self.bits) == self.net
    }
}

fn mask(ip: IpAddr, bits: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let m = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            IpAddr::from((u32::from(v4) & m).to_be_bytes())
        }
        IpAddr::V6(v6) => {
            let m = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & m))
        }
    }
}

/// `::ffff:1.2.3.4` → `1.2.3.4`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The key a per-IP rate limit counts under: IPv4 addresses as they are, IPv6 by their /64
/// (one subscriber line usually gets a whole /64, so per-address limits would not hold).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        v6 @ IpAddr::V6(_) => mask(v6, 64),
        v4 => v4,
    }
}

/// The client behind our proxies. `peer` is the socket's peer (our proxy, when proxied);
/// `xff` are all `X-Forwarded-For` header lines in order (proxies append to the last one or add
/// lines). Walks the hops from the right and returns the first one that is not a trusted proxy.
/// With an empty `trusted` list only the direct peer is trusted; with a list, the headers count
/// only when the peer itself is in it.
pub fn client_behind_proxies<'a>(
    peer: IpAddr,
    xff: impl Iterator<Item = &'a str>,
    trusted: &[Cidr],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !trusted.is_empty() && !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = xff.flat_map(|line| line.split(',')).collect();
    let mut leftmost = None;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage where an address should be: do not look further left (anything there
            // could be the client's own invention).
            break;
        };
        if trusted.is_empty() || !is_trusted(ip) {
            return ip;
        }
        leftmost = Some(ip);
    }
    leftmost.unwrap_or(peer)
}

/// One hop: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let h = hop.trim();
    if let Ok(ip) = h.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = h.parse::<std::net::SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rightmost_untrusted_hop_over_all_lines() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let lines = ["6.6.6.6", "203.0.113.7, 10.0.0.2"];
        assert_eq!(
            client_behind_proxies(ip("10.0.0.1"), lines.into_iter(), &trusted),
            ip("203.0.113.7")
        );
        // No list: only the peer is trusted, the last hop is the client.
        assert_eq!(
            client_behind_proxies(ip("127.0.0.1"), lines.into_iter(), &[]),
            ip("10.0.0.2")
        );
        // A peer that is not our proxy cannot set its address.
        assert_eq!(
            client_behind_proxies(ip("198.51.100.1"), lines.into_iter(), &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn ipv6_is_limited_by_its_64() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(Cidr::parse("nonsense").is_none());
    }
}
