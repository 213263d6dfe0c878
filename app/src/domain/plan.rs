//! Instalment plans and deferrals: schedules with exact cents and business-day due dates, the
//! creditor's policy per treatment class and balance band, the decision on a debtor's proposal
//! (with the nearest proposal that would be accepted), the cost notice of § 13a (3) RDG, and how
//! missed instalments are judged.
//!
//! A deferral is a plan with one instalment: everything on a later date.

use crate::domain::{Money, MoneyError, Remainder};
use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// How often instalments fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    /// Every 7 days.
    Weekly,
    /// Every 14 days.
    Fortnightly,
    /// On the same day each month (or the month's last day).
    Monthly,
}

/// How the debtor sized the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanSize {
    /// This many instalments of (nearly) equal size.
    Count(u32),
    /// Instalments of this amount; the last one takes what is left.
    Amount(Money),
}

/// A proposal as the debtor makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRequest {
    /// The balance the plan must clear.
    pub balance: Money,
    /// Paid on the first due date, before the instalments; zero for none.
    pub down_payment: Money,
    /// When the first payment (down payment or instalment) is due.
    pub first_due: NaiveDate,
    /// How many instalments, or how large each is.
    pub size: PlanSize,
    /// How often instalments fall due.
    pub frequency: Frequency,
}

/// One payment of a schedule. Number 0 is the down payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Position in the schedule; 0 is the down payment.
    pub number: u32,
    /// The due date, always a business day.
    pub due: NaiveDate,
    /// The amount due.
    pub amount: Money,
}

/// Why a proposal could not even be turned into a schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PlanError {
    #[error("there is nothing to pay")]
    /// The balance is zero or negative.
    NothingToPay,
    #[error("the down payment is larger than the balance")]
    /// The down payment is negative or larger than the balance.
    DownPaymentTooLarge,
    #[error("a plan needs at least one instalment")]
    /// Zero instalments were asked for.
    NoInstalments,
    #[error("the instalment amount must be positive")]
    /// The instalment amount is zero or negative.
    InstalmentNotPositive,
    #[error("a plan cannot have more than {0} instalments")]
    /// The plan would have more instalments than any policy allows.
    TooManyInstalments(u32),
    #[error("the first due date is in the past")]
    /// The first due date lies before the day of the proposal.
    FirstDueInPast,
    #[error(transparent)]
    /// An amount could not be computed.
    Money(#[from] MoneyError),
}

/// Hard ceiling on instalments, whatever a policy says (ten years of weekly payments).
pub const MAX_INSTALMENTS: u32 = 520;

fn is_business_day(d: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&d)
}

/// The next business day on or after `d` (weekends and the given holidays are skipped).
pub fn next_business_day(mut d: NaiveDate, holidays: &[NaiveDate]) -> NaiveDate {
    while !is_business_day(d, holidays) {
        d = d + Days::new(1);
    }
    d
}

/// The date `days` business days after `from` (weekends and the given holidays do not count).
pub fn add_business_days(from: NaiveDate, days: u32, holidays: &[NaiveDate]) -> NaiveDate {
    let mut d = from;
    for _ in 0..days {
        d = next_business_day(d + Days::new(1), holidays);
    }
    d
}

/// The nominal date of period `k` after `anchor`; months are counted from the anchor each time so
/// that the 31st stays the 31st where a month has one (31 Jan → 28 Feb → 31 Mar).
fn nominal_date(anchor: NaiveDate, k: u32, frequency: Frequency) -> NaiveDate {
    match frequency {
        Frequency::Weekly => anchor + Days::new(7 * u64::from(k)),
        Frequency::Fortnightly => anchor + Days::new(14 * u64::from(k)),
        Frequency::Monthly => anchor.checked_add_months(Months::new(k)).unwrap_or(anchor),
    }
}

