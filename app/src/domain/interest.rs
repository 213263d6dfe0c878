//! Statutory default interest (§§ 288, 289, 247 BGB).
//!
//! Interest is simple interest on principal only (§ 289), at the base rate plus a margin (5 points
//! for consumers, 9 for payment claims between businesses), split into segments at every half-year
//! (when the base rate may change) and at every change of the principal. The base rates and the
//! margins are dated data loaded from the database, never constants; a half-year without a known
//! base rate is an error, not a guess. The result lists every segment so the debtor can follow it.

use crate::domain::{Currency, Money};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Why interest could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum InterestError {
    #[error("no base rate is known for the half-year starting {0}")]
    /// No base rate is known for a half-year in the period.
    NoBaseRate(NaiveDate),
    #[error("base rates change only on 1 January and 1 July, not on {0}")]
    /// A base-rate row does not start on 1 January or 1 July.
    NotAHalfYear(NaiveDate),
    #[error("the base rate for {0} is listed twice")]
    /// A half-year has two base-rate rows.
    Duplicate(NaiveDate),
    #[error("no statutory margins are known for {0}")]
    /// No statutory parameters apply on the date.
    NoStatutoryParameters(NaiveDate),
    #[error("the principal history must start on the first day of default and be in date order")]
    /// The principal history is empty, unordered or mixes currencies.
    PrincipalHistory,
    #[error("the amount is too large")]
    /// An amount does not fit.
    Overflow,
}

/// Days ahead of a half-year from which a missing base rate is reported to the administrators.
pub const BASE_RATE_LEAD_DAYS: u64 = 31;

/// The base rate (§ 247 BGB) valid from a half-year's first day, in basis points (−0.88 % = −88).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseRate {
    /// The first day the row applies.
    pub valid_from: NaiveDate,
    /// The rate in basis points.
    pub rate_bp: i32,
}

fn half_year_start(d: NaiveDate) -> NaiveDate {
    let month = if d.month() >= 7 { 7 } else { 1 };
    NaiveDate::from_ymd_opt(d.year(), month, 1).unwrap_or(d)
}

fn next_half_year(d: NaiveDate) -> NaiveDate {
    let start = half_year_start(d);
    let (y, m) = if start.month() == 1 {
        (start.year(), 7)
    } else {
        (start.year() + 1, 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

/// The history of base rates. A row holds until the next row; the newest row holds only until the
/// end of its own half-year, because the next half-year's rate is not known until it is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseRateTable {
    rows: Vec<BaseRate>,
}

impl BaseRateTable {
    /// Checks and sorts the rows: each starts on 1 January or 1 July, none twice.
    pub fn new(mut rows: Vec<BaseRate>) -> Result<BaseRateTable, InterestError> {
        rows.sort_by_key(|r| r.valid_from);
        for r in &rows {
            if half_year_start(r.valid_from) != r.valid_from {
                return Err(InterestError::NotAHalfYear(r.valid_from));
            }
        }
        if let Some(w) = rows.windows(2).find(|w| w[0].valid_from == w[1].valid_from) {
            return Err(InterestError::Duplicate(w[0].valid_from));
        }
        Ok(BaseRateTable { rows })
    }

    /// The base rate on `date`.
    pub fn rate_on(&self, date: NaiveDate) -> Result<i32, InterestError> {
        let missing = || InterestError::NoBaseRate(half_year_start(date));
        let idx = self
            .rows
            .iter()
            .rposition(|r| r.valid_from <= date)
            .ok_or_else(missing)?;
        let row = self.rows[idx];
        let is_newest = idx + 1 == self.rows.len();
        if is_newest && date >= next_half_year(row.valid_from) {
            return Err(missing());
        }
        Ok(row.rate_bp)
    }

    /// The first day no base rate is known for (the end of the newest row's half-year); `None`
    /// without rows.
    pub fn known_until(&self) -> Option<NaiveDate> {
        self.rows.last().map(|r| next_half_year(r.valid_from))
    }

    /// The first half-year without a known base rate when it begins within `lead_days` of
    /// `today` or has begun already: the rate must be entered before interest can run into it.
    pub fn missing_soon(&self, today: NaiveDate, lead_days: u64) -> Option<NaiveDate> {
        let known = self.known_until()?;
        (known <= today + chrono::Days::new(lead_days)).then_some(known)
    }

    /// The rows, oldest first.
    pub fn rows(&self) -> &[BaseRate] {
        &self.rows
    }
}

/// Whether the debtor is a consumer (§ 288 (1)) or the claim is a payment claim between
/// businesses (§ 288 (2), (5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DebtorKind {
    /// A consumer: base rate + 5 points (§ 288 (1)).
    Consumer,
    /// A payment claim between businesses: base rate + 9 points and the lump sum (§ 288 (2), (5)).
    Business,
}

/// Statutory margins and the B2B lump sum, valid from a date (they changed on 29 July 2014).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatutoryParameters {
    /// The first day the row applies.
    pub valid_from: NaiveDate,
    /// Points above the base rate when a consumer is involved.
    pub consumer_margin_bp: i32,
    /// Points above the base rate for payment claims between businesses.
    pub business_margin_bp: i32,
    /// The lump sum of § 288 (5) BGB, in the claim's currency's minor units.
    pub business_lump_sum_minor: i64,
}

