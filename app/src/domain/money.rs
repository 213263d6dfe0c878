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
    InvalidCurrency(String),
    #[error("cannot combine amounts in {0} and {1}")]
    CurrencyMismatch(String, String),
    #[error("the amount is too large")]
    Overflow,
}

/// An amount of money: integer minor units (cents) and a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents for EUR). Negative for credits.
    pub minor: i64,
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

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
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
