//! Webhook signature checks, so that Titan only acts on requests that really
//! come from HubSpot or from a Titan sender holding the shared secret.
//!
//! Both schemes are HMAC-SHA256 with a timestamp inside the signed bytes and a
//! five-minute window around "now" (past *and* future) against replays.
//! Comparisons run in constant time; hostile header values give an error, never
//! a panic.
//!
//! HubSpot v3 (documented at
//! <https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests>):
//! `X-HubSpot-Signature-v3 = base64(HMAC-SHA256(client_secret, method + uri + body + timestamp))`
//! with `X-HubSpot-Request-Timestamp` in milliseconds. Before signing, the URI has
//! the twelve percent-escapes HubSpot lists decoded (see [`hubspot_signing_uri`]).
//!
//! Titan v1: `X-Titan-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
//! with `X-Titan-Timestamp` in unix seconds; several comma-separated `v1=` values
//! are accepted so a secret can be rotated without downtime.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

type HmacSha256 = Hmac<Sha256>;

/// Header carrying HubSpot's v3 signature.
pub const HUBSPOT_SIGNATURE_HEADER: &str = "X-HubSpot-Signature-v3";
/// Header carrying HubSpot's request timestamp (unix milliseconds).
pub const HUBSPOT_TIMESTAMP_HEADER: &str = "X-HubSpot-Request-Timestamp";
/// Header carrying Titan's signature(s), `v1=<hex>[,v1=<hex>…]`.
pub const TITAN_SIGNATURE_HEADER: &str = "X-Titan-Signature";
/// Header carrying Titan's request timestamp (unix seconds).
pub const TITAN_TIMESTAMP_HEADER: &str = "X-Titan-Timestamp";

/// Largest accepted distance between a request's timestamp and now, either way.
pub const MAX_SKEW_SECS: i64 = 5 * 60;
const MAX_SKEW_MS: i64 = MAX_SKEW_SECS * 1000;

/// Longest signature header we look at; real ones are well under this.
const MAX_SIGNATURE_HEADER_LEN: usize = 1024;
/// Most `v1=` entries one Titan header may carry (secret rotation needs two).
const MAX_TITAN_ENTRIES: usize = 8;
/// Longest timestamp header we parse (i64 has 19 digits).
const MAX_TIMESTAMP_LEN: usize = 19;
/// Bytes in an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

/// Why a webhook request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The timestamp header is absent or empty.
    #[error("timestamp header {header} is missing or empty; send the time the request was signed")]
    MissingTimestamp { header: &'static str },
    /// The timestamp header is not a plain non-negative integer.
    #[error(
        "timestamp header {header} must be a whole number of {unit} since 1970-01-01 UTC (digits only), got {value:?}"
    )]
    MalformedTimestamp {
        header: &'static str,
        unit: &'static str,
        value: String,
    },
    /// The timestamp is more than five minutes away from now (negative age: in the future).
    #[error(
        "timestamp header {header} is {age_secs} s from now (negative = in the future); only requests within {MAX_SKEW_SECS} s are accepted: check the sender's clock or a replayed request"
    )]
    Stale { header: &'static str, age_secs: i64 },
    /// The signature header cannot be decoded.
    #[error("signature header {header} is malformed: {reason}")]
    MalformedSignature {
        header: &'static str,
        reason: String,
    },
    /// The signature is well-formed but was not made with this secret over these bytes.
    #[error(
        "signature header {header} does not match: check the secret, and sign the exact raw body, method, URI and timestamp received"
    )]
    Mismatch { header: &'static str },
}

