//! Payment references: ISO 11649 RF creditor references and IBANs (ISO 13616).
//!
//! The RF reference of a case is derived from its case reference, printed on letters and in the
//! EPC QR code, and searched for again in the remittance text of incoming transfers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a reference or IBAN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ReferenceError {
    #[error("an RF reference needs 1 to 21 letters or digits after RF and the check digits")]
    /// The reference is too short or too long.
    RfLength,
    #[error("an RF reference may only contain letters and digits")]
    /// The reference contains characters other than letters and digits.
    RfCharacters,
    #[error("an RF reference starts with RF and two check digits")]
    /// The reference does not start with RF and two digits.
    RfPrefix,
    #[error("the check digits of the RF reference do not match")]
    /// The check digits do not match.
    RfChecksum,
    #[error("'{0}' is not a valid IBAN")]
    /// The IBAN is not valid.
    Iban(String),
}

/// The remainder of a string of letters and digits modulo 97, letters read as 10 (A) to 35 (Z),
/// computed digit by digit so that any length works without big integers.
fn mod97(s: &str) -> Option<u32> {
    let mut rem: u32 = 0;
    for ch in s.chars() {
        let value = ch.to_digit(36)?;
        rem = if value < 10 {
            (rem * 10 + value) % 97
        } else {
            (rem * 100 + value) % 97
        };
    }
    Some(rem)
}

/// A valid ISO 11649 creditor reference in electronic form (`RF18539007547034`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RfReference(String);

impl RfReference {
    /// Builds the RF reference for a payload of 1 to 21 letters and digits (case-insensitive).
    pub fn create(payload: &str) -> Result<RfReference, ReferenceError> {
        let payload = payload.to_ascii_uppercase();
        if payload.is_empty() || payload.len() > 21 {
            return Err(ReferenceError::RfLength);
        }
        if !payload.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ReferenceError::RfCharacters);
        }
        let rem = mod97(&format!("{payload}RF00")).ok_or(ReferenceError::RfCharacters)?;
        Ok(RfReference(format!("RF{:02}{payload}", 98 - rem)))
    }

    /// The RF reference of a case: its reference without separators (`AKTE-2026-000123` becomes
    /// `RF..AKTE2026000123`).
    pub fn for_case(case_reference: &str) -> Result<RfReference, ReferenceError> {
        let payload: String = case_reference
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        RfReference::create(&payload)
    }

    /// Parses and validates a reference as typed or printed (spaces allowed, any case).
    pub fn parse(input: &str) -> Result<RfReference, ReferenceError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        // `get` and not slicing: the text is typed by people and may hold any character.
        let check_digits = s.get(2..4).unwrap_or_default();
        if !s.starts_with("RF")
            || check_digits.len() != 2
            || !check_digits.chars().all(|c| c.is_ascii_digit())
        {
            return Err(ReferenceError::RfPrefix);
        }
        if s.len() < 5 || s.len() > 25 {
            return Err(ReferenceError::RfLength);
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ReferenceError::RfCharacters);
        }
        let rotated = format!("{}{}", &s[4..], &s[..4]);
        match mod97(&rotated) {
            Some(1) => Ok(RfReference(s)),
            _ => Err(ReferenceError::RfChecksum),
        }
    }

    /// Finds RF references in free text (a bank transfer's remittance information), also when they
    /// were split by spaces (`RF31 AKTE 2026 0001 23`). Candidates end only where the text has a
    /// separator or ends, and must pass the check digits. When a reference was split, a longer or
    /// shorter join can pass the check by chance (about 1 in 97), so every passing candidate is
    /// returned, in order of appearance: the caller keeps those that name a known case.
    pub fn find_in_text(text: &str) -> Vec<RfReference> {
        let tokens: Vec<String> = text
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | ':' | '(' | ')'))
            .filter(|t| !t.is_empty())
            .map(|t| t.to_ascii_uppercase())
            .collect();
        let mut found = Vec::new();
        for start in 0..tokens.len() {
            let Some(pos) = tokens[start].find("RF") else {
                continue;
            };
            let mut candidate = tokens[start][pos..].to_string();
            let mut next = start + 1;
            loop {
                if candidate.len() > 25 {
                    break;
                }
                if let Ok(rf) = RfReference::parse(&candidate) {
                    if !found.contains(&rf) {
                        found.push(rf);
                    }
                }
                match tokens.get(next) {
                    Some(t) if t.chars().all(|c| c.is_ascii_alphanumeric()) => {
                        candidate.push_str(t)
                    }
                    _ => break,
                }
                next += 1;
            }
        }
        found
    }

    /// Electronic form, e.g. `RF18539007547034`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `RF` and the check digits.
    pub fn payload(&self) -> &str {
        &self.0[4..]
    }

    /// Paper form in groups of four: `RF18 5390 0754 7034`.
    pub fn paper(&self) -> String {
        group4(&self.0)
    }
}

