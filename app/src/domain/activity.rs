//! Customer activity: what a debtor did at the creditor after (or besides) a case — an order, a
//! renewal, an invoice paid on time, a closed account. The creditor reports it by its own event id
//! and customer number; retention figures are computed from these rows only.

use crate::domain::intake::{amount, date};
use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fields of a reported activity, in the documented order.
pub const FIELDS: [&str; 5] = ["event_id", "customer_number", "kind", "date", "amount"];

/// What the customer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityKind {
    /// A new order.
    Order,
    /// A contract renewed or extended.
    Renewal,
    /// An invoice paid on time.
    PaidOnTime,
    /// The customer closed the account or ended the contract.
    AccountClosed,
}

impl ActivityKind {
    /// Every kind, in the documented order.
    pub const ALL: [ActivityKind; 4] = [
        ActivityKind::Order,
        ActivityKind::Renewal,
        ActivityKind::PaidOnTime,
        ActivityKind::AccountClosed,
    ];

    /// The code in files, the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Order => "order",
            ActivityKind::Renewal => "renewal",
            ActivityKind::PaidOnTime => "paid_on_time",
            ActivityKind::AccountClosed => "account_closed",
        }
    }

    /// The kind of a code.
    pub fn from_code(code: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the customer came back: an order or a renewal (what retention counts).
    pub fn is_return(self) -> bool {
        matches!(self, ActivityKind::Order | ActivityKind::Renewal)
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityProblem {
    /// The field is empty but required.
    Required,
    /// Longer than the field allows.
    TooLong {
        /// The largest number of characters.
        max: usize,
    },
    /// Not one of the kinds.
    UnknownKind,
    /// Not a date.
    InvalidDate,
    /// Activities are reported after they happen.
    InFuture,
    /// Not a positive amount.
    InvalidAmount,
}

impl ActivityProblem {
    /// The problem in words (English, like the intake reports).
    pub fn describe(&self) -> String {
        match self {
            ActivityProblem::Required => "is required".into(),
            ActivityProblem::TooLong { max } => format!("is longer than {max} characters"),
            ActivityProblem::UnknownKind => {
                "must be order, renewal, paid_on_time or account_closed".into()
            }
            ActivityProblem::InvalidDate => "is not a date (YYYY-MM-DD or DD.MM.YYYY)".into(),
            ActivityProblem::InFuture => "lies in the future".into(),
            ActivityProblem::InvalidAmount => {
                "is not a positive amount in euro (e.g. 149.90)".into()
            }
        }
    }
}

/// A checked activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// The creditor's id of the event; reporting it again changes nothing.
    pub event_id: String,
    /// The creditor's customer number, as in the claims handed over.
    pub customer_number: String,
    /// What the customer did.
    pub kind: ActivityKind,
    /// When it happened.
    pub date: NaiveDate,
    /// The order's or contract's value, if the creditor gives it.
    pub amount: Option<Money>,
}

/// Checks one reported activity; every problem is named by its field. `today` bounds the date.
pub fn check_activity(
    fields: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Activity, Vec<(String, ActivityProblem)>> {
    let get = |f: &str| fields.get(f).map(|v| v.trim()).unwrap_or_default();
    let mut problems = Vec::new();
    for (field, max) in [("event_id", 64), ("customer_number", 64)] {
        let v = get(field);
        if v.is_empty() {
            problems.push((field.to_string(), ActivityProblem::Required));
        } else if v.chars().count() > max {
            problems.push((field.to_string(), ActivityProblem::TooLong { max }));
        }
    }
    let kind = match get("kind") {
        "" => {
            problems.push(("kind".into(), ActivityProblem::Required));
            None
        }
        k => {
            let kind = ActivityKind::from_code(&k.to_lowercase());
            if kind.is_none() {
                problems.push(("kind".into(), ActivityProblem::UnknownKind));
            }
            kind
        }
    };
    let day = match get("date") {
        "" => {
            problems.push(("date".into(), ActivityProblem::Required));
            None
        }
        d => match date(d) {
            Some(d) if d > today => {
                problems.push(("date".into(), ActivityProblem::InFuture));
                None
            }
            Some(d) => Some(d),
            None => {
                problems.push(("date".into(), ActivityProblem::InvalidDate));
                None
            }
        },
    };
    let value = match get("amount") {
        "" => None,
        a => {
            let m = amount(a);
            if m.is_none() {
                problems.push(("amount".into(), ActivityProblem::InvalidAmount));
            }
            m
        }
    };
    match (kind, day, problems.is_empty()) {
        (Some(kind), Some(date), true) => Ok(Activity {
            event_id: get("event_id").to_string(),
            customer_number: get("customer_number").to_string(),
            kind,
            date,
            amount: value,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_order_is_read_with_its_amount_and_date() {
        let a = check_activity(
            &fields(&[
                ("event_id", " ORD-1 "),
                ("customer_number", "K-1"),
                ("kind", "Order"),
                ("date", "01.12.2026"),
                ("amount", "1.149,90"),
            ]),
            d("2026-12-01"),
        )
        .expect("valid");
        assert_eq!(a.event_id, "ORD-1");
        assert_eq!(a.kind, ActivityKind::Order);
        assert_eq!(a.date, d("2026-12-01"));
        assert_eq!(a.amount, Some(Money::new(114_990, Currency::EUR)));
        assert!(a.kind.is_return() && !ActivityKind::AccountClosed.is_return());
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::from_code(k.code()), Some(k));
        }
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let problems = check_activity(
            &fields(&[
                ("customer_number", &"K".repeat(65)),
                ("kind", "purchase"),
                ("date", "2026-12-02"),
                ("amount", "-3"),
            ]),
            d("2026-12-01"),
        )
        .expect_err("invalid");
        assert_eq!(
            problems,
            vec![
                ("event_id".to_string(), ActivityProblem::Required),
                (
                    "customer_number".to_string(),
                    ActivityProblem::TooLong { max: 64 }
                ),
                ("kind".to_string(), ActivityProblem::UnknownKind),
                ("date".to_string(), ActivityProblem::InFuture),
                ("amount".to_string(), ActivityProblem::InvalidAmount),
            ]
        );
        let missing = check_activity(&fields(&[]), d("2026-12-01")).expect_err("empty");
        assert_eq!(missing.len(), 4, "{missing:?}");
        let bad_date = check_activity(
            &fields(&[
                ("event_id", "E"),
                ("customer_number", "K"),
                ("kind", "renewal"),
                ("date", "2026-02-30"),
            ]),
            d("2026-12-01"),
        );
        assert_eq!(
            bad_date,
            Err(vec![("date".to_string(), ActivityProblem::InvalidDate)])
        );
    }
}