/// The URI exactly as HubSpot signs it: the escapes HubSpot's docs list
/// (`%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B`) are decoded, every other
/// byte (including other escapes such as `%20` or `%25`) is kept. Hex digits are
/// matched case-insensitively, as RFC 3986 makes them equivalent.
pub fn hubspot_signing_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let escape = &rest[pos..];
        match escape.get(..3).and_then(hubspot_decoded_char) {
            Some(decoded) => {
                out.push(decoded);
                rest = &escape[3..];
            }
            None => {
                out.push('%');
                rest = &escape[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a `%XX` escape stands for, if HubSpot decodes it before signing.
fn hubspot_decoded_char(escape: &str) -> Option<char> {
    match escape.to_ascii_uppercase().as_str() {
        "%3A" => Some(':'),
        "%2F" => Some('/'),
        "%3F" => Some('?'),
        "%40" => Some('@'),
        "%21" => Some('!'),
        "%24" => Some('$'),
        "%27" => Some('\''),
        "%28" => Some('('),
        "%29" => Some(')'),
        "%2A" => Some('*'),
        "%2C" => Some(','),
        "%3B" => Some(';'),
        _ => None,
    }
}

/// HMAC-SHA256 keyed with `secret`, built infallibly: HMAC zero-pads keys up to
/// the 64-byte block and hashes longer ones first, so doing that here gives the
/// same MAC as `new_from_slice` without its (never taken) error path.
fn keyed_hmac(secret: &[u8]) -> HmacSha256 {
    let mut block = [0u8; 64];
    if secret.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(secret));
    } else {
        block[..secret.len()].copy_from_slice(secret);
    }
    <HmacSha256 as KeyInit>::new(&block.into())
}

/// HMAC-SHA256 over the concatenation of `parts`.
fn hmac_parts(secret: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    let mut mac = keyed_hmac(secret);
    for part in parts {
        mac.update(part);
    }
    mac
}

/// The HubSpot v3 MAC for a request, before encoding.
fn hubspot_mac(
    app_secret: &[u8],
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
) -> HmacSha256 {
    let uri = hubspot_signing_uri(uri);
    let parts: [&[u8]; 4] = [
        method.as_bytes(),
        uri.as_bytes(),
        body,
        timestamp.as_bytes(),
    ];
    hmac_parts(app_secret, &parts)
}

/// The value HubSpot puts in `X-HubSpot-Signature-v3` for this request.
pub fn hubspot_v3_signature(
    app_secret: &[u8],
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
) -> String {
    let tag = hubspot_mac(app_secret, method, uri, body, timestamp).finalize();
    STANDARD.encode(tag.into_bytes())
}

/// Checks a HubSpot v3 request: timestamp within five minutes of `now_ms`
/// (unix milliseconds), then the signature in constant time.
pub fn verify_hubspot_v3(
    app_secret: &[u8],
    method: &str,
    uri: &str,
    body: &[u8],
    signature: &str,
    timestamp: &str,
    now_ms: i64,
) -> Result<(), SignatureError> {
    let header = HUBSPOT_TIMESTAMP_HEADER;
    let sent_ms = parse_timestamp(timestamp, header, "milliseconds")?;
    check_window(now_ms.saturating_sub(sent_ms), MAX_SKEW_MS, 1000, header)?;
    let given = decode_hubspot_signature(signature)?;
    hubspot_mac(app_secret, method, uri, body, timestamp)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch {
            header: HUBSPOT_SIGNATURE_HEADER,
        })
}

/// The raw tag inside a base64 `X-HubSpot-Signature-v3` value.
fn decode_hubspot_signature(signature: &str) -> Result<Vec<u8>, SignatureError> {
    let malformed = |reason: String| SignatureError::MalformedSignature {
        header: HUBSPOT_SIGNATURE_HEADER,
        reason,
    };
    let signature = signature.trim();
    if signature.is_empty() {
        return Err(malformed("it is empty".into()));
    }
    if signature.len() > MAX_SIGNATURE_HEADER_LEN {
        return Err(malformed(format!("it is {} bytes long", signature.len())));
    }
    let tag = STANDARD
        .decode(signature)
        .map_err(|err| malformed(format!("not standard base64 ({err})")))?;
    if tag.len() != TAG_LEN {
        return Err(malformed(format!(
            "decodes to {} bytes, an HMAC-SHA256 has {TAG_LEN}",
            tag.len()
        )));
    }
    Ok(tag)
}

/// The full `X-Titan-Signature` value (`v1=<lowercase hex>`) for a request.
pub fn titan_signature(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let tag = titan_mac(secret, timestamp, body).finalize().into_bytes();
    format!("v1={}", to_hex(&tag))
}

/// The Titan v1 MAC over `timestamp + "." + body`.
fn titan_mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    let parts: [&[u8]; 3] = [timestamp.as_bytes(), b".", body];
    hmac_parts(secret, &parts)
}