fn group4(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

impl TryFrom<String> for RfReference {
    type Error = ReferenceError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RfReference::parse(&value)
    }
}

impl From<RfReference> for String {
    fn from(r: RfReference) -> String {
        r.0
    }
}

impl fmt::Display for RfReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A valid IBAN (checked against the country's length and structure and the MOD 97-10 check
/// digits), kept in electronic form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

impl Iban {
    /// Parses an IBAN as typed or printed (spaces allowed, any case).
    pub fn parse(input: &str) -> Result<Iban, ReferenceError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        compact
            .parse::<iban::Iban>()
            .as_ref()
            .map(|i| Iban(iban::IbanLike::electronic_str(i).to_string()))
            .map_err(|_| ReferenceError::Iban(input.trim().to_string()))
    }

    /// Electronic form: `DE89370400440532013000`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Paper form in groups of four: `DE89 3704 0044 0532 0130 00`.
    pub fn paper(&self) -> String {
        group4(&self.0)
    }

    /// The two-letter country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }
}

impl TryFrom<String> for Iban {
    type Error = ReferenceError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Iban::parse(&value)
    }
}

impl From<Iban> for String {
    fn from(i: Iban) -> String {
        i.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rf_references_match_the_reference_vectors() {
        for (payload, expected) in [
            ("539007547034", "RF18539007547034"),
            ("2348231", "RF712348231"),
            ("G72UUR", "RF45G72UUR"),
            ("18K5", "RF6518K5"),
            ("AKTE2024000123", "RF31AKTE2024000123"),
        ] {
            assert_eq!(
                RfReference::create(payload).expect(payload).as_str(),
                expected
            );
            assert_eq!(
                RfReference::parse(expected).expect(expected).payload(),
                payload
            );
        }
        assert_eq!(
            RfReference::for_case("AKTE-2024-000123")
                .expect("valid")
                .as_str(),
            "RF31AKTE2024000123"
        );
        assert_eq!(
            RfReference::parse("rf18 5390 0754 7034")
                .expect("paper form")
                .paper(),
            "RF18 5390 0754 7034"
        );
    }

    #[test]
    fn invalid_rf_references_are_refused_with_the_reason() {
        // mobilefish.com's illustrations are not valid references.
        assert_eq!(
            RfReference::parse("RF35C4"),
            Err(ReferenceError::RfChecksum)
        );
        assert_eq!(
            RfReference::parse("RF214377"),
            Err(ReferenceError::RfChecksum)
        );
        assert_eq!(
            RfReference::parse("RF19539007547034"),
            Err(ReferenceError::RfChecksum)
        );
        assert_eq!(
            RfReference::parse("XX18539007547034"),
            Err(ReferenceError::RfPrefix)
        );
        assert_eq!(RfReference::parse("RF18"), Err(ReferenceError::RfLength));
        assert_eq!(
            RfReference::parse("RF18-5390"),
            Err(ReferenceError::RfCharacters)
        );
        assert_eq!(RfReference::create(""), Err(ReferenceError::RfLength));
        assert_eq!(
            RfReference::create(&"1".repeat(22)),
            Err(ReferenceError::RfLength)
        );
        assert_eq!(
            RfReference::create("AKTE-1"),
            Err(ReferenceError::RfCharacters)
        );
    }

    #[test]
    fn rf_references_are_found_in_split_and_spaced_remittance_text() {
        let want = RfReference::parse("RF31AKTE2024000123").expect("valid");
        for text in [
            "RF31AKTE2024000123",
            "Zahlung RF31 AKTE 2024 0001 23 danke",
            "rf31akte2024000123/Rechnung 4711",
            "SVWZ+RF31 AKTE2024 000123 EREF+NOTPROVIDED",
            "Ihr Zeichen:RF31AKTE2024000123",
        ] {
            assert!(RfReference::find_in_text(text).contains(&want), "{text}");
        }
        // Split text can also yield a join that passes the check by chance; both are returned and
        // the matcher keeps the one that names a case.
        assert_eq!(
            RfReference::find_in_text("Zahlung RF31 AKTE 2024 0001 23 danke"),
            vec![
                RfReference::parse("RF31AKTE2024").expect("valid by chance"),
                want.clone()
            ]
        );
        assert!(RfReference::find_in_text("Rechnung 4711 vom 1.2. RF31AKTE2024000124").is_empty());
        assert!(RfReference::find_in_text("Referenz fehlt").is_empty());
        let two = RfReference::find_in_text("RF18539007547034 und RF712348231");
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn ibans_match_the_reference_vectors() {
        for valid in [
            "DE89370400440532013000",
            "DE44500105175407324931",
            "DE33100205000001194700",
            "BE72000000001616",
        ] {
            assert_eq!(Iban::parse(valid).expect(valid).as_str(), valid);
        }
        assert_eq!(
            Iban::parse("de89 3704 0044 0532 0130 00")
                .expect("paper")
                .paper(),
            "DE89 3704 0044 0532 0130 00"
        );
        assert!(
            Iban::parse("DE89370400440532013001").is_err(),
            "wrong check digits"
        );
        assert!(
            Iban::parse("DE8937040044053201300").is_err(),
            "too short for Germany"
        );
        assert_eq!(
            Iban::parse("DE89370400440532013000")
                .expect("valid")
                .country(),
            "DE"
        );
    }

    #[test]
    fn a_reference_with_other_characters_after_rf_is_refused_not_a_panic() {
        // Found by the robustness test: slicing at byte 4 fell inside a three-byte character.
        assert_eq!(
            RfReference::parse("Rf\u{800}"),
            Err(ReferenceError::RfPrefix)
        );
        assert_eq!(RfReference::parse("RF1é23"), Err(ReferenceError::RfPrefix));
    }

    proptest! {
        #[test]
        fn every_created_reference_validates_and_is_found_again(payload in "[A-Z0-9]{1,21}") {
            let rf = RfReference::create(&payload).expect("valid payload");
            prop_assert_eq!(RfReference::parse(rf.as_str()), Ok(rf.clone()));
            prop_assert_eq!(RfReference::parse(&rf.paper()), Ok(rf.clone()));
            let found = RfReference::find_in_text(&format!("Zahlung {} danke", rf.paper()));
            prop_assert!(found.contains(&rf));
        }

        #[test]
        fn a_changed_digit_breaks_the_check(payload in "[0-9]{4,21}", pos in 0usize..21, with in "[0-9]") {
            let rf = RfReference::create(&payload).expect("valid");
            let mut chars: Vec<char> = rf.as_str().chars().collect();
            let i = 4 + pos % payload.len();
            let replacement = with.chars().next().expect("one char");
            prop_assume!(chars[i] != replacement);
            chars[i] = replacement;
            let tampered: String = chars.into_iter().collect();
            // ISO 7064 MOD 97-10 detects every single substitution of one digit by another (a letter
            // stands for two digits, so letter substitutions carry no such guarantee).
            prop_assert_eq!(RfReference::parse(&tampered), Err(ReferenceError::RfChecksum));
        }
    }
}
