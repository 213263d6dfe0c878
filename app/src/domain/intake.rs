//! Claim intake: one row of a hand-over (CSV today, the API later) checked against what § 13a RDG
//! requires the debtor to be told, with every problem named by its column.

use crate::domain::references::Iban;
use crate::domain::{Currency, Language, Money};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The columns of a hand-over file, in the documented order; `*` in [`REQUIRED`] marks the
/// mandatory ones.
pub const COLUMNS: [&str; 24] = [
    "external_id",
    "customer_number",
    "debtor_kind",
    "debtor_name",
    "street",
    "postcode",
    "city",
    "country",
    "email",
    "phone",
    "language",
    "iban",
    "treatment_class",
    "subject",
    "contract_date",
    "due_date",
    "principal",
    "address_researched",
    "interest",
    "interest_rate",
    "interest_from",
    "interest_to",
    "costs",
    "costs_description",
];

/// The columns that must have a value.
pub const REQUIRED: [&str; 10] = [
    "external_id",
    "customer_number",
    "debtor_name",
    "street",
    "postcode",
    "city",
    "subject",
    "contract_date",
    "due_date",
    "principal",
];

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntakeProblem {
    /// The column is empty but required.
    Required,
    /// Not a date (YYYY-MM-DD or DD.MM.YYYY).
    InvalidDate,
    /// Not a positive amount in euro.
    InvalidAmount,
    /// Not an email address.
    InvalidEmail,
    /// A German postcode must have five digits.
    InvalidPostcode,
    /// Not a valid IBAN (checksum or format).
    InvalidIban,
    /// `consumer` or `business`.
    InvalidKind,
    /// `de` or `en`.
    InvalidLanguage,
    /// The due date lies before the contract date.
    DueBeforeContract,
    /// Longer than the column allows.
    TooLong {
        /// The largest number of characters.
        max: usize,
    },
    /// No treatment class with this key at the creditor.
    UnknownClass,
    /// The same external id appears earlier in the file.
    Duplicate,
    /// Not yes or no.
    InvalidFlag,
    /// Not an interest rate in percent a year (more than 0, at most 30).
    InvalidRate,
    /// The end of the interest period lies before its start.
    PeriodReversed,
    /// Default interest cannot run before the claim was due.
    BeforeDue,
}

impl IntakeProblem {
    /// The problem in words (English: reports are read by the creditor's IT and support).
    pub fn describe(&self) -> String {
        match self {
            IntakeProblem::Required => "is required".into(),
            IntakeProblem::InvalidDate => "is not a date (YYYY-MM-DD or DD.MM.YYYY)".into(),
            IntakeProblem::InvalidAmount => "is not a positive amount in euro (e.g. 149.90)".into(),
            IntakeProblem::InvalidEmail => "is not an email address".into(),
            IntakeProblem::InvalidPostcode => "is not a German postcode (five digits)".into(),
            IntakeProblem::InvalidIban => "is not a valid IBAN".into(),
            IntakeProblem::InvalidKind => "must be consumer or business".into(),
            IntakeProblem::InvalidLanguage => "must be de or en".into(),
            IntakeProblem::DueBeforeContract => "lies before the contract date".into(),
            IntakeProblem::TooLong { max } => format!("is longer than {max} characters"),
            IntakeProblem::UnknownClass => "is not a treatment class of this creditor".into(),
            IntakeProblem::Duplicate => "appears earlier in the file".into(),
            IntakeProblem::InvalidFlag => "must be yes or no (ja/nein, true/false, 1/0)".into(),
            IntakeProblem::InvalidRate => {
                "is not an interest rate in percent a year (e.g. 9.12; more than 0, at most 30)"
                    .into()
            }
            IntakeProblem::PeriodReversed => "lies before interest_from".into(),
            IntakeProblem::BeforeDue => "lies before the due date".into(),
        }
    }
}

