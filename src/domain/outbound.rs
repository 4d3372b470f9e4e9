//! The rules of outbound HTTP calls (issue 24, item 4): which addresses the server may connect
//! to, and what a host name from outside (a browser's push endpoint) may look like. Pure; the
//! client that applies them is `services::outbound`.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not one the server may call; None for a public unicast address.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
    let m = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    u32::from(ip) & m == u32::from(Ipv4Addr::from(net)) & m
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "unspecified"),
        ([10, 0, 0, 0], 8, "private"),
        ([100, 64, 0, 0], 10, "shared address space (CGNAT)"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([169, 254, 0, 0], 16, "link-local"),
        ([172, 16, 0, 0], 12, "private"),
        ([192, 0, 0, 0], 24, "IETF protocol assignments"),
        ([192, 0, 2, 0], 24, "documentation"),
        ([192, 88, 99, 0], 24, "6to4 relay"),
        ([192, 168, 0, 0], 16, "private"),
        ([198, 18, 0, 0], 15, "benchmarking"),
        ([198, 51, 100, 0], 24, "documentation"),
        ([203, 0, 113, 0], 24, "documentation"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([240, 0, 0, 0], 4, "reserved"),
    ];
    RANGES
        .iter()
        .find(|(net, bits, _)| in_v4(ip, *net, *bits))
        .map(|(_, _, why)| *why)
}

fn in_v6(ip: Ipv6Addr, net: u128, bits: u32) -> bool {
    let m = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    u128::from(ip) & m == net & m
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address: that
    // address decides.
    if in_v6(ip, 0xffff_0000_0000, 96) || in_v6(ip, 0x0064_ff9b << 96, 96) {
        return forbidden_v4(Ipv4Addr::from(bits as u32));
    }
    const RANGES: &[(u128, u32, &str)] = &[
        // IPv4-compatible (::a.b.c.d, deprecated) and the rest of ::/96.
        (0, 96, "IPv4-compatible"),
        (0x0100 << 112, 64, "discard-only"),
        (0x2001_0000 << 96, 32, "Teredo"),
        (0x2001_0db8 << 96, 32, "documentation"),
        (0x2002 << 112, 16, "6to4"),
        (0xfc00 << 112, 7, "unique-local"),
        (0xfe80 << 112, 10, "link-local"),
        (0xfec0 << 112, 10, "site-local"),
        (0xff00 << 112, 8, "multicast"),
    ];
    RANGES
        .iter()
        .find(|(net, b, _)| in_v6(ip, *net, *b))
        .map(|(_, _, why)| *why)
}

/// A DNS host name as a push endpoint may use: letters, digits and hyphens in dot-separated
/// labels of 1–63 characters, at least two labels, the last not all digits (so no IPv4 literal
/// in any spelling: `127.0.0.1`, `2130706433`, `0x7f.1`), no brackets (no IPv6 literal).
pub fn is_dns_name(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    host.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|l| l.bytes().any(|b| b.is_ascii_alphabetic()) && !l.starts_with("0x"))
}

/// `host` is `allowed` or a subdomain of it (both lower case).
pub fn host_matches(host: &str, allowed: &str) -> bool {
    host == allowed
        || host
            .strip_suffix(allowed)
            .is_some_and(|rest| rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(s: &str) -> bool {
        forbidden(s.parse().unwrap()).is_some()
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for a in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2002:7f00:1::",
        ] {
            assert!(bad(a), "{a} must be refused");
        }
        for a in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "142.250.74.138",
            "2a00:1450:4010:c0e::5f",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!bad(a), "{a} is public");
        }
    }

    #[test]
    fn only_dns_names() {
        assert!(is_dns_name("fcm.googleapis.com"));
        assert!(is_dns_name("web.push.apple.com"));
        for h in [
            "127.0.0.1",
            "[::1]",
            "::1",
            "2130706433",
            "0x7f.1",
            "localhost",
            "a..b",
            "-a.com",
            "a_b.com",
            "fcm.googleapis.com.",
            "",
        ] {
            assert!(!is_dns_name(h), "{h}");
        }
    }

    #[test]
    fn hosts_match_themselves_and_subdomains_only() {
        assert!(host_matches("fcm.googleapis.com", "fcm.googleapis.com"));
        assert!(host_matches("a.push.apple.com", "push.apple.com"));
        assert!(!host_matches("evilpush.apple.com", "push.apple.com"));
        assert!(!host_matches("push.apple.com.evil.ru", "push.apple.com"));
    }
}
