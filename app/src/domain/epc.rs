//! The EPC QR code for SEPA credit transfers (EPC069-12, "GiroCode"): payload version 002,
//! UTF-8 restricted to the SEPA basic Latin set, error correction M, at most 331 bytes and QR
//! version 13. A banking app that scans it fills in beneficiary, IBAN, amount and reference.

use crate::domain::references::{Iban, RfReference};
use crate::domain::{Currency, Money};
use qrcode::{Color, EcLevel, QrCode, Version};
use serde::{Deserialize, Serialize};

/// The largest payload banking apps must accept.
pub const MAX_PAYLOAD_BYTES: usize = 331;
const MAX_NAME: usize = 70;
const MAX_TEXT: usize = 140;
const MAX_INFO: usize = 70;
const MAX_AMOUNT_MINOR: i64 = 99_999_999_999;

/// Why an EPC payment could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum EpcError {
    #[error("the beneficiary name must have 1 to 70 characters")]
    /// The beneficiary name is empty or too long.
    Name,
    #[error("the BIC must have 8 or 11 letters and digits")]
    /// The BIC is malformed.
    Bic,
    #[error("the amount must be in euro, between 0.01 and 999,999,999.99")]
    /// The amount is not a valid euro amount.
    Amount,
    #[error("the purpose code must be 4 letters")]
    /// The purpose code is not four letters.
    Purpose,
    #[error("the remittance text must have 1 to 140 characters")]
    /// The remittance text is empty or too long.
    Text,
    #[error("the information for the payer may have at most 70 characters")]
    /// The information for the payer is too long.
    Information,
    #[error("the payload has {0} bytes, more than the 331 allowed")]
    /// The payload is longer than 331 bytes.
    TooLong(usize),
    #[error("the QR code would need a version above 13")]
    /// The QR code would exceed version 13.
    QrTooLarge,
    #[error("not an EPC QR payload: {0}")]
    /// The payload breaks a rule of the standard.
    Malformed(String),
}

/// What the transfer carries to identify the payment: an RF reference or free text, never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Remittance {
    /// A structured ISO 11649 reference (line 10).
    Reference(RfReference),
    /// Free text of up to 140 characters (line 11).
    Text(String),
}

/// A credit transfer to be encoded in an EPC QR code. Build it with [`EpcPayment::new`], which
/// transliterates texts into the SEPA character set and checks every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpcPayment {
    /// Who receives the money, 1 to 70 SEPA characters.
    pub beneficiary_name: String,
    /// The beneficiary's account.
    pub iban: Iban,
    /// The beneficiary bank's BIC; optional within the EEA.
    pub bic: Option<String>,
    /// The amount in euro; `None` lets the payer type it.
    pub amount: Option<Money>,
    /// A four-letter ISO 20022 purpose code.
    pub purpose: Option<String>,
    /// The reference or text that identifies the payment.
    pub remittance: Remittance,
    /// A note shown to the payer, not transmitted with the payment.
    pub information: Option<String>,
}

/// Replaces characters outside the SEPA basic Latin set (`a-z A-Z 0-9 / - ? : ( ) . , ' +` and
/// space): German umlauts and ß are spelled out, accented letters lose their accent, typographic
/// dashes and quotes become plain ones, `&` becomes `+`; anything else becomes a space. Runs of
/// spaces are collapsed and the ends trimmed.
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        let mapped: &str = match ch {
            'a'..='z'
            | 'A'..='Z'
            | '0'..='9'
            | '/'
            | '-'
            | '?'
            | ':'
            | '('
            | ')'
            | '.'
            | ','
            | '\''
            | '+'
            | ' ' => {
                out.push(ch);
                continue;
            }
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'Ä' => "Ae",
            'Ö' => "Oe",
            'Ü' => "Ue",
            'ß' => "ss",
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ą' => "a",
            'À' | 'Á' | 'Â' | 'Ã' | 'Å' | 'Ā' | 'Ą' => "A",
            'æ' => "ae",
            'Æ' => "AE",
            'ç' | 'ć' | 'č' => "c",
            'Ç' | 'Ć' | 'Č' => "C",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'Ì' | 'Í' | 'Î' | 'Ï' => "I",
            'ł' => "l",
            'Ł' => "L",
            'ñ' | 'ń' | 'ň' => "n",
            'Ñ' | 'Ń' | 'Ň' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ő' => "o",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ø' | 'Ő' => "O",
            'œ' => "oe",
            'Œ' => "OE",
            'ř' => "r",
            'Ř' => "R",
            'ś' | 'š' | 'ş' => "s",
            'Ś' | 'Š' | 'Ş' => "S",
            'ť' => "t",
            'Ť' => "T",
            'ù' | 'ú' | 'û' | 'ů' | 'ű' => "u",
            'Ù' | 'Ú' | 'Û' | 'Ů' | 'Ű' => "U",
            'ý' | 'ÿ' => "y",
            'Ý' | 'Ÿ' => "Y",
            'ź' | 'ż' | 'ž' => "z",
            'Ź' | 'Ż' | 'Ž' => "Z",
            '–' | '—' | '‐' | '‑' => "-",
            '‘' | '’' | '‚' | '´' | '`' => "'",
            '&' => "+",
            _ => " ",
        };
        out.push_str(mapped);
    }
    out.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn bounded(text: &str, max: usize, err: EpcError) -> Result<String, EpcError> {
    let t = transliterate(text);
    if t.is_empty() || t.chars().count() > max {
        Err(err)
    } else {
        Ok(t)
    }
}