/// A checked row: one claim of one debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRow {
    /// The creditor's own id of the claim; importing it again changes nothing.
    pub external_id: String,
    /// The creditor's customer number: rows with the same number are the same debtor.
    pub customer_number: String,
    /// `consumer` or `business`.
    pub debtor_kind: String,
    /// The debtor's full name (or the company's).
    pub debtor_name: String,
    /// Street and house number.
    pub street: String,
    /// Postcode (five digits in Germany).
    pub postcode: String,
    /// Town or city.
    pub city: String,
    /// ISO country code (`DE` unless given).
    pub country: String,
    /// Where emails go, if the creditor knows it.
    pub email: Option<String>,
    /// A phone number, if known.
    pub phone: Option<String>,
    /// The debtor's language (German unless given).
    pub language: Language,
    /// The debtor's account, for matching payments.
    pub iban: Option<Iban>,
    /// The key of the creditor's treatment class (`standard` unless given).
    pub treatment_class: String,
    /// What the claim is for (contract subject).
    pub subject: String,
    /// When the contract was made.
    pub contract_date: NaiveDate,
    /// When payment was due.
    pub due_date: NaiveDate,
    /// The principal amount.
    pub principal: Money,
    /// The debtor's address was not given by the creditor but researched (§ 13a (1) no. 7 RDG):
    /// the debtor is told so and how to report a wrong address.
    pub address_researched: bool,
    /// Default interest the creditor charged up to the hand-over, with rate and period (§ 13a (1)
    /// no. 5 RDG: the debtor must be able to follow it).
    pub interest: Option<InterestCharge>,
    /// Costs the creditor charged (reminder fees), with what they are for.
    pub costs: Option<CostCharge>,
}

/// Interest handed over with a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestCharge {
    /// The interest amount.
    pub amount: Money,
    /// The rate in basis points a year (9.12 % = 912).
    pub rate_bp: i64,
    /// The first and last day interest ran.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

/// Costs handed over with a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostCharge {
    /// The amount.
    pub amount: Money,
    /// What they are for, as the debtor reads it (e.g. "Mahngebühren 2 × 2,50 €").
    pub description: String,
}

/// A date column: `None` when empty or not a date (then the problem is named).
fn dated(
    value: &str,
    column: &str,
    problems: &mut Vec<(String, IntakeProblem)>,
) -> Option<NaiveDate> {
    if value.is_empty() {
        return None;
    }
    let d = date(value);
    if d.is_none() {
        problems.push((column.into(), IntakeProblem::InvalidDate));
    }
    d
}

/// A rate in percent a year as typed (`9.12`, `9,12`, `5`), in basis points: more than 0, at
/// most 30 %.
pub fn rate_bp(value: &str) -> Option<i64> {
    let v = value.trim().trim_end_matches('%').trim().replace(',', ".");
    let (whole, frac) = v.split_once('.').unwrap_or((&v, ""));
    if whole.is_empty() || whole.len() > 2 || frac.len() > 2 {
        return None;
    }
    if !whole
        .chars()
        .chain(frac.chars())
        .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    let bp = whole * 100 + frac;
    (1..=3_000).contains(&bp).then_some(bp)
}

/// A date as spreadsheets and systems write it: `YYYY-MM-DD` or `DD.MM.YYYY`.
pub fn date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d.%m.%Y"))
        .ok()
}

/// A positive amount as spreadsheets write it: `149.90`, `149,90`, `1.149,90` or `1,149.90`.
pub fn amount(value: &str) -> Option<Money> {
    let german = match (value.rfind(','), value.rfind('.')) {
        (Some(c), Some(d)) => c > d,
        (Some(_), None) => true,
        _ => false,
    };
    let lang = if german { Language::De } else { Language::En };
    Money::parse(value, lang, Currency::EUR)
        .ok()
        .filter(|m| m.minor > 0)
}

fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
}

