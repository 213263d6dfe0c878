//! How a debtor proves they hold the letter: case references, access codes and the second factor
//! (postcode). The limits on attempts are in `server::limits`.
//!
//! Secrets are generated and hashed on the server; this module only normalises what people type,
//! so that the same rules hold wherever they are applied.

/// Crockford's Base32 alphabet: no I, L, O or U, so codes survive being read aloud and retyped.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of characters in an access code (12 × 5 bits = 60 bits of secret).
pub const ACCESS_CODE_LEN: usize = 12;

/// Encodes the low 5 bits of each byte as a Crockford character; used to turn random bytes into
/// an access code.
pub fn access_code_from_bytes(bytes: &[u8; ACCESS_CODE_LEN]) -> String {
    bytes
        .iter()
        .map(|b| CROCKFORD[(b & 0x1f) as usize] as char)
        .collect()
}

/// Normalises a typed access code: drops spaces and hyphens, upper-cases, and reads the letters
/// people confuse (O as 0, I and L as 1). Returns `None` unless exactly 12 valid characters remain.
pub fn normalize_access_code(input: &str) -> Option<String> {
    let mut out = String::with_capacity(ACCESS_CODE_LEN);
    for ch in input.chars() {
        let c = match ch.to_ascii_uppercase() {
            ' ' | '-' | '\u{a0}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == ACCESS_CODE_LEN).then_some(out)
}

/// Prints a normalised code in groups of four for letters: `ABCD-EFGH-JKMN`.
pub fn format_access_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a postcode for comparison: no white space, upper case (`d-10115` stays distinct from
/// `10115` on purpose; the printed address is what the debtor types).
pub fn normalize_postcode(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Builds the human-readable case reference printed on letters, e.g. `AKTE-2026-000123`.
pub fn case_reference(year: i32, sequence: u32) -> String {
    format!("AKTE-{year:04}-{sequence:06}")
}

/// Normalises a typed case reference (trimmed, upper case, inner spaces removed).
pub fn normalize_reference(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_are_read_forgivingly_but_must_be_complete() {
        assert_eq!(
            normalize_access_code("abcd-efgh-jkmn").as_deref(),
            Some("ABCDEFGHJKMN")
        );
        assert_eq!(
            normalize_access_code(" OIL0 1234 5678 ").as_deref(),
            Some("011012345678")
        );
        assert_eq!(normalize_access_code("ABCD-EFGH-JKM"), None, "too short");
        assert_eq!(normalize_access_code("ABCD-EFGH-JKMNP"), None, "too long");
        assert_eq!(
            normalize_access_code("ABCD-EFGH-JKMU"),
            None,
            "U is not in the alphabet"
        );
        assert_eq!(normalize_access_code("ÄBCD-EFGH-JKMN"), None);
    }

    #[test]
    fn generated_codes_normalise_to_themselves_and_format_in_groups() {
        let code = access_code_from_bytes(&[0, 1, 2, 3, 31, 30, 29, 28, 255, 64, 17, 8]);
        assert_eq!(code.len(), ACCESS_CODE_LEN);
        assert_eq!(normalize_access_code(&code).as_deref(), Some(code.as_str()));
        let printed = format_access_code(&code);
        assert_eq!(printed.matches('-').count(), 2);
        assert_eq!(
            normalize_access_code(&printed).as_deref(),
            Some(code.as_str())
        );
    }

    #[test]
    fn postcodes_and_references_ignore_spacing_and_case() {
        assert_eq!(normalize_postcode(" 101 15 "), "10115");
        assert_eq!(normalize_postcode("sw1a 1aa"), "SW1A1AA");
        assert_eq!(case_reference(2026, 123), "AKTE-2026-000123");
        assert_eq!(
            normalize_reference(" akte-2026-000123 "),
            "AKTE-2026-000123"
        );
    }
}