impl EpcPayment {
    /// Builds and checks a payment. Texts are transliterated first, so their length is checked as
    /// they will be encoded; an empty information text counts as none.
    pub fn new(
        beneficiary_name: &str,
        iban: Iban,
        bic: Option<&str>,
        amount: Option<Money>,
        purpose: Option<&str>,
        remittance: Remittance,
        information: Option<&str>,
    ) -> Result<EpcPayment, EpcError> {
        let beneficiary_name = bounded(beneficiary_name, MAX_NAME, EpcError::Name)?;
        let bic = bic
            .map(|b| b.trim().to_ascii_uppercase())
            .filter(|b| !b.is_empty())
            .map(|b| {
                let ok =
                    (b.len() == 8 || b.len() == 11) && b.chars().all(|c| c.is_ascii_alphanumeric());
                if ok {
                    Ok(b)
                } else {
                    Err(EpcError::Bic)
                }
            })
            .transpose()?;
        if let Some(a) = amount {
            if a.currency != Currency::EUR || a.minor < 1 || a.minor > MAX_AMOUNT_MINOR {
                return Err(EpcError::Amount);
            }
        }
        let purpose = purpose
            .map(|p| p.trim().to_ascii_uppercase())
            .filter(|p| !p.is_empty())
            .map(|p| {
                if p.len() == 4 && p.chars().all(|c| c.is_ascii_alphabetic()) {
                    Ok(p)
                } else {
                    Err(EpcError::Purpose)
                }
            })
            .transpose()?;
        let remittance = match remittance {
            Remittance::Reference(r) => Remittance::Reference(r),
            Remittance::Text(t) => Remittance::Text(bounded(&t, MAX_TEXT, EpcError::Text)?),
        };
        let information = match information.map(transliterate).filter(|i| !i.is_empty()) {
            Some(i) if i.chars().count() > MAX_INFO => return Err(EpcError::Information),
            other => other,
        };
        let payment = EpcPayment {
            beneficiary_name,
            iban,
            bic,
            amount,
            purpose,
            remittance,
            information,
        };
        let len = payment.payload().len();
        if len > MAX_PAYLOAD_BYTES {
            return Err(EpcError::TooLong(len));
        }
        Ok(payment)
    }

    /// The text encoded in the QR code: twelve lines at most, empty lines kept for optional fields
    /// in the middle, trailing empty fields and the final line feed left out.
    pub fn payload(&self) -> String {
        let amount = self
            .amount
            .map(|a| format!("EUR{}", a.decimal()))
            .unwrap_or_default();
        let (reference, text) = match &self.remittance {
            Remittance::Reference(r) => (r.as_str().to_string(), String::new()),
            Remittance::Text(t) => (String::new(), t.clone()),
        };
        let mut lines = vec![
            "BCD".to_string(),
            "002".to_string(),
            "1".to_string(),
            "SCT".to_string(),
            self.bic.clone().unwrap_or_default(),
            self.beneficiary_name.clone(),
            self.iban.as_str().to_string(),
            amount,
            self.purpose.clone().unwrap_or_default(),
            reference,
            text,
            self.information.clone().unwrap_or_default(),
        ];
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines.join("\n")
    }