/// Builds the schedule: the down payment (if any) on the first due date, then the instalments, the
/// first one period later (or on the first due date when there is no down payment). Cents that do
/// not divide evenly go to the last instalment; due dates move to the next business day.
pub fn schedule(
    request: &PlanRequest,
    holidays: &[NaiveDate],
) -> Result<Vec<Instalment>, PlanError> {
    let currency = request.balance.currency;
    if request.balance.minor <= 0 {
        return Err(PlanError::NothingToPay);
    }
    if request.down_payment.minor < 0 || request.down_payment.minor > request.balance.minor {
        return Err(PlanError::DownPaymentTooLarge);
    }
    let rest = request.balance.checked_sub(request.down_payment)?;
    let mut out = Vec::new();
    let mut period = 0;
    if request.down_payment.minor > 0 {
        out.push(Instalment {
            number: 0,
            due: next_business_day(request.first_due, holidays),
            amount: request.down_payment,
        });
        period = 1;
    }
    if rest.minor == 0 {
        return Ok(out);
    }
    let amounts: Vec<Money> = match request.size {
        PlanSize::Count(0) => return Err(PlanError::NoInstalments),
        PlanSize::Count(n) if n > MAX_INSTALMENTS => {
            return Err(PlanError::TooManyInstalments(MAX_INSTALMENTS))
        }
        PlanSize::Count(n) => rest.split(n, Remainder::Last)?,
        PlanSize::Amount(a) if a.minor <= 0 => return Err(PlanError::InstalmentNotPositive),
        PlanSize::Amount(a) => {
            let n = (rest.minor + a.minor - 1) / a.minor;
            if n > i64::from(MAX_INSTALMENTS) {
                return Err(PlanError::TooManyInstalments(MAX_INSTALMENTS));
            }
            let last = rest.minor - a.minor * (n - 1);
            (0..n)
                .map(|i| Money::new(if i + 1 == n { last } else { a.minor }, currency))
                .collect()
        }
    };
    for (i, amount) in amounts.into_iter().enumerate() {
        let k = period + i as u32;
        let due = next_business_day(
            nominal_date(request.first_due, k, request.frequency),
            holidays,
        );
        out.push(Instalment {
            number: i as u32 + 1,
            due,
            amount,
        });
    }
    Ok(out)
}

/// What an agreement costs the debtor, to be shown before they accept (§ 13a (3) RDG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgreementCost {
    /// The agency charges nothing for the agreement.
    Free,
    /// A fixed fee.
    Fixed(Money),
    /// A share of the balance in basis points, within bounds.
    Share {
        /// The share in basis points.
        bp: u32,
        /// At least this much.
        min: Money,
        /// At most this much.
        max: Money,
    },
}

impl AgreementCost {
    /// The cost for an agreement over `balance` (rounded half up to the cent).
    pub fn for_balance(&self, balance: Money) -> Money {
        match *self {
            AgreementCost::Free => Money::zero(balance.currency),
            AgreementCost::Fixed(m) => m,
            AgreementCost::Share { bp, min, max } => {
                let share = (i128::from(balance.minor) * i128::from(bp) + 5_000) / 10_000;
                let share = i64::try_from(share)
                    .unwrap_or(i64::MAX)
                    .clamp(min.minor, max.minor.max(min.minor));
                Money::new(share, balance.currency)
            }
        }
    }
}

/// What happens when an instalment is not paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedInstalmentRule {
    /// Days after the due date before an instalment counts as missed.
    pub grace_days: u32,
    /// Missed instalments that break the plan.
    pub misses_to_break: u32,
}

/// A creditor's rules for plans in one treatment class and balance band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPolicy {
    /// The smallest instalment (a single payment clearing the balance is always allowed).
    pub min_instalment: Money,
    /// Everything must be paid within this many months of the proposal.
    pub max_months: u32,
    /// The largest number of instalments (the down payment not counted).
    pub max_count: u32,
    /// Required down payment as a share of the balance, in basis points.
    pub min_down_payment_bp: u32,
    /// How far away the first due date (or a deferral's date) may be.
    pub max_deferral_days: u32,
    /// Proposals inside the bounds are agreed at once; otherwise a handler confirms them.
    pub auto_accept: bool,
    /// Proposals outside the bounds go to a handler; if false they are declined at once.
    pub review_outside_bounds: bool,
    /// What the agreement costs the debtor (§ 13a (3) RDG).
    pub agreement_cost: AgreementCost,
    /// How missed instalments are handled.
    pub missed: MissedInstalmentRule,
}

/// A policy that applies up to a balance (inclusive); `None` means any balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyBand {
    /// The largest balance (inclusive) the band covers; `None` for any balance.
    pub up_to: Option<Money>,
    /// The rules for balances in this band.
    pub policy: PlanPolicy,
}