/// Checks a Titan v1 request: timestamp within five minutes of `now_secs`,
/// then every `v1=` entry of the header in constant time; any match passes.
/// Entries with another scheme (`v0=…`) are ignored; a malformed `v1=` entry
/// refuses the whole header.
pub fn verify_titan(
    secret: &[u8],
    signature_header: &str,
    timestamp: &str,
    body: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    let header = TITAN_TIMESTAMP_HEADER;
    let sent_secs = parse_timestamp(timestamp, header, "seconds")?;
    check_window(now_secs.saturating_sub(sent_secs), MAX_SKEW_SECS, 1, header)?;
    let candidates = parse_titan_header(signature_header)?;
    let expected = titan_mac(secret, timestamp, body).finalize().into_bytes();
    let matched = candidates.iter().fold(Choice::from(0), |acc, tag| {
        acc | tag.ct_eq(expected.as_slice())
    });
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch {
            header: TITAN_SIGNATURE_HEADER,
        })
    }
}

/// The tags of every `v1=` entry in an `X-Titan-Signature` header.
fn parse_titan_header(value: &str) -> Result<Vec<[u8; TAG_LEN]>, SignatureError> {
    let malformed = |reason: String| SignatureError::MalformedSignature {
        header: TITAN_SIGNATURE_HEADER,
        reason,
    };
    if value.len() > MAX_SIGNATURE_HEADER_LEN {
        return Err(malformed(format!("it is {} bytes long", value.len())));
    }
    let entries: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter_map(|entry| entry.strip_prefix("v1="))
        .collect();
    if entries.is_empty() {
        return Err(malformed("it has no `v1=<hex>` entry".into()));
    }
    if entries.len() > MAX_TITAN_ENTRIES {
        return Err(malformed(format!(
            "it has {} v1 entries, at most {MAX_TITAN_ENTRIES} are read",
            entries.len()
        )));
    }
    entries
        .into_iter()
        .map(|hex| {
            from_hex(hex)
                .ok_or_else(|| malformed(format!("a v1 value is not {} hex digits", TAG_LEN * 2)))
        })
        .collect()
}

/// A timestamp header as a non-negative integer; digits only.
fn parse_timestamp(
    value: &str,
    header: &'static str,
    unit: &'static str,
) -> Result<i64, SignatureError> {
    let malformed = || SignatureError::MalformedTimestamp {
        header,
        unit,
        value: value.chars().take(32).collect(),
    };
    if value.is_empty() {
        return Err(SignatureError::MissingTimestamp { header });
    }
    if value.len() > MAX_TIMESTAMP_LEN || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    value.parse::<i64>().map_err(|_| malformed())
}

/// Refuses an `age` (in units, `units_per_sec` to a second) beyond `max` either way.
fn check_window(
    age: i64,
    max: i64,
    units_per_sec: i64,
    header: &'static str,
) -> Result<(), SignatureError> {
    if age.checked_abs().is_some_and(|abs| abs <= max) {
        return Ok(());
    }
    Err(SignatureError::Stale {
        header,
        age_secs: secs_away_from_zero(age, units_per_sec),
    })
}

/// `units / per_sec` rounded away from zero, so 300.001 s reads as 301 s.
fn secs_away_from_zero(units: i64, per_sec: i64) -> i64 {
    let whole = units / per_sec;
    match units % per_sec {
        0 => whole,
        _ if units > 0 => whole.saturating_add(1),
        _ => whole.saturating_sub(1),
    }
}