    /// Reads a payload back (version 001 or 002, UTF-8), applying the same rules as [`EpcPayment::new`].
    pub fn parse(payload: &str) -> Result<EpcPayment, EpcError> {
        let bad = |what: &str| EpcError::Malformed(what.to_string());
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(EpcError::TooLong(payload.len()));
        }
        let lines: Vec<&str> = payload
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        if lines.len() < 7 || lines.len() > 12 {
            return Err(bad("it needs 7 to 12 lines"));
        }
        if lines[0] != "BCD"
            || !matches!(lines[1], "001" | "002")
            || lines[2] != "1"
            || lines[3] != "SCT"
        {
            return Err(bad("the header must be BCD, 001 or 002, 1 (UTF-8), SCT"));
        }
        let field = |i: usize| lines.get(i).copied().filter(|l| !l.is_empty());
        let iban = Iban::parse(lines[6]).map_err(|_| bad("the IBAN is not valid"))?;
        let amount = match field(7) {
            None => None,
            Some(a) => {
                let digits = a.strip_prefix("EUR").ok_or(EpcError::Amount)?;
                let money = Money::parse(digits, crate::domain::Language::En, Currency::EUR)
                    .map_err(|_| EpcError::Amount)?;
                if digits.contains(',') {
                    return Err(EpcError::Amount);
                }
                Some(money)
            }
        };
        let remittance = match (field(9), field(10)) {
            (Some(r), None) => Remittance::Reference(
                RfReference::parse(r).map_err(|_| bad("the RF reference is not valid"))?,
            ),
            (None, Some(t)) => Remittance::Text(t.to_string()),
            _ => {
                return Err(bad(
                    "exactly one of reference (line 10) and text (line 11) must be given",
                ))
            }
        };
        let payment = EpcPayment::new(
            lines[5],
            iban,
            field(4),
            amount,
            field(8),
            remittance,
            field(11),
        )?;
        if payment.payload() != payload.replace("\r\n", "\n") {
            return Err(bad(
                "it contains characters outside the SEPA set or misplaced empty lines",
            ));
        }
        Ok(payment)
    }

    fn qr(&self) -> Result<QrCode, EpcError> {
        let code = QrCode::with_error_correction_level(self.payload().as_bytes(), EcLevel::M)
            .map_err(|_| EpcError::QrTooLarge)?;
        match code.version() {
            Version::Normal(v) if v <= 13 => Ok(code),
            _ => Err(EpcError::QrTooLarge),
        }
    }

    /// The QR code as an SVG image (error correction M, with quiet zone).
    pub fn qr_svg(&self) -> Result<String, EpcError> {
        Ok(self
            .qr()?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build())
    }

    /// The QR code's modules, row by row (`true` is dark), and the width; for raster rendering.
    pub fn qr_modules(&self) -> Result<(usize, Vec<bool>), EpcError> {
        let code = self.qr()?;
        Ok((
            code.width(),
            code.to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iban() -> Iban {
        Iban::parse("DE89370400440532013000").expect("valid")
    }

    fn rf() -> RfReference {
        RfReference::parse("RF31AKTE2024000123").expect("valid")
    }

    #[test]
    fn builds_the_reference_payload_exactly() {
        let p = EpcPayment::new(
            "Muster Inkasso GmbH",
            iban(),
            None,
            Some(Money::new(12_345, Currency::EUR)),
            None,
            Remittance::Reference(rf()),
            None,
        )
        .expect("valid");
        let expected = "BCD\n002\n1\nSCT\n\nMuster Inkasso GmbH\nDE89370400440532013000\nEUR123.45\n\nRF31AKTE2024000123";
        assert_eq!(p.payload(), expected);
        // The domain reference says 88 bytes for this example; counted line by line it is
        // 4+4+2+4+1+20+23+10+1+18 = 87 (no trailing line feed, as the standard requires).
        assert_eq!(p.payload().len(), 87);
        assert_eq!(EpcPayment::parse(expected), Ok(p));
    }

    #[test]
    fn free_text_goes_to_line_eleven_and_information_to_line_twelve() {
        let p = EpcPayment::new(
            "Müller & Söhne – Inkasso",
            iban(),
            Some("cobadeffxxx"),
            None,
            Some("gdds"),
            Remittance::Text("Rechnung 4711 für Größe 42".into()),
            Some("Danke!"),
        )
        .expect("valid");
        assert_eq!(
            p.payload(),
            "BCD\n002\n1\nSCT\nCOBADEFFXXX\nMueller + Soehne - Inkasso\nDE89370400440532013000\n\nGDDS\n\nRechnung 4711 fuer Groesse 42\nDanke"
        );
        assert_eq!(EpcPayment::parse(&p.payload()), Ok(p));
    }

    #[test]
    fn every_rule_is_enforced() {
        let text = || Remittance::Text("x".into());
        let eur = |m| Some(Money::new(m, Currency::EUR));
        assert_eq!(
            EpcPayment::new("", iban(), None, None, None, text(), None),
            Err(EpcError::Name)
        );
        assert_eq!(
            EpcPayment::new("€€€", iban(), None, None, None, text(), None),
            Err(EpcError::Name)
        );
        assert_eq!(
            EpcPayment::new(&"a".repeat(71), iban(), None, None, None, text(), None),
            Err(EpcError::Name)
        );
        assert_eq!(
            EpcPayment::new("A", iban(), Some("COBADEF"), None, None, text(), None),
            Err(EpcError::Bic)
        );
        assert_eq!(
            EpcPayment::new("A", iban(), None, eur(0), None, text(), None),
            Err(EpcError::Amount)
        );
        assert_eq!(
            EpcPayment::new("A", iban(), None, eur(100_000_000_000), None, text(), None),
            Err(EpcError::Amount)
        );
        let chf = Some(Money::new(100, Currency::parse("CHF").expect("valid")));
        assert_eq!(
            EpcPayment::new("A", iban(), None, chf, None, text(), None),
            Err(EpcError::Amount)
        );
        assert_eq!(
            EpcPayment::new("A", iban(), None, None, Some("GDD1"), text(), None),
            Err(EpcError::Purpose)
        );
        let long_text = Remittance::Text("a".repeat(141));
        assert_eq!(
            EpcPayment::new("A", iban(), None, None, None, long_text, None),
            Err(EpcError::Text)
        );
        assert_eq!(
            EpcPayment::new("A", iban(), None, None, None, text(), Some(&"i".repeat(71))),
            Err(EpcError::Information)
        );
        assert!(
            EpcPayment::new("A", iban(), None, eur(99_999_999_999), None, text(), None).is_ok()
        );
    }

    #[test]
    fn reading_refuses_what_the_standard_forbids() {
        let base = "BCD\n002\n1\nSCT\n\nA\nDE89370400440532013000\nEUR1.00\n\n";
        assert!(
            EpcPayment::parse(&format!("{base}RF31AKTE2024000123\nText")).is_err(),
            "reference and text"
        );
        assert!(
            EpcPayment::parse(base.trim_end()).is_err(),
            "neither reference nor text"
        );
        assert!(
            EpcPayment::parse(&format!("{base}RF31AKTE2024000124")).is_err(),
            "bad RF check digits"
        );
        assert!(
            EpcPayment::parse("BCD\n003\n1\nSCT\n\nA\nDE89370400440532013000\n\n\n\nx").is_err(),
            "version"
        );
        assert!(
            EpcPayment::parse("BCD\n002\n1\nSCT\n\nA\nDE89370400440532013000\nEUR1,00\n\n\nx")
                .is_err()
        );
        assert!(
            EpcPayment::parse("BCD\n002\n1\nSCT\n\nÄrger\nDE89370400440532013000\n\n\n\nx")
                .is_err(),
            "charset"
        );
        assert!(EpcPayment::parse(
            "BCD\r\n002\r\n1\r\nSCT\r\n\r\nA\r\nDE89370400440532013000\r\n\r\n\r\n\r\nx"
        )
        .is_ok());
    }

    #[test]
    fn the_qr_code_uses_error_correction_m_and_stays_within_version_13() {
        let longest = |text_len: usize| {
            EpcPayment::new(
                &"N".repeat(70),
                iban(),
                Some("COBADEFFXXX"),
                Some(Money::new(99_999_999_999, Currency::EUR)),
                Some("GDDS"),
                Remittance::Text("t".repeat(text_len)),
                Some(&"i".repeat(70)),
            )
        };
        // Every field at its own maximum adds up to 353 bytes: the 331-byte limit binds on its own.
        assert_eq!(longest(140), Err(EpcError::TooLong(353)));
        let p = longest(118).expect("the longest payload that fits");
        assert_eq!(p.payload().len(), MAX_PAYLOAD_BYTES);
        let (width, modules) = p.qr_modules().expect("fits");
        assert!(width <= 17 + 4 * 13);
        assert_eq!(modules.len(), width * width);
        let svg = p.qr_svg().expect("svg");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
    }

    fn sepa_text(max: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[A-Za-z0-9/?:().,'+ äöüßÄÖÜéè&–-]{{1,{max}}}"))
            .expect("regex")
    }

    proptest! {
        #[test]
        fn every_accepted_payment_fits_and_reads_back_to_the_same_fields(
            name in sepa_text(80),
            text in sepa_text(150),
            info in proptest::option::of(sepa_text(80)),
            minor in proptest::option::of(0i64..100_000_000_000),
            use_reference in any::<bool>(),
            payload in "[A-Z0-9]{1,21}",
        ) {
            let remittance = if use_reference {
                Remittance::Reference(RfReference::create(&payload).expect("valid"))
            } else {
                Remittance::Text(text)
            };
            let amount = minor.map(|m| Money::new(m, Currency::EUR));
            if let Ok(p) = EpcPayment::new(&name, iban(), None, amount, None, remittance, info.as_deref()) {
                let encoded = p.payload();
                prop_assert!(encoded.len() <= MAX_PAYLOAD_BYTES);
                prop_assert!(encoded.is_ascii());
                prop_assert!(!encoded.ends_with('\n'));
                prop_assert_eq!(EpcPayment::parse(&encoded), Ok(p.clone()));
                prop_assert!(p.qr_modules().is_ok());
            }
        }
    }
}