/// The band whose limit is the smallest one at or above `balance`.
pub fn policy_for_balance(bands: &[PolicyBand], balance: Money) -> Option<&PlanPolicy> {
    bands
        .iter()
        .filter(|b| b.up_to.is_none_or(|limit| balance.minor <= limit.minor))
        .min_by_key(|b| b.up_to.map_or(i64::MAX, |l| l.minor))
        .map(|b| &b.policy)
}

/// Why a proposal is outside the policy, in terms a debtor can read once translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanReason {
    /// An instalment other than the last is below the minimum.
    InstalmentTooLow {
        /// The smallest acceptable amount.
        min: Money,
    },
    /// More instalments than allowed.
    TooManyInstalments {
        /// The largest acceptable number.
        max: u32,
    },
    /// The last payment falls after the allowed number of months.
    TooLong {
        /// The allowed number of months.
        max_months: u32,
    },
    /// The down payment is below the required share of the balance.
    DownPaymentTooLow {
        /// The smallest acceptable amount.
        min: Money,
    },
    /// The first payment is later than allowed.
    FirstDueTooLate {
        /// The latest acceptable date.
        latest: NaiveDate,
    },
    /// Inside the bounds, but this class has every plan confirmed by a person.
    ConfirmationRequired,
}

/// The decision on a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Agreed at once.
    Accept,
    /// A handler decides; the reasons say why.
    NeedsReview(Vec<PlanReason>),
    /// Declined at once; the reasons say why.
    Reject(Vec<PlanReason>),
}

/// A decision with everything the debtor must see before agreeing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Accept, review or reject.
    pub decision: Decision,
    /// The schedule of the proposal as made.
    pub schedule: Vec<Instalment>,
    /// The cost of the agreement (§ 13a (3) RDG).
    pub cost: Money,
    /// The nearest proposal that the policy would accept, when this one is outside the bounds.
    pub counter_offer: Option<PlanRequest>,
}

fn required_down_payment(policy: &PlanPolicy, balance: Money) -> Money {
    let minor =
        (i128::from(balance.minor) * i128::from(policy.min_down_payment_bp) + 9_999) / 10_000;
    Money::new(i64::try_from(minor).unwrap_or(i64::MAX), balance.currency)
}

fn bounds_violations(
    policy: &PlanPolicy,
    req: &PlanRequest,
    plan: &[Instalment],
    today: NaiveDate,
) -> Vec<PlanReason> {
    let mut reasons = Vec::new();
    let regular: Vec<&Instalment> = plan.iter().filter(|i| i.number > 0).collect();
    if regular.len() > 1
        && regular
            .iter()
            .take(regular.len() - 1)
            .any(|i| i.amount.minor < policy.min_instalment.minor)
    {
        reasons.push(PlanReason::InstalmentTooLow {
            min: policy.min_instalment,
        });
    }
    if regular.len() as u32 > policy.max_count {
        reasons.push(PlanReason::TooManyInstalments {
            max: policy.max_count,
        });
    }
    let latest_end = today
        .checked_add_months(Months::new(policy.max_months))
        .unwrap_or(today);
    if plan.last().is_some_and(|i| i.due > latest_end) {
        reasons.push(PlanReason::TooLong {
            max_months: policy.max_months,
        });
    }
    let min_down = required_down_payment(policy, req.balance);
    if req.down_payment.minor < min_down.minor {
        reasons.push(PlanReason::DownPaymentTooLow { min: min_down });
    }
    let latest_first = today + Days::new(u64::from(policy.max_deferral_days));
    if req.first_due > latest_first {
        reasons.push(PlanReason::FirstDueTooLate {
            latest: latest_first,
        });
    }
    reasons
}