/// The parameters valid on `date`, from rows in any order.
pub fn parameters_on(
    rows: &[StatutoryParameters],
    date: NaiveDate,
) -> Result<StatutoryParameters, InterestError> {
    rows.iter()
        .filter(|r| r.valid_from <= date)
        .max_by_key(|r| r.valid_from)
        .copied()
        .ok_or(InterestError::NoStatutoryParameters(date))
}

impl StatutoryParameters {
    /// The margin above the base rate for a debtor of this kind.
    pub fn margin_bp(&self, kind: DebtorKind) -> i32 {
        match kind {
            DebtorKind::Consumer => self.consumer_margin_bp,
            DebtorKind::Business => self.business_margin_bp,
        }
    }

    /// The € 40 lump sum of § 288 (5) BGB: only for a payment claim (Entgeltforderung) against a
    /// debtor who is not a consumer. It is credited against the costs of collection, so the caller
    /// must not claim both in full.
    pub fn lump_sum(
        &self,
        kind: DebtorKind,
        payment_claim: bool,
        currency: Currency,
    ) -> Option<Money> {
        (kind == DebtorKind::Business && payment_claim)
            .then(|| Money::new(self.business_lump_sum_minor, currency))
    }
}

/// How days are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DayCount {
    /// Actual days over the actual length of the year (365 or 366), the usual German practice.
    ActualActual,
    /// Actual days over 365.
    Actual365,
    /// Actual days over 360.
    Actual360,
}

/// How each segment's interest is rounded to the cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rounding {
    /// Half a cent and more rounds up (commercial rounding).
    HalfUp,
    /// Half a cent rounds to the even cent (banker's rounding).
    HalfEven,
    /// Fractions of a cent are dropped (never in the creditor's favour).
    Down,
}

/// The conventions of a calculation. Interest runs for every day from the first day of default up
/// to, but not including, the end date (the value date of the payment, or the date of the
/// statement); each segment is rounded on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conventions {
    /// How days and years are counted.
    pub day_count: DayCount,
    /// How each segment is rounded to the cent.
    pub rounding: Rounding,
}

impl Default for Conventions {
    fn default() -> Self {
        Conventions {
            day_count: DayCount::ActualActual,
            rounding: Rounding::HalfUp,
        }
    }
}

/// From this date on, this much principal is outstanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalFrom {
    /// From this day on.
    pub date: NaiveDate,
    /// The principal outstanding.
    pub principal: Money,
}

/// One line of the calculation, as shown to the debtor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestLine {
    /// The principal outstanding.
    pub principal: Money,
    /// Base rate plus margin, in basis points.
    pub rate_bp: i32,
    /// The first day of the segment.
    pub from: NaiveDate,
    /// Exclusive: interest is charged for `from` up to the day before `to`.
    pub to: NaiveDate,
    /// The number of days charged.
    pub days: i64,
    /// The interest of the segment, rounded.
    pub interest: Money,
}

/// An itemised interest calculation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestCalculation {
    /// One line per segment, in date order.
    pub lines: Vec<InterestLine>,
    /// The sum of the lines.
    pub total: Money,
}

