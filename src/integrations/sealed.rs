//! Secrets at rest (a CRM app secret, a private-app token, a webhook secret) are
//! sealed with ChaCha20-Poly1305 under a key from the environment
//! (`TITAN_SECRET_KEY`). Each sealed value is bound to its workspace and field
//! (associated data), so a value copied into another row does not open. A sealed
//! value is only ever opened on the server, to sign or call; no page reads it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// Marks the format of a sealed value, so it can change later.
const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

/// Why a key or a sealed value was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("TITAN_SECRET_KEY must be 32 bytes written as 64 hex digits or base64 (got {0} bytes)")]
    KeyLength(usize),
    #[error("TITAN_SECRET_KEY is neither hex nor base64")]
    KeyEncoding,
    #[error(
        "a stored secret ({0}) cannot be opened: it was sealed with another TITAN_SECRET_KEY or altered; save it again"
    )]
    Open(String),
}

/// Seals and opens secrets with one key.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    /// HMAC-SHA256 of a fixed label under the key: the root of derived keys.
    derive_root: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer from the key's text (64 hex digits or base64 of 32 bytes).
    pub fn from_text(key: &str) -> Result<Self, SealError> {
        let key = key.trim();
        let bytes = if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&key[i * 2..i * 2 + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| SealError::KeyEncoding)?
        } else {
            STANDARD.decode(key).map_err(|_| SealError::KeyEncoding)?
        };
        if bytes.len() != 32 {
            return Err(SealError::KeyLength(bytes.len()));
        }
        Ok(Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
            derive_root: hmac_sha256(&bytes, b"titan derive root v1"),
        })
    }

    /// A new random key as 64 hex digits.
    pub fn new_key_text() -> String {
        crate::accounts::tokens::to_hex(&ChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// A key for another purpose (hashing click IPs), derived from this one:
    /// HMAC-SHA256 of `purpose` under a root that is itself an HMAC of the key.
    pub fn derive(&self, purpose: &str) -> Vec<u8> {
        hmac_sha256(&self.derive_root, purpose.as_bytes()).to_vec()
    }

    /// `secret` sealed for `context` (e.g. "workspace 3 hubspot_token").
    pub fn seal(&self, context: &str, secret: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption into a Vec cannot fail for inputs this small.
        let sealed = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// Opens a value sealed for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<String, SealError> {
        let refused = || SealError::Open(context.to_owned());
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|raw| raw.len() > NONCE_LEN)
            .ok_or_else(refused)?;
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| refused())?;
        String::from_utf8(plain).map_err(|_| refused())
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::from_text(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_in_its_context_only() {
        let s = sealer();
        let sealed = s.seal("workspace 1 hubspot_token", "pat-na1-ü-秘密");
        assert!(!sealed.contains("pat-na1"));
        assert_eq!(
            s.open("workspace 1 hubspot_token", &sealed).unwrap(),
            "pat-na1-ü-秘密"
        );
        assert!(s.open("workspace 2 hubspot_token", &sealed).is_err());
        assert!(s.open("workspace 1 webhook_secret", &sealed).is_err());
    }

    #[test]
    fn sealing_twice_gives_different_text() {
        let s = sealer();
        assert_ne!(s.seal("c", "x"), s.seal("c", "x"));
    }

    #[test]
    fn another_key_or_altered_text_does_not_open() {
        let sealed = sealer().seal("c", "secret");
        let other = Sealer::from_text(&"cd".repeat(32)).unwrap();
        assert!(other.open("c", &sealed).is_err());
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            sealer()
                .open("c", &String::from_utf8(altered).unwrap())
                .is_err()
        );
        for garbage in ["", "v1:", "v1:!!!", "v0:AAAA", "v1:AAAA"] {
            assert!(sealer().open("c", garbage).is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert_eq!(
            Sealer::from_text("not base64!").unwrap_err(),
            SealError::KeyEncoding
        );
        assert_eq!(
            Sealer::from_text(&STANDARD.encode([1u8; 16])).unwrap_err(),
            SealError::KeyLength(16)
        );
        assert!(Sealer::from_text(&STANDARD.encode([1u8; 32])).is_ok());
        assert!(Sealer::from_text(&Sealer::new_key_text()).is_ok());
    }
}