/// The nearest proposal inside the bounds: the required down payment, the first due date no later
/// than allowed, and no more instalments than the policy, the minimum instalment and the time
/// limit allow. `None` if even that is outside the bounds.
fn counter_offer(
    policy: &PlanPolicy,
    req: &PlanRequest,
    today: NaiveDate,
    holidays: &[NaiveDate],
) -> Option<PlanRequest> {
    let down = Money::new(
        req.down_payment
            .minor
            .max(required_down_payment(policy, req.balance).minor),
        req.balance.currency,
    );
    let latest_first = today + Days::new(u64::from(policy.max_deferral_days));
    let first_due = req.first_due.min(latest_first).max(today);
    let rest = req.balance.minor - down.minor;
    let requested = match req.size {
        PlanSize::Count(n) => n.max(1),
        PlanSize::Amount(a) if a.minor > 0 => {
            u32::try_from((rest + a.minor - 1) / a.minor).unwrap_or(u32::MAX)
        }
        PlanSize::Amount(_) => 1,
    };
    let by_amount = if policy.min_instalment.minor > 0 {
        u32::try_from(rest / policy.min_instalment.minor).unwrap_or(u32::MAX)
    } else {
        u32::MAX
    };
    let mut count = requested
        .min(policy.max_count)
        .min(by_amount)
        .clamp(1, MAX_INSTALMENTS);
    loop {
        let candidate = PlanRequest {
            down_payment: down,
            first_due,
            size: PlanSize::Count(count),
            ..*req
        };
        let plan = schedule(&candidate, holidays).ok()?;
        if bounds_violations(policy, &candidate, &plan, today).is_empty() {
            return Some(candidate);
        }
        if count == 1 {
            return None;
        }
        count -= 1;
    }
}

/// Decides a proposal made on `today` under `policy`.
pub fn evaluate(
    policy: &PlanPolicy,
    req: &PlanRequest,
    today: NaiveDate,
    holidays: &[NaiveDate],
) -> Result<Evaluation, PlanError> {
    if req.first_due < today {
        return Err(PlanError::FirstDueInPast);
    }
    let plan = schedule(req, holidays)?;
    let cost = policy.agreement_cost.for_balance(req.balance);
    let reasons = bounds_violations(policy, req, &plan, today);
    let (decision, counter) = if reasons.is_empty() {
        let decision = if policy.auto_accept {
            Decision::Accept
        } else {
            Decision::NeedsReview(vec![PlanReason::ConfirmationRequired])
        };
        (decision, None)
    } else {
        let counter = counter_offer(policy, req, today, holidays);
        let decision = if policy.review_outside_bounds {
            Decision::NeedsReview(reasons)
        } else {
            Decision::Reject(reasons)
        };
        (decision, counter)
    };
    Ok(Evaluation {
        decision,
        schedule: plan,
        cost,
        counter_offer: counter,
    })
}

/// Where a running plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanStatus {
    /// Every instalment due so far is paid.
    OnTrack,
    /// An instalment is overdue but still within its grace days.
    Late {
        /// The overdue instalment's number.
        number: u32,
    },
    /// Instalments were missed (past their grace days), but not enough to break the plan.
    Missed {
        /// How many instalments were missed.
        count: u32,
    },
    /// As many instalments were missed as the rule allows: the plan is broken.
    Broken {
        /// How many instalments were missed.
        count: u32,
    },
    /// Everything is paid.
    Completed,
}

/// Judges a plan on `today` from the payments received (date, amount). Payments count towards the
/// instalments in order; an instalment is missed when, by the end of its grace days, less than the
/// sum of it and all earlier instalments had been paid.
pub fn plan_status(
    plan: &[Instalment],
    payments: &[(NaiveDate, Money)],
    today: NaiveDate,
    rule: MissedInstalmentRule,
) -> PlanStatus {
    let paid_by = |d: NaiveDate| {
        payments
            .iter()
            .filter(|(date, _)| *date <= d)
            .map(|(_, m)| m.minor)
            .sum::<i64>()
    };
    let total: i64 = plan.iter().map(|i| i.amount.minor).sum();
    if paid_by(today) >= total {
        return PlanStatus::Completed;
    }
    let mut owed_so_far = 0;
    let mut missed = 0;
    let mut late = None;
    for inst in plan {
        owed_so_far += inst.amount.minor;
        if inst.due > today {
            break;
        }
        let deadline = inst.due + Days::new(u64::from(rule.grace_days));
        if deadline < today {
            if paid_by(deadline) < owed_so_far {
                missed += 1;
            }
        } else if paid_by(today) < owed_so_far && late.is_none() {
            late = Some(inst.number);
        }
    }
    match (missed, late) {
        (m, _) if m >= rule.misses_to_break && m > 0 => PlanStatus::Broken { count: m },
        (m, _) if m > 0 => PlanStatus::Missed { count: m },
        (_, Some(number)) => PlanStatus::Late { number },
        _ => PlanStatus::OnTrack,
    }
}

#[cfg(test)]
mod tests;