fn divide(numerator: i128, denominator: i128, rounding: Rounding) -> i128 {
    let (q, r) = (numerator / denominator, numerator % denominator);
    match rounding {
        Rounding::Down => q,
        Rounding::HalfUp => q + i128::from(2 * r >= denominator),
        Rounding::HalfEven => {
            q + i128::from(2 * r > denominator || (2 * r == denominator && q % 2 == 1))
        }
    }
}

fn year_days(date: NaiveDate, day_count: DayCount) -> i128 {
    match day_count {
        DayCount::Actual360 => 360,
        DayCount::Actual365 => 365,
        DayCount::ActualActual if date.leap_year() => 366,
        DayCount::ActualActual => 365,
    }
}

/// Simple interest on `principal` at `rate_bp` for the days from `from` up to (not including) `to`,
/// rounded as `conventions` say; the formula of every segment of [`default_interest`]. A period
/// crossing 1 January uses the day count of its first day's year (segments never cross it).
pub fn segment_interest(
    principal: Money,
    rate_bp: i32,
    from: NaiveDate,
    to: NaiveDate,
    conventions: Conventions,
) -> Result<Money, InterestError> {
    let days = (to - from).num_days().max(0);
    let numerator = i128::from(principal.minor) * i128::from(rate_bp.max(0)) * i128::from(days);
    let interest = divide(
        numerator,
        10_000 * year_days(from, conventions.day_count),
        conventions.rounding,
    );
    Ok(Money::new(
        i64::try_from(interest).map_err(|_| InterestError::Overflow)?,
        principal.currency,
    ))
}

/// Default interest from `principal[0].date` (the first day of default) until `until` (exclusive),
/// at base rate + `margin_bp`. `principal` lists the outstanding principal from each date on.
pub fn default_interest(
    rates: &BaseRateTable,
    margin_bp: i32,
    principal: &[PrincipalFrom],
    until: NaiveDate,
    conventions: Conventions,
) -> Result<InterestCalculation, InterestError> {
    let first = principal.first().ok_or(InterestError::PrincipalHistory)?;
    let currency = first.principal.currency;
    if principal.windows(2).any(|w| w[0].date > w[1].date)
        || principal.iter().any(|p| p.principal.currency != currency)
    {
        return Err(InterestError::PrincipalHistory);
    }
    let mut lines = Vec::new();
    let mut from = first.date;
    while from < until {
        let current = principal
            .iter()
            .rev()
            .find(|p| p.date <= from)
            .unwrap_or(first);
        let next_change = principal
            .iter()
            .map(|p| p.date)
            .find(|d| *d > from)
            .unwrap_or(until);
        let to = next_change.min(next_half_year(from)).min(until);
        let days = (to - from).num_days();
        if current.principal.minor > 0 {
            let rate_bp = (rates.rate_on(from)? + margin_bp).max(0);
            let numerator =
                i128::from(current.principal.minor) * i128::from(rate_bp) * i128::from(days);
            let interest = divide(
                numerator,
                10_000 * year_days(from, conventions.day_count),
                conventions.rounding,
            );
            let interest = Money::new(
                i64::try_from(interest).map_err(|_| InterestError::Overflow)?,
                currency,
            );
            lines.push(InterestLine {
                principal: current.principal,
                rate_bp,
                from,
                to,
                days,
                interest,
            });
        }
        from = to;
    }
    let total = Money::sum(currency, lines.iter().map(|l| l.interest))
        .map_err(|_| InterestError::Overflow)?;
    Ok(InterestCalculation { lines, total })
}

/// The base rates the legal tables migration seeds, for tests (the 2024/2025 January rows are
/// marked unverified in the domain reference and serve only as test data).
#[cfg(test)]
pub(crate) fn seeded_rates() -> BaseRateTable {
    let rows = [
        ("2016-07-01", -88),
        ("2023-01-01", 162),
        ("2023-07-01", 312),
        ("2024-01-01", 362),
        ("2024-07-01", 337),
        ("2025-01-01", 227),
        ("2025-07-01", 127),
        ("2026-01-01", 127),
    ];
    BaseRateTable::new(
        rows.iter()
            .map(|(f, r)| BaseRate {
                valid_from: NaiveDate::parse_from_str(f, "%Y-%m-%d").unwrap_or_default(),
                rate_bp: *r,
            })
            .collect(),
    )
    .expect("the seeded rates are valid")
}

#[cfg(test)]
mod tests;
