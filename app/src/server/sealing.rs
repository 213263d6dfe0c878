//! Secrets the server must read back (the TOTP keys of two-step sign-in) are stored sealed with
//! the server's own key (`RAPPORT_SECRET_KEY`, 256 bits, from the environment): AES-256-GCM with a
//! random nonce, bound to the account it belongs to, so that a copy of the database alone — a
//! backup, a dump — yields no key, and a sealed value moved to another account does not open.
//!
//! Stored form: `v1:` and Base64url of nonce (12 bytes) ‖ ciphertext ‖ tag. A value without the
//! prefix was stored while no key was configured and is read as it is.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

const PREFIX: &str = "v1:";

/// The server's key for sealing stored secrets.
#[derive(Clone)]
pub struct SealingKey(std::sync::Arc<LessSafeKey>);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<SealingKey, String> {
        if bytes.len() != 32 {
            return Err(format!(
                "has {} bytes, not 32 (make one with: openssl rand -base64 32)",
                bytes.len()
            ));
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| "is not an AES-256 key")?;
        Ok(SealingKey(std::sync::Arc::new(LessSafeKey::new(key))))
    }

    /// Reads `RAPPORT_SECRET_KEY`: 32 bytes as Base64 (standard or URL-safe, padded or not) or as
    /// 64 hex digits.
    pub fn parse(text: &str) -> Result<SealingKey, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|e| e.to_string())?
        } else {
            let unpadded = text
                .trim_end_matches('=')
                .replace('+', "-")
                .replace('/', "_");
            URL_SAFE_NO_PAD
                .decode(unpadded)
                .map_err(|_| "is neither Base64 nor hex".to_string())?
        };
        SealingKey::from_bytes(&bytes)
    }

    /// A random key that lives as long as the process: for secrets kept a few minutes in a session
    /// row (a new API key until its page shows it, a two-step key until it is confirmed) when no
    /// `RAPPORT_SECRET_KEY` is configured. A restart loses what it sealed, which costs a person one
    /// more click, never a credential at rest.
    pub fn random() -> SealingKey {
        let mut bytes = [0u8; 32];
        // The same generator as the link tokens' (it stops the process rather than give weak
        // bytes).
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        SealingKey::from_bytes(&bytes).expect("32 bytes are an AES-256 key")
    }

    /// Opens a value this key sealed for `context`; an unsealed, tampered or foreign value is
    /// `None` (for values that are always sealed, unlike the TOTP keys stored before a key was set).
    pub fn open_own(&self, context: &str, stored: &str) -> Option<String> {
        self.open_sealed(context, stored.strip_prefix(PREFIX)?)
    }

    /// Seals `secret` for the account named by `context` (e.g. `staff:7`).
    pub fn seal(&self, context: &str, secret: &str) -> Result<String, String> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| "no randomness".to_string())?;
        let mut data = secret.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| "sealing failed".to_string())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    fn open_sealed(&self, context: &str, sealed: &str) -> Option<String> {
        let raw = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

/// Seals `secret` with `key`, or stores it as it is without one.
pub fn seal(key: Option<&SealingKey>, context: &str, secret: &str) -> Result<String, String> {
    match key {
        Some(k) => k.seal(context, secret),
        None => Ok(secret.to_string()),
    }
}

/// The secret of a stored value: a sealed one opened with `key` (`None` without the key, or when
/// it does not open — tampered, another account's, another key's); an unsealed one as it is.
pub fn open(key: Option<&SealingKey>, context: &str, stored: &str) -> Option<String> {
    match stored.strip_prefix(PREFIX) {
        Some(sealed) => key?.open_sealed(context, sealed),
        None => Some(stored.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SealingKey {
        SealingKey::from_bytes(&[byte; 32]).expect("32 bytes")
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_account() {
        let k = key(7);
        let sealed = seal(Some(&k), "staff:7", "JBSWY3DPEHPK3PXP").expect("sealed");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            seal(Some(&k), "staff:7", "JBSWY3DPEHPK3PXP").expect("sealed")
        );
        assert_eq!(
            open(Some(&k), "staff:7", &sealed).as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        assert_eq!(open(Some(&k), "staff:8", &sealed), None, "another account");
        assert_eq!(open(Some(&key(8)), "staff:7", &sealed), None, "another key");
        assert_eq!(open(None, "staff:7", &sealed), None, "no key");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(open(Some(&k), "staff:7", &tampered), None, "changed");
    }

    #[test]
    fn secrets_stored_without_a_key_are_read_as_they_are() {
        assert_eq!(seal(None, "staff:1", "ABC").as_deref(), Ok("ABC"));
        assert_eq!(
            open(Some(&key(1)), "staff:1", "ABC").as_deref(),
            Some("ABC")
        );
        assert_eq!(open(None, "staff:1", "ABC").as_deref(), Some("ABC"));
    }

    #[test]
    fn keys_are_read_from_base64_or_hex_and_bad_ones_are_named() {
        let b64 = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let sealed = SealingKey::parse(&b64)
            .expect("base64")
            .seal("c", "s")
            .expect("sealed");
        let hex_key = SealingKey::parse(&hex::encode([9u8; 32])).expect("hex");
        assert_eq!(open(Some(&hex_key), "c", &sealed).as_deref(), Some("s"));
        assert!(SealingKey::parse("c2hvcnQ=")
            .expect_err("5 bytes")
            .contains("not 32"));
        assert!(SealingKey::parse("not base64 at all!").is_err());
    }
}
