//! Time-based one-time passwords (RFC 6238 with RFC 4226's HOTP): HMAC-SHA1, 30-second steps,
//! six digits — what every authenticator app speaks. The shared key is 160 bits from the OS
//! CSPRNG (RFC 4226 § 4 asks for at least 128, recommends 160), shown once as Base32 and as an
//! `otpauth://` QR code.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

/// The length of one step.
pub const STEP_MS: i64 = 30_000;
/// Codes of one step before and after the current one are accepted too (clock drift, typing time).
pub const DRIFT_STEPS: i64 = 1;
const KEY_BYTES: usize = 20;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new shared key, Base32 (RFC 4648, without padding) as authenticator apps expect it.
pub fn new_secret() -> String {
    let mut key = [0u8; KEY_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut key);
    base32(&key)
}

/// RFC 4648 Base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes Base32 (upper or lower case, spaces and padding ignored); `None` for other characters.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b' ' && *c != b'=') {
        let value = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The HOTP value of `counter` (RFC 4226 § 5.3, dynamic truncation), reduced to six digits.
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    value % 1_000_000
}

/// The 30-second step that `at_ms` falls in.
pub fn step_at(at_ms: i64) -> i64 {
    at_ms.div_euclid(STEP_MS)
}

/// The step whose code `code` is (six digits; spaces ignored), looking one step either side of
/// `now_ms`, or `None`. Steps at or before `used_step` are refused: a code works only once.
pub fn matching_step(secret: &str, code: &str, now_ms: i64, used_step: Option<i64>) -> Option<i64> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = digits.parse().ok()?;
    let key = from_base32(secret)?;
    let now = step_at(now_ms);
    // Every candidate is computed, so the time taken does not say which one matched.
    let mut found = None;
    for step in now - DRIFT_STEPS..=now + DRIFT_STEPS {
        let Ok(counter) = u64::try_from(step) else {
            continue;
        };
        if hotp(&key, counter) == wanted && used_step.is_none_or(|used| step > used) {
            found = found.or(Some(step));
        }
    }
    found
}

/// The `otpauth://` address that authenticator apps read from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let issuer = percent(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        percent(account)
    )
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The address as a QR code (SVG), for the set-up page.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 key and the eight-digit values, of which authenticator apps
    /// show the last six.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let key = b"12345678901234567890";
        for (seconds, eight_digits) in [
            (59_i64, 94_287_082_u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            let counter = u64::try_from(step_at(seconds * 1000)).expect("positive");
            assert_eq!(
                hotp(key, counter),
                eight_digits % 1_000_000,
                "T = {seconds}"
            );
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(from_base32("mzxw 6ytb oi").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(from_base32("MZXW1"), None);
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        assert_eq!(from_base32(&secret).map(|k| k.len()), Some(KEY_BYTES));
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_only_once() {
        let secret = base32(b"12345678901234567890");
        let now = 1_111_111_111_000;
        let code = |at_ms: i64| {
            format!(
                "{:06}",
                hotp(b"12345678901234567890", step_at(at_ms) as u64)
            )
        };
        let step = step_at(now);
        assert_eq!(matching_step(&secret, &code(now), now, None), Some(step));
        assert_eq!(
            matching_step(&secret, &code(now - STEP_MS), now, None),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(&secret, &code(now + STEP_MS), now, None),
            Some(step + 1)
        );
        assert_eq!(
            matching_step(&secret, &code(now - 2 * STEP_MS), now, None),
            None
        );
        // Used once: the same code, and any older one, is refused.
        assert_eq!(matching_step(&secret, &code(now), now, Some(step)), None);
        assert_eq!(
            matching_step(&secret, &code(now - STEP_MS), now, Some(step - 1)),
            None
        );
        let spaced = format!("{} {}", &code(now)[..3], &code(now)[3..]);
        assert_eq!(matching_step(&secret, &spaced, now, None), Some(step));
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(matching_step(&secret, bad, now, None), None, "{bad}");
        }
    }

    #[test]
    fn the_setup_address_names_issuer_and_account() {
        let uri = otpauth_uri("Rapport Demo Inkasso", "chefin@agentur.example", "ABC");
        assert_eq!(
            uri,
            "otpauth://totp/Rapport%20Demo%20Inkasso:chefin@agentur.example?secret=ABC&issuer=Rapport%20Demo%20Inkasso&algorithm=SHA1&digits=6&period=30"
        );
        assert!(qr_svg(&uri).is_some_and(|svg| svg.starts_with("<?xml") || svg.contains("<svg")));
    }
}
