//! Form parsing shared by pages (for live previews in the browser) and use-cases (for the
//! authoritative check on the server), so both read a form the same way.

use crate::domain::plan::{Frequency, PlanRequest, PlanSize};
use crate::domain::{Language, Money};
use crate::error::{FormErrors, Problem};
use chrono::NaiveDate;

/// The plan proposal as submitted by the form.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub form_key: String,
    /// `plan` or `deferral`.
    pub kind: String,
    pub down_payment: String,
    pub first_due: String,
    pub count: String,
    pub frequency: String,
    pub cost_notice_seen: bool,
}

/// Turns the form into a plan request, naming every field that is wrong.
pub fn parse(input: &PlanInput, balance: Money, lang: Language) -> Result<PlanRequest, FormErrors> {
    let mut errors = FormErrors::default()
        .keep("down_payment", &input.down_payment)
        .keep("first_due", &input.first_due)
        .keep("count", &input.count)
        .keep("kind", &input.kind);
    let deferral = input.kind == "deferral";
    let first_due = match NaiveDate::parse_from_str(input.first_due.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) if input.first_due.trim().is_empty() => {
            errors = errors.field("first_due", Problem::Required);
            None
        }
        Err(_) => {
            errors = errors.field("first_due", Problem::InvalidFormat);
            None
        }
    };
    let down = if deferral || input.down_payment.trim().is_empty() {
        Some(Money::zero(balance.currency))
    } else {
        match Money::parse(&input.down_payment, lang, balance.currency) {
            Ok(m) if m.minor >= 0 => Some(m),
            _ => {
                errors = errors.field("down_payment", Problem::InvalidAmount);
                None
            }
        }
    };
    let count = if deferral {
        Some(1)
    } else {
        match input.count.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            _ if input.count.trim().is_empty() => {
                errors = errors.field("count", Problem::Required);
                None
            }
            _ => {
                errors = errors.field("count", Problem::InvalidFormat);
                None
            }
        }
    };
    let frequency = match input.frequency.as_str() {
        "weekly" => Frequency::Weekly,
        "fortnightly" => Frequency::Fortnightly,
        _ => Frequency::Monthly,
    };
    if !input.cost_notice_seen {
        errors = errors.field("cost_notice", Problem::Required);
    }
    match (first_due, down, count, errors.is_empty()) {
        (Some(first_due), Some(down_payment), Some(n), true) => Ok(PlanRequest {
            balance,
            down_payment,
            first_due,
            size: PlanSize::Count(n),
            frequency,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::error::Problem;

    fn input(kind: &str, down: &str, first: &str, count: &str, seen: bool) -> PlanInput {
        PlanInput {
            form_key: "k".repeat(16),
            kind: kind.into(),
            down_payment: down.into(),
            first_due: first.into(),
            count: count.into(),
            frequency: "monthly".into(),
            cost_notice_seen: seen,
        }
    }

    #[test]
    fn the_form_becomes_a_request_or_names_each_wrong_field() {
        let balance = Money::new(30_000, Currency::EUR);
        let r = parse(
            &input("plan", "50,00", "2026-12-01", "6", true),
            balance,
            Language::De,
        )
        .expect("valid");
        assert_eq!((r.down_payment.minor, r.size), (5_000, PlanSize::Count(6)));
        let d = parse(
            &input("deferral", "999", "2026-12-15", "", true),
            balance,
            Language::De,
        )
        .expect("a deferral");
        assert_eq!((d.down_payment.minor, d.size), (0, PlanSize::Count(1)));
        let e = parse(&input("plan", "abc", "", "0", false), balance, Language::De)
            .expect_err("invalid");
        assert_eq!(e.fields["down_payment"], vec![Problem::InvalidAmount]);
        assert_eq!(e.fields["first_due"], vec![Problem::Required]);
        assert_eq!(e.fields["count"], vec![Problem::InvalidFormat]);
        assert_eq!(
            e.fields["cost_notice"],
            vec![Problem::Required],
            "the cost notice must be confirmed"
        );
        assert_eq!(
            e.values["down_payment"], "abc",
            "values are kept for the form"
        );
    }
}
