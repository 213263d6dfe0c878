//! Money as integer minor units with an ISO 4217 currency. Never floats.

use crate::domain::Language;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code (three upper-case ASCII letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// The euro, the currency of nearly every claim Rapport handles.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a three-letter code; lower case is accepted and upper-cased.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let bytes = code.trim().as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::InvalidCurrency(code.to_string()));
        }
        Ok(Currency([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }

    /// The code as text, e.g. `EUR`.
    pub fn code(&self) -> &str {
        // The constructor only admits ASCII letters, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    fn symbol(&self) -> Option<&'static str> {
        match &self.0 {
            b"EUR" => Some("€"),
            b"GBP" => Some("£"),
            b"USD" => Some("$"),
            _ => None,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a money operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MoneyError {
    #[error("'{0}' is not a three-letter currency code")]
    /// The text is not a three-letter currency code.
    InvalidCurrency(String),
    #[error("cannot combine amounts in {0} and {1}")]
    /// Two amounts in different currencies were combined.
    CurrencyMismatch(String, String),
    #[error("the amount is too large")]
    /// The result does not fit into 64-bit minor units.
    Overflow,
    #[error("'{0}' is not an amount")]
    /// The text is not an amount in the expected notation.
    InvalidAmount(String),
    #[error("cannot split into zero parts")]
    /// An amount was split into zero parts.
    ZeroParts,
}

/// Where the cents that do not divide evenly go when an amount is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Remainder {
    /// The first parts are one cent larger (e.g. 100.00 / 3 = 33.34, 33.33, 33.33).
    First,
    /// The last parts are one cent larger (e.g. 100.00 / 3 = 33.33, 33.33, 33.34).
    Last,
}

/// An amount of money: integer minor units (cents) and a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents for EUR). Negative for credits.
    pub minor: i64,
    /// The currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// An amount in minor units.
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in the given currency.
    pub fn zero(currency: Currency) -> Money {
        Money::new(0, currency)
    }

    /// Adds two amounts of the same currency; a different currency or an overflow is an error.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Subtracts `other`; a different currency or an overflow is an error.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|m| Money::new(m, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Sums amounts that must all be in `currency`.
    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        items: I,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code().to_string(),
                other.currency.code().to_string(),
            ))
        }
    }

    /// Splits a non-negative amount into `parts` amounts that add up exactly to it; the cents that do
    /// not divide evenly go one each to the parts named by `remainder`.
    pub fn split(self, parts: u32, remainder: Remainder) -> Result<Vec<Money>, MoneyError> {
        if parts == 0 {
            return Err(MoneyError::ZeroParts);
        }
        let n = i64::from(parts);
        let (base, extra) = (self.minor.div_euclid(n), self.minor.rem_euclid(n));
        Ok((0..n)
            .map(|i| {
                let bump = match remainder {
                    Remainder::First => i < extra,
                    Remainder::Last => i >= n - extra,
                };
                Money::new(base + i64::from(bump), self.currency)
            })
            .collect())
    }

    /// Parses an amount typed by a person in `lang`'s notation: `1.234,56`, `1234,5`, `1.234 €` in
    /// German; `1,234.56`, `€1234.5` in English. A currency symbol or code may stand before or after;
    /// more than two decimals, a misplaced separator or any other text is an error.
    pub fn parse(input: &str, lang: Language, currency: Currency) -> Result<Money, MoneyError> {
        let invalid = || MoneyError::InvalidAmount(input.to_string());
        let mut text: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
            .collect();
        // The sign may stand before or after the currency marker: `-€1.00`, `€-1.00`, `-1,00 €`.
        let mut negative = false;
        if let Some(rest) = text.strip_prefix('-') {
            negative = true;
            text = rest.to_string();
        }
        for marker in [currency.code(), currency.symbol().unwrap_or("\u{0}")] {
            if let Some(rest) = text.strip_prefix(marker) {
                text = rest.to_string();
            } else if let Some(rest) = text.strip_suffix(marker) {
                text = rest.to_string();
            }
        }
        if let Some(rest) = text.strip_prefix('-').filter(|_| !negative) {
            negative = true;
            text = rest.to_string();
        }
        let text = text.as_str();
        let (group, decimal) = match lang {
            Language::De => ('.', ','),
            Language::En => (',', '.'),
        };
        let (whole, fraction) = match text.split_once(decimal) {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        if whole.is_empty() || fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid());
        }
        // Grouping separators are optional, but where present they must separate groups of three.
        let groups: Vec<&str> = whole.split(group).collect();
        let grouped_ok = groups.len() == 1
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3));
        if !grouped_ok || !groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit())) {
            return Err(invalid());
        }
        let units: i64 = groups.concat().parse().map_err(|_| invalid())?;
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        let minor = units
            .checked_mul(100)
            .and_then(|m| m.checked_add(cents))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(if negative { -minor } else { minor }, currency))
    }

    /// The amount for machines: `-1234.56`, no grouping, no currency (JSON, exports, payment
    /// codes).
    pub fn decimal(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Formats for display: `1.234,56 €` in German, `€1,234.56` in English. Currencies without a
    /// symbol show their code (`1.234,56 CHF`, `CHF 1,234.56`).
    pub fn format(&self, lang: Language) -> String {
        let negative = self.minor < 0;
        let abs = self.minor.unsigned_abs();
        let (units, cents) = (abs / 100, abs % 100);
        let (group, decimal) = match lang {
            Language::De => ('.', ','),
            Language::En => (',', '.'),
        };
        let digits = units.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(ch);
        }
        let number = format!("{grouped}{decimal}{cents:02}");
        let sign = if negative { "-" } else { "" };
        match (lang, self.currency.symbol()) {
            (Language::De, Some(sym)) => format!("{sign}{number}\u{a0}{sym}"),
            (Language::De, None) => format!("{sign}{number}\u{a0}{}", self.currency.code()),
            (Language::En, Some(sym)) => format!("{sign}{sym}{number}"),
            (Language::En, None) => format!("{sign}{}\u{a0}{number}", self.currency.code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn decimal_text_for_machines() {
        assert_eq!(Money::new(14_990, Currency::EUR).decimal(), "149.90");
        assert_eq!(Money::new(5, Currency::EUR).decimal(), "0.05");
        assert_eq!(Money::new(-1_200, Currency::EUR).decimal(), "-12.00");
        assert_eq!(
            Money::new(123_456_789, Currency::EUR).decimal(),
            "1234567.89"
        );
    }

    #[test]
    fn splitting_puts_the_remainder_cents_where_asked() {
        let parts = eur(10_000).split(3, Remainder::First).expect("parts");
        assert_eq!(parts, vec![eur(3_334), eur(3_333), eur(3_333)]);
        let parts = eur(10_000).split(3, Remainder::Last).expect("parts");
        assert_eq!(parts, vec![eur(3_333), eur(3_333), eur(3_334)]);
        assert_eq!(
            eur(2).split(4, Remainder::Last).expect("parts"),
            vec![eur(0), eur(0), eur(1), eur(1)]
        );
        assert_eq!(eur(1).split(0, Remainder::Last), Err(MoneyError::ZeroParts));
    }

    #[test]
    fn parses_what_people_type_in_each_language() {
        let de = |s| Money::parse(s, Language::De, Currency::EUR);
        let en = |s| Money::parse(s, Language::En, Currency::EUR);
        assert_eq!(de("1.234,56 €"), Ok(eur(123_456)));
        assert_eq!(de("1234,5"), Ok(eur(123_450)));
        assert_eq!(de("EUR 12"), Ok(eur(1_200)));
        assert_eq!(de("-40,00"), Ok(eur(-4_000)));
        assert_eq!(en("€1,234.56"), Ok(eur(123_456)));
        assert_eq!(en("1234.5 EUR"), Ok(eur(123_450)));
        for bad in [
            "",
            "12,345",
            "1.23.4",
            "1,2345",
            "12a",
            "1.2345,00",
            ",50",
            "1,234.567",
        ] {
            assert!(de(bad).is_err() || bad == "12,345", "de accepted {bad:?}");
            assert!(en(bad).is_err() || bad == "12,345", "en accepted {bad:?}");
        }
        assert_eq!(en("12,345"), Ok(eur(1_234_500)), "a grouped English amount");
        assert!(de("12,345").is_err(), "three decimals in German");
        assert!(de("99999999999999999999").is_err());
    }

    proptest! {
        #[test]
        fn split_parts_add_up_and_differ_by_at_most_one_cent(minor in 0i64..10_000_000_000, parts in 1u32..500) {
            for remainder in [Remainder::First, Remainder::Last] {
                let split = eur(minor).split(parts, remainder).expect("parts");
                prop_assert_eq!(split.len(), parts as usize);
                prop_assert_eq!(Money::sum(Currency::EUR, split.clone()).expect("sum"), eur(minor));
                let (lo, hi) = (split.iter().map(|m| m.minor).min(), split.iter().map(|m| m.minor).max());
                prop_assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1));
            }
        }

        #[test]
        fn formatted_amounts_parse_back(minor in -10_000_000_000i64..10_000_000_000) {
            for lang in Language::ALL {
                let text = eur(minor).format(lang);
                prop_assert_eq!(Money::parse(&text, lang, Currency::EUR), Ok(eur(minor)));
            }
        }
    }

    #[test]
    fn formats_amounts_for_each_language() {
        let cases = [
            (123_456, "1.234,56\u{a0}€", "€1,234.56"),
            (5, "0,05\u{a0}€", "€0.05"),
            (100_000_000, "1.000.000,00\u{a0}€", "€1,000,000.00"),
            (-4_000, "-40,00\u{a0}€", "-€40.00"),
            (0, "0,00\u{a0}€", "€0.00"),
        ];
        for (minor, de, en) in cases {
            assert_eq!(eur(minor).format(Language::De), de);
            assert_eq!(eur(minor).format(Language::En), en);
        }
        let chf = Money::new(150, Currency::parse("chf").expect("valid"));
        assert_eq!(chf.format(Language::De), "1,50\u{a0}CHF");
        assert_eq!(chf.format(Language::En), "CHF\u{a0}1.50");
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let chf = Money::new(1, Currency::parse("CHF").expect("valid"));
        assert!(matches!(
            eur(1).checked_add(chf),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(eur(i64::MIN).checked_sub(eur(1)), Err(MoneyError::Overflow));
        assert_eq!(
            Money::sum(Currency::EUR, [eur(1), eur(2), eur(3)]),
            Ok(eur(6))
        );
    }

    #[test]
    fn currency_codes_must_be_three_letters() {
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert_eq!(Currency::parse(" eur ").expect("valid"), Currency::EUR);
    }
}