/// Lowercase hex of `bytes`.
fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// A 32-byte tag from exactly 64 hex digits (either case).
fn from_hex(hex: &str) -> Option<[u8; TAG_LEN]> {
    let digits = hex.as_bytes();
    if digits.len() != TAG_LEN * 2 {
        return None;
    }
    let mut tag = [0u8; TAG_LEN];
    for (slot, pair) in tag.iter_mut().zip(digits.chunks_exact(2)) {
        *slot = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(tag)
}

/// The value of one hex digit.
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"secret";
    const URI: &str = "https://example.com/hook?x=a%3Ab";
    const BODY: &[u8] = br#"{"a":1}"#;
    const TS_MS: &str = "1700000000000";
    const NOW_MS: i64 = 1_700_000_000_000;
    /// `printf 'POSThttps://example.com/hook?x=a:b{"a":1}1700000000000' |
    /// openssl dgst -sha256 -hmac secret -binary | base64`
    const OPENSSL_HUBSPOT: &str = "xDnlbUtmpDdzIJpEBbZD5RSCn1ppeC0U2sE31QDzFHI=";
    /// `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec`
    const OPENSSL_TITAN: &str = "8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032";

    fn verify_hs(sig: &str, ts: &str, now_ms: i64) -> Result<(), SignatureError> {
        verify_hubspot_v3(SECRET, "POST", URI, BODY, sig, ts, now_ms)
    }

    #[test]
    fn hubspot_matches_openssl_vector() {
        assert_eq!(
            hubspot_v3_signature(SECRET, "POST", URI, BODY, TS_MS),
            OPENSSL_HUBSPOT
        );
        assert_eq!(verify_hs(OPENSSL_HUBSPOT, TS_MS, NOW_MS), Ok(()));
    }

    #[test]
    fn hubspot_matches_hand_built_string() {
        let source = format!("GEThttps://x.test/a?q=1{}", "1234");
        let mut mac = <HmacSha256 as Mac>::new_from_slice(b"k").unwrap();
        mac.update(source.as_bytes());
        let expected = STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(
            hubspot_v3_signature(b"k", "GET", "https://x.test/a?q=1", b"", "1234"),
            expected
        );
    }

    #[test]
    fn hubspot_wrong_secret_is_mismatch() {
        let sig = hubspot_v3_signature(b"other", "POST", URI, BODY, TS_MS);
        assert_eq!(
            verify_hs(&sig, TS_MS, NOW_MS),
            Err(SignatureError::Mismatch {
                header: HUBSPOT_SIGNATURE_HEADER
            })
        );
    }

    #[test]
    fn hubspot_altered_body_method_or_uri_is_mismatch() {
        let sig = OPENSSL_HUBSPOT;
        let body = br#"{"a":2}"#;
        assert!(verify_hubspot_v3(SECRET, "POST", URI, body, sig, TS_MS, NOW_MS).is_err());
        assert!(verify_hubspot_v3(SECRET, "PUT", URI, BODY, sig, TS_MS, NOW_MS).is_err());
        let uri = "https://example.com/hook?x=a%3Ac";
        assert!(verify_hubspot_v3(SECRET, "POST", uri, BODY, sig, TS_MS, NOW_MS).is_err());
    }

    #[test]
    fn hubspot_encoded_and_decoded_uri_sign_alike() {
        let decoded = "https://example.com/hook?x=a:b";
        assert_eq!(
            verify_hubspot_v3(
                SECRET,
                "POST",
                decoded,
                BODY,
                OPENSSL_HUBSPOT,
                TS_MS,
                NOW_MS
            ),
            Ok(())
        );
        let lower = "https://example.com/hook?x=a%3ab";
        assert_eq!(
            verify_hubspot_v3(SECRET, "POST", lower, BODY, OPENSSL_HUBSPOT, TS_MS, NOW_MS),
            Ok(())
        );
    }

    #[test]
    fn signing_uri_decodes_exactly_the_listed_escapes() {
        let all = "%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B";
        assert_eq!(hubspot_signing_uri(all), ":/?@!$'()*,;");
        assert_eq!(
            hubspot_signing_uri("/a%20b%25c%2B%3D%26"),
            "/a%20b%25c%2B%3D%26"
        );
        assert_eq!(hubspot_signing_uri("%253A"), "%253A");
        assert_eq!(hubspot_signing_uri("100%"), "100%");
        assert_eq!(hubspot_signing_uri("%3"), "%3");
        assert_eq!(hubspot_signing_uri("%é3A"), "%é3A");
        assert_eq!(hubspot_signing_uri("/café?n=ü%2C"), "/café?n=ü,");
        assert_eq!(hubspot_signing_uri(""), "");
    }

    #[test]
    fn hubspot_window_boundaries() {
        let five_min = 300_000;
        let sig_at = |ts: i64| {
            let ts = ts.to_string();
            (hubspot_v3_signature(SECRET, "POST", URI, BODY, &ts), ts)
        };
        let (sig, ts) = sig_at(NOW_MS - five_min + 1);
        assert_eq!(verify_hs(&sig, &ts, NOW_MS), Ok(()));
        let (sig, ts) = sig_at(NOW_MS - five_min);
        assert_eq!(verify_hs(&sig, &ts, NOW_MS), Ok(()));
        let (sig, ts) = sig_at(NOW_MS - five_min - 1);
        assert_eq!(
            verify_hs(&sig, &ts, NOW_MS),
            Err(SignatureError::Stale {
                header: HUBSPOT_TIMESTAMP_HEADER,
                age_secs: 301
            })
        );
    }

    #[test]
    fn hubspot_future_timestamp_is_refused_beyond_window() {
        let five_min = 300_000;
        let ok = (NOW_MS + five_min - 1).to_string();
        let sig = hubspot_v3_signature(SECRET, "POST", URI, BODY, &ok);
        assert_eq!(verify_hs(&sig, &ok, NOW_MS), Ok(()));
        let late = (NOW_MS + five_min + 1).to_string();
        let sig = hubspot_v3_signature(SECRET, "POST", URI, BODY, &late);
        assert_eq!(
            verify_hs(&sig, &late, NOW_MS),
            Err(SignatureError::Stale {
                header: HUBSPOT_TIMESTAMP_HEADER,
                age_secs: -301
            })
        );
    }

    #[test]
    fn hubspot_garbage_timestamps() {
        assert_eq!(
            verify_hs(OPENSSL_HUBSPOT, "", NOW_MS),
            Err(SignatureError::MissingTimestamp {
                header: HUBSPOT_TIMESTAMP_HEADER
            })
        );
        for bad in [
            "-1",
            "+1700000000000",
            " 1",
            "1.5",
            "١٢٣",
            "99999999999999999999",
            "abc",
        ] {
            assert!(
                matches!(
                    verify_hs(OPENSSL_HUBSPOT, bad, NOW_MS),
                    Err(SignatureError::MalformedTimestamp { .. })
                ),
                "{bad}"
            );
        }
        let huge = "9".repeat(100_000);
        assert!(matches!(
            verify_hs(OPENSSL_HUBSPOT, &huge, NOW_MS),
            Err(SignatureError::MalformedTimestamp { value, .. }) if value.len() == 32
        ));
        assert!(matches!(
            verify_hs(OPENSSL_HUBSPOT, "0", i64::MIN),
            Err(SignatureError::Stale { .. })
        ));
        assert!(matches!(
            verify_hs(OPENSSL_HUBSPOT, "9223372036854775807", i64::MIN),
            Err(SignatureError::Stale { .. })
        ));
    }

    #[test]
    fn hubspot_garbage_signatures_are_malformed() {
        let huge = "A".repeat(1_000_000);
        for bad in ["", "   ", "not base64!!", "éé", "AAAA", huge.as_str()] {
            assert!(
                matches!(
                    verify_hs(bad, TS_MS, NOW_MS),
                    Err(SignatureError::MalformedSignature { .. })
                ),
                "{bad:.20}"
            );
        }
        let spaced = format!("{} {}", &OPENSSL_HUBSPOT[..10], &OPENSSL_HUBSPOT[10..]);
        assert!(matches!(
            verify_hs(&spaced, TS_MS, NOW_MS),
            Err(SignatureError::MalformedSignature { .. })
        ));
    }

    #[test]
    fn titan_matches_openssl_vector() {
        let header = titan_signature(b"whsec", "1700000000", BODY);
        assert_eq!(header, format!("v1={OPENSSL_TITAN}"));
        assert_eq!(
            verify_titan(b"whsec", &header, "1700000000", BODY, 1_700_000_000),
            Ok(())
        );
    }

    #[test]
    fn titan_rotation_any_entry_matches() {
        let old = titan_signature(b"old", "100", b"x");
        let new = titan_signature(b"new", "100", b"x");
        let header = format!("{old}, v0=zzz,{new}");
        assert_eq!(verify_titan(b"new", &header, "100", b"x", 100), Ok(()));
        assert_eq!(verify_titan(b"old", &header, "100", b"x", 100), Ok(()));
        assert_eq!(
            verify_titan(b"third", &header, "100", b"x", 100),
            Err(SignatureError::Mismatch {
                header: TITAN_SIGNATURE_HEADER
            })
        );
    }

    #[test]
    fn titan_uppercase_hex_accepted() {
        let header = titan_signature(b"k", "100", b"x")
            .to_uppercase()
            .replace("V1=", "v1=");
        assert_eq!(verify_titan(b"k", &header, "100", b"x", 100), Ok(()));
    }

    #[test]
    fn titan_altered_body_or_timestamp_is_mismatch() {
        let header = titan_signature(b"k", "100", b"body");
        assert!(matches!(
            verify_titan(b"k", &header, "100", b"bodY", 100),
            Err(SignatureError::Mismatch { .. })
        ));
        assert!(matches!(
            verify_titan(b"k", &header, "101", b"body", 100),
            Err(SignatureError::Mismatch { .. })
        ));
    }

    #[test]
    fn titan_window_boundaries() {
        let now = 1_000_000;
        for ts in [now - 300, now - 299, now + 300] {
            let ts = ts.to_string();
            let header = titan_signature(b"k", &ts, b"");
            assert_eq!(verify_titan(b"k", &header, &ts, b"", now), Ok(()), "{ts}");
        }
        for (ts, age) in [(now - 301, 301), (now + 301, -301)] {
            let ts_text = ts.to_string();
            let header = titan_signature(b"k", &ts_text, b"");
            assert_eq!(
                verify_titan(b"k", &header, &ts_text, b"", now),
                Err(SignatureError::Stale {
                    header: TITAN_TIMESTAMP_HEADER,
                    age_secs: age
                })
            );
        }
    }

    #[test]
    fn titan_garbage_headers_are_malformed() {
        let good = titan_signature(b"k", "100", b"");
        let too_many = [good.as_str(); 9].join(",");
        let huge = format!("v1={}", "a".repeat(100_000));
        let bad_headers = [
            "",
            "garbage",
            "v1=",
            "v1=xyz",
            "v1=ABCDEFéé",
            "sha256=abc",
            &good[..good.len() - 1],
            &format!("{good},v1=nothex"),
            &too_many,
            &huge,
        ];
        for bad in bad_headers {
            assert!(
                matches!(
                    verify_titan(b"k", bad, "100", b"", 100),
                    Err(SignatureError::MalformedSignature { .. })
                ),
                "{bad:.30}"
            );
        }
    }

    #[test]
    fn titan_garbage_timestamps() {
        let header = titan_signature(b"k", "100", b"");
        assert!(matches!(
            verify_titan(b"k", &header, "", b"", 100),
            Err(SignatureError::MissingTimestamp { .. })
        ));
        assert!(matches!(
            verify_titan(b"k", &header, "1e3", b"", 100),
            Err(SignatureError::MalformedTimestamp { .. })
        ));
    }

    #[test]
    fn error_messages_name_the_header() {
        let err = verify_titan(b"k", "v1=zz", "100", b"", 100).unwrap_err();
        assert!(err.to_string().contains(TITAN_SIGNATURE_HEADER));
        let err = verify_hs(OPENSSL_HUBSPOT, "1", NOW_MS).unwrap_err();
        assert!(err.to_string().contains(HUBSPOT_TIMESTAMP_HEADER));
    }

    #[test]
    fn keyed_hmac_matches_new_from_slice_for_any_key_length() {
        for len in [0, 1, 32, 63, 64, 65, 200] {
            let key = vec![0xA5u8; len];
            let mut ours = keyed_hmac(&key);
            let mut reference = <HmacSha256 as Mac>::new_from_slice(&key).unwrap();
            ours.update(b"msg");
            reference.update(b"msg");
            assert_eq!(
                ours.finalize().into_bytes(),
                reference.finalize().into_bytes(),
                "{len}"
            );
        }
    }

    #[test]
    fn hex_round_trip() {
        let tag: [u8; 32] = core::array::from_fn(|i| (i * 8) as u8);
        assert_eq!(from_hex(&to_hex(&tag)), Some(tag));
    }
}
