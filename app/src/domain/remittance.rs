//! Remittance periods and what is passed on to the creditor.
//!
//! A remittance report covers one calendar month (UTC) of payments booked for a creditor's cases.
//! Of each payment, what was allocated to principal and interest is the creditor's and passed on;
//! what was allocated to costs stays with the agency to settle under its contract with the
//! creditor (collection costs are the agency's, a creditor's own reminder fees are owed to the
//! creditor — the report lists them so the two can settle); an overpayment is the debtor's credit
//! and is refunded, never passed on.

use chrono::{Datelike, NaiveDate};

/// How a payment (or a report's payments) was allocated, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    /// To the claims' principal.
    pub principal: i64,
    /// To interest.
    pub interest: i64,
    /// To costs.
    pub costs: i64,
    /// Beyond what was owed: the debtor's credit.
    pub credit: i64,
}

impl Split {
    /// What is passed on to the creditor: principal and interest.
    pub fn passed_on(&self) -> i64 {
        self.principal + self.interest
    }

    /// Everything collected.
    pub fn collected(&self) -> i64 {
        self.principal + self.interest + self.costs + self.credit
    }
}

/// A month as `YYYY-MM`, with its first day and the first day of the next month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// `YYYY-MM`.
    pub key: String,
    /// The first day of the month.
    pub start: NaiveDate,
    /// The first day of the next month (exclusive end).
    pub end: NaiveDate,
}

impl Period {
    /// The month `YYYY-MM`, if it is one.
    pub fn parse(key: &str) -> Option<Period> {
        let start = NaiveDate::parse_from_str(&format!("{}-01", key.trim()), "%Y-%m-%d").ok()?;
        Some(Period::starting(start))
    }

    fn starting(start: NaiveDate) -> Period {
        let end = if start.month() == 12 {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
        }
        .unwrap_or(start);
        Period {
            key: start.format("%Y-%m").to_string(),
            start,
            end,
        }
    }

    /// The month before the one `today` lies in: the one a report is made for.
    pub fn before(today: NaiveDate) -> Period {
        let this = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
        let previous = this.pred_opt().unwrap_or(this);
        Period::starting(
            NaiveDate::from_ymd_opt(previous.year(), previous.month(), 1).unwrap_or(previous),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_report_is_for_the_month_before() {
        assert_eq!(
            Period::before(d("2027-01-01")),
            Period {
                key: "2026-12".into(),
                start: d("2026-12-01"),
                end: d("2027-01-01")
            }
        );
        assert_eq!(Period::before(d("2026-03-31")).key, "2026-02");
        assert_eq!(
            Period::parse("2026-02").map(|p| p.end),
            Some(d("2026-03-01"))
        );
        assert_eq!(Period::parse("2026-13"), None);
        assert_eq!(Period::parse("November"), None);
    }

    #[test]
    fn principal_and_interest_are_passed_on_costs_and_credit_are_not() {
        let s = Split {
            principal: 10_000,
            interest: 250,
            costs: 1_500,
            credit: 100,
        };
        assert_eq!(s.passed_on(), 10_250);
        assert_eq!(s.collected(), 11_850);
    }
}