/// Checks one row (column name → raw value). Every problem is reported, not just the first.
pub fn check_row(row: &BTreeMap<String, String>) -> Result<ClaimRow, Vec<(String, IntakeProblem)>> {
    let mut problems: Vec<(String, IntakeProblem)> = Vec::new();
    let get = |c: &str| row.get(c).map(|v| v.trim()).unwrap_or_default().to_string();
    for column in REQUIRED {
        if get(column).is_empty() {
            problems.push((column.into(), IntakeProblem::Required));
        }
    }
    for (column, max) in [
        ("external_id", 64),
        ("customer_number", 64),
        ("debtor_name", 200),
        ("street", 200),
        ("city", 100),
        ("subject", 300),
        ("phone", 40),
    ] {
        if get(column).chars().count() > max {
            problems.push((column.into(), IntakeProblem::TooLong { max }));
        }
    }
    let kind = match get("debtor_kind").to_lowercase().as_str() {
        "" | "consumer" => "consumer",
        "business" => "business",
        _ => {
            problems.push(("debtor_kind".into(), IntakeProblem::InvalidKind));
            "consumer"
        }
    };
    let country = match get("country").to_uppercase().as_str() {
        "" | "DE" | "DEUTSCHLAND" | "GERMANY" => "DE".to_string(),
        other => other.to_string(),
    };
    let postcode = get("postcode");
    if country == "DE"
        && !postcode.is_empty()
        && !(postcode.len() == 5 && postcode.chars().all(|c| c.is_ascii_digit()))
    {
        problems.push(("postcode".into(), IntakeProblem::InvalidPostcode));
    }
    let email = Some(get("email")).filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !plausible_email(e)) {
        problems.push(("email".into(), IntakeProblem::InvalidEmail));
    }
    let language = match get("language").to_lowercase().as_str() {
        "" | "de" => Language::De,
        "en" => Language::En,
        _ => {
            problems.push(("language".into(), IntakeProblem::InvalidLanguage));
            Language::De
        }
    };
    let iban = match get("iban") {
        v if v.is_empty() => None,
        v => match Iban::parse(&v) {
            Ok(i) => Some(i),
            Err(_) => {
                problems.push(("iban".into(), IntakeProblem::InvalidIban));
                None
            }
        },
    };
    let mut parse_date = |column: &str| {
        let v = get(column);
        if v.is_empty() {
            return None;
        }
        let d = date(&v);
        if d.is_none() {
            problems.push((column.into(), IntakeProblem::InvalidDate));
        }
        d
    };
    let contract_date = parse_date("contract_date");
    let due_date = parse_date("due_date");
    if let (Some(c), Some(d)) = (contract_date, due_date) {
        if d < c {
            problems.push(("due_date".into(), IntakeProblem::DueBeforeContract));
        }
    }
    let principal = match get("principal") {
        v if v.is_empty() => None,
        v => {
            let m = amount(&v);
            if m.is_none() {
                problems.push(("principal".into(), IntakeProblem::InvalidAmount));
            }
            m
        }
    };
    let address_researched = match get("address_researched").to_lowercase().as_str() {
        "" | "no" | "nein" | "false" | "0" => false,
        "yes" | "ja" | "true" | "1" => true,
        _ => {
            problems.push(("address_researched".into(), IntakeProblem::InvalidFlag));
            false
        }
    };
    let class = Some(get("treatment_class"))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "standard".into());
    // Interest: all four columns or none.
    let interest_columns = ["interest", "interest_rate", "interest_from", "interest_to"];
    let interest = if interest_columns.iter().any(|c| !get(c).is_empty()) {
        for c in interest_columns {
            if get(c).is_empty() {
                problems.push((c.into(), IntakeProblem::Required));
            }
        }
        let amount_of = match get("interest") {
            v if v.is_empty() => None,
            v => {
                let m = amount(&v);
                if m.is_none() {
                    problems.push(("interest".into(), IntakeProblem::InvalidAmount));
                }
                m
            }
        };
        let rate = match get("interest_rate") {
            v if v.is_empty() => None,
            v => {
                let r = rate_bp(&v);
                if r.is_none() {
                    problems.push(("interest_rate".into(), IntakeProblem::InvalidRate));
                }
                r
            }
        };
        let from = dated(&get("interest_from"), "interest_from", &mut problems);
        let to = dated(&get("interest_to"), "interest_to", &mut problems);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                problems.push(("interest_to".into(), IntakeProblem::PeriodReversed));
            }
        }
        if let (Some(f), Some(d)) = (from, due_date) {
            if f <= d {
                problems.push(("interest_from".into(), IntakeProblem::BeforeDue));
            }
        }
        match (amount_of, rate, from, to) {
            (Some(amount), Some(rate_bp), Some(from), Some(to)) => Some(InterestCharge {
                amount,
                rate_bp,
                from,
                to,
            }),
            _ => None,
        }
    } else {
        None
    };
    let costs = match (get("costs"), get("costs_description")) {
        (c, d) if c.is_empty() && d.is_empty() => None,
        (c, d) => {
            if c.is_empty() {
                problems.push(("costs".into(), IntakeProblem::Required));
            }
            if d.is_empty() {
                problems.push(("costs_description".into(), IntakeProblem::Required));
            } else if d.chars().count() > 200 {
                problems.push((
                    "costs_description".into(),
                    IntakeProblem::TooLong { max: 200 },
                ));
            }
            let m = (!c.is_empty()).then(|| amount(&c)).flatten();
            if !c.is_empty() && m.is_none() {
                problems.push(("costs".into(), IntakeProblem::InvalidAmount));
            }
            m.map(|amount| CostCharge {
                amount,
                description: d,
            })
        }
    };
    match (contract_date, due_date, principal, problems.is_empty()) {
        (Some(contract_date), Some(due_date), Some(principal), true) => Ok(ClaimRow {
            external_id: get("external_id"),
            customer_number: get("customer_number"),
            debtor_kind: kind.into(),
            debtor_name: get("debtor_name"),
            street: get("street"),
            postcode,
            city: get("city"),
            country,
            email,
            phone: Some(get("phone")).filter(|p| !p.is_empty()),
            language,
            iban,
            treatment_class: class,
            subject: get("subject"),
            contract_date,
            due_date,
            principal,
            address_researched,
            interest,
            costs,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests;
