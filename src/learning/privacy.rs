//! How a click's IP address is stored, so each workspace can pick its privacy
//! level while Titan can still match a conversion to a click by comparing
//! stored values: the same address under the same policy and key always
//! stores the same string.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are treated as the IPv4
//! address they carry, so a dual-stack server's two spellings compare equal.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Hex characters of the HMAC kept in a hashed value (128 bits).
pub const HASH_HEX_CHARS: usize = 32;
/// Prefix marking a hashed value, so it is never mistaken for an address.
pub const HASH_PREFIX: &str = "h:";

/// How much of a click's IP address is kept (the workspace's setting).
pub use crate::domain::learning::IpStorage as IpPolicy;

/// The string to store for `ip` under `policy`; `key` is only used by `Hashed`.
pub fn store_ip(policy: IpPolicy, ip: IpAddr, key: &[u8]) -> String {
    let ip = ip.to_canonical();
    match policy {
        IpPolicy::Full => ip.to_string(),
        IpPolicy::Truncated => truncate(ip).to_string(),
        IpPolicy::Hashed => hashed(&ip.to_string(), key),
    }
}

/// The address with its host part zeroed: IPv4 /24, IPv6 /48.
fn truncate(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            IpAddr::V4(Ipv4Addr::new(a, b, c, 0))
        }
        IpAddr::V6(v6) => {
            let [s0, s1, s2, ..] = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s0, s1, s2, 0, 0, 0, 0, 0))
        }
    }
}

/// `h:` + the first [`HASH_HEX_CHARS`] lowercase hex chars of HMAC-SHA256(key, text).
fn hashed(text: &str, key: &[u8]) -> String {
    let mut mac = keyed_hmac(key);
    mac.update(text.as_bytes());
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(HASH_PREFIX.len() + HASH_HEX_CHARS);
    out.push_str(HASH_PREFIX);
    for byte in tag.iter().take(HASH_HEX_CHARS / 2) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// HMAC-SHA256 keyed with `key`, built infallibly: HMAC zero-pads keys up to
/// the 64-byte block and hashes longer ones first, which is what this does.
fn keyed_hmac(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    <HmacSha256 as KeyInit>::new(&block.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn policies_round_trip_by_name() {
        for policy in IpPolicy::ALL {
            assert_eq!(IpPolicy::parse(policy.as_str()), Some(policy));
        }
        for bad in ["", "FULL", "none", "truncated "] {
            assert!(IpPolicy::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn full_is_canonical_text() {
        assert_eq!(
            store_ip(IpPolicy::Full, ip("203.0.113.7"), b""),
            "203.0.113.7"
        );
        assert_eq!(
            store_ip(IpPolicy::Full, ip("2001:DB8:0:0::1"), b""),
            "2001:db8::1"
        );
        assert_eq!(
            store_ip(IpPolicy::Full, ip("::ffff:203.0.113.7"), b""),
            "203.0.113.7"
        );
    }

    #[test]
    fn truncated_ipv4_zeroes_last_octet() {
        let t = |s| store_ip(IpPolicy::Truncated, ip(s), b"");
        assert_eq!(t("203.0.113.7"), "203.0.113.0");
        assert_eq!(t("203.0.113.0"), "203.0.113.0");
        assert_eq!(t("255.255.255.255"), "255.255.255.0");
        assert_eq!(t("0.0.0.0"), "0.0.0.0");
        assert_eq!(t("::ffff:203.0.113.255"), "203.0.113.0");
    }

    #[test]
    fn truncated_ipv6_keeps_the_48() {
        let t = |s| store_ip(IpPolicy::Truncated, ip(s), b"");
        assert_eq!(
            t("2001:db8:abcd:1234:5678:9abc:def0:1234"),
            "2001:db8:abcd::"
        );
        assert_eq!(t("2001:db8:abcd:ffff::"), "2001:db8:abcd::");
        assert_eq!(t("::1"), "::");
        assert_eq!(
            t("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            "ffff:ffff:ffff::"
        );
        // IPv4-compatible (deprecated, not mapped) stays IPv6.
        assert_eq!(t("::203.0.113.7"), "::");
    }

    #[test]
    fn hashed_is_keyed_hmac_prefix() {
        let stored = store_ip(IpPolicy::Hashed, ip("203.0.113.7"), b"k");
        let mut mac = <HmacSha256 as Mac>::new_from_slice(b"k").unwrap();
        mac.update(b"203.0.113.7");
        let full: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(stored, format!("h:{}", &full[..32]));
        assert_eq!(stored.len(), 34);
    }

    #[test]
    fn hashed_is_stable_and_comparable() {
        let a = store_ip(IpPolicy::Hashed, ip("203.0.113.7"), b"k");
        assert_eq!(a, store_ip(IpPolicy::Hashed, ip("203.0.113.7"), b"k"));
        assert_eq!(
            a,
            store_ip(IpPolicy::Hashed, ip("::ffff:203.0.113.7"), b"k")
        );
        assert_ne!(a, store_ip(IpPolicy::Hashed, ip("203.0.113.8"), b"k"));
        assert_ne!(a, store_ip(IpPolicy::Hashed, ip("203.0.113.7"), b"other"));
        let v6 = store_ip(IpPolicy::Hashed, ip("2001:DB8::1"), b"k");
        assert_eq!(v6, store_ip(IpPolicy::Hashed, ip("2001:db8:0::1"), b"k"));
    }

    #[test]
    fn hashed_accepts_any_key() {
        for key in [
            &b""[..],
            &[0xffu8; 64][..],
            &[7u8; 10_000][..],
            "clé".as_bytes(),
        ] {
            let stored = store_ip(IpPolicy::Hashed, ip("::1"), key);
            assert!(stored.starts_with("h:"));
            assert_eq!(stored.len(), 34);
            assert!(
                stored[2..]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
        let long = [9u8; 100];
        let mut reference = <HmacSha256 as Mac>::new_from_slice(&long).unwrap();
        reference.update(b"::1");
        let expected = format!("{:02x}", reference.finalize().into_bytes()[0]);
        assert_eq!(
            &store_ip(IpPolicy::Hashed, ip("::1"), &long)[2..4],
            expected
        );
    }
}
