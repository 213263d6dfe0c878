//! Default interest that runs until the debt is paid, and the € 40 lump sum of § 288 (5) BGB.
//!
//! When a customer group charges statutory default interest, every claim of a case earns interest
//! from its first day of default (the day after its due date, or the day after the last day an
//! interest item of the claim already covers) up to, not including, the day asked for: the day a
//! page is read, a letter is dated or a payment's value date. Nothing runs at night: the amount is
//! computed whenever it is read, from the claim's principal as the postings leave it, so a payment
//! lowers the interest from its value date on and a payment in full on the value date leaves
//! nothing. Before a payment is allocated (§ 367 BGB: costs, interest, principal), the interest up to
//! its value date is charged as a ledger item (see [`charge`]), so the ledger always holds what was
//! allocated against.
//!
//! Interest into a half-year without a known base rate is not guessed: the accrual stops at the
//! last day a rate is known and says so ([`Accrual::stopped_at`]).

use crate::domain::claim::ItemKind;
use crate::domain::interest::{
    default_interest, parameters_on, BaseRateTable, Conventions, DebtorKind, InterestError,
    InterestLine, PrincipalFrom, StatutoryParameters,
};
use crate::domain::ledger::{Ledger, LedgerItem};
use crate::domain::Money;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a customer group charges the debtor as default interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InterestPolicy {
    /// Only the interest the creditor handed over with the claim (an amount with rate and period).
    HandedOver,
    /// Statutory default interest (§ 288 BGB) from the first day of default until paid, after
    /// any interest handed over; for a business also the € 40 lump sum of § 288 (5) BGB.
    Statutory,
    /// No interest at all, not even the interest handed over (the waiver).
    Waived,
}

impl InterestPolicy {
    /// The policy of a group from its two settings; a waiver wins.
    pub fn of(waive_interest: bool, running_interest: bool) -> InterestPolicy {
        match (waive_interest, running_interest) {
            (true, _) => InterestPolicy::Waived,
            (false, true) => InterestPolicy::Statutory,
            (false, false) => InterestPolicy::HandedOver,
        }
    }
}

/// What the accrual needs to know about one claim beyond its ledger items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccrualClaim {
    /// The claim.
    pub claim_id: i64,
    /// When the claim fell due; default begins the next day.
    pub due_date: NaiveDate,
    /// The last day an interest item of the claim already covers (interest handed over, or
    /// running interest charged when an earlier payment was booked).
    pub covered_through: Option<NaiveDate>,
    /// Whether the lump sum of § 288 (5) BGB was charged as a ledger item already.
    pub lump_sum_charged: bool,
}

impl AccrualClaim {
    /// A claim due on `due_date` with nothing noted yet.
    pub fn new(claim_id: i64, due_date: NaiveDate) -> AccrualClaim {
        AccrualClaim {
            claim_id,
            due_date,
            covered_through: None,
            lump_sum_charged: false,
        }
    }

    /// Notes one stored item of the claim: an interest item covers its period up to its last
    /// day; an item the accrual charged as the lump sum means it is not owed again.
    pub fn note(&mut self, kind: ItemKind, last_day: Option<NaiveDate>, lump_sum: bool) {
        if kind == ItemKind::Interest {
            if let Some(day) = last_day {
                self.covered_through = Some(self.covered_through.map_or(day, |d| d.max(day)));
            }
        }
        self.lump_sum_charged |= lump_sum;
    }

    /// The first day of default.
    pub fn default_from(&self) -> NaiveDate {
        self.due_date + Days::new(1)
    }
}

/// The dated legal tables the accrual reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statute {
    /// The base rates (§ 247 BGB).
    pub rates: BaseRateTable,
    /// The margins and the lump sum (§ 288 BGB).
    pub parameters: Vec<StatutoryParameters>,
}

/// One amount the accrual adds to a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccruedItem {
    /// The claim it belongs to.
    pub claim_id: i64,
    /// Interest, or a cost for the lump sum.
    pub kind: ItemKind,
    /// The amount.
    pub amount: Money,
    /// The first day covered.
    pub from: NaiveDate,
    /// The last day covered (for the lump sum: the first day of default).
    pub through: NaiveDate,
    /// The interest segments (principal, rate, period, days); empty for the lump sum.
    pub lines: Vec<InterestLine>,
}

/// How running interest is described on the statement, charged or not.
pub const INTEREST_DESCRIPTION: &str = "Verzugszinsen (gesetzlich, bis zur Zahlung)";

/// The legal basis of running interest.
pub const INTEREST_BASIS: &str = "§§ 286, 288 BGB";

impl AccruedItem {
    /// How the item is described on the statement.
    pub fn description(&self) -> &'static str {
        match self.kind {
            ItemKind::Cost => "Verzugspauschale",
            _ => INTEREST_DESCRIPTION,
        }
    }

    /// What the item is stored as (`claim_items.accrued`).
    pub fn code(&self) -> &'static str {
        match self.kind {
            ItemKind::Cost => "lump_sum",
            _ => "interest",
        }
    }

    /// The legal basis shown to the debtor.
    pub fn legal_basis(&self) -> &'static str {
        match self.kind {
            ItemKind::Cost => "§ 288 Abs. 5 BGB",
            _ => INTEREST_BASIS,
        }
    }
}

/// What a case accrued up to a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accrual {
    /// The items, claim by claim.
    pub items: Vec<AccruedItem>,
    /// When interest should have run further but no base rate is known from this day on, the
    /// day: interest is computed only for the days before it.
    pub stopped_at: Option<NaiveDate>,
}

impl Accrual {
    /// Nothing accrued.
    pub fn none() -> Accrual {
        Accrual {
            items: Vec::new(),
            stopped_at: None,
        }
    }
}

/// What the case's ledger and claims accrue for the days before `until` under `policy` for a
/// debtor of `kind`. Only [`InterestPolicy::Statutory`] accrues anything.
pub fn accrue(
    ledger: &Ledger,
    claims: &[AccrualClaim],
    policy: InterestPolicy,
    kind: DebtorKind,
    statute: &Statute,
    until: NaiveDate,
    conventions: Conventions,
) -> Result<Accrual, InterestError> {
    let mut out = Accrual::none();
    if policy != InterestPolicy::Statutory {
        return Ok(out);
    }
    for claim in claims {
        let default_from = claim.default_from();
        if default_from >= until {
            continue; // not in default before `until`
        }
        if kind == DebtorKind::Business && !claim.lump_sum_charged {
            let parameters = parameters_on(&statute.parameters, default_from)?;
            let costs = Money::sum(
                ledger.currency,
                ledger
                    .items
                    .iter()
                    .filter(|i| i.claim_id == claim.claim_id && i.kind == ItemKind::Cost)
                    .map(|i| i.amount),
            )
            .map_err(|_| InterestError::Overflow)?;
            // Credited against the costs of collection (§ 288 (5) sentence 3 BGB).
            let lump = (parameters.business_lump_sum_minor - costs.minor).max(0);
            if lump > 0 {
                out.items.push(AccruedItem {
                    claim_id: claim.claim_id,
                    kind: ItemKind::Cost,
                    amount: Money::new(lump, ledger.currency),
                    from: default_from,
                    through: default_from,
                    lines: Vec::new(),
                });
            }
        }
        let start = claim
            .covered_through
            .map_or(default_from, |d| (d + Days::new(1)).max(default_from));
        // Without a known rate the claim's interest stops where its computed interest ends (at
        // the last known half-year, or later where interest handed over covers more).
        let stop = match statute.rates.known_until() {
            Some(known) if known < until => Some(known.max(start)),
            None => Some(start),
            Some(_) => None,
        };
        let end = stop.unwrap_or(until);
        if let Some(stop) = stop.filter(|s| *s < until) {
            out.stopped_at = Some(out.stopped_at.map_or(stop, |s: NaiveDate| s.min(stop)));
        }
        if start >= end {
            continue;
        }
        let lines = interest_lines(
            ledger,
            claim.claim_id,
            start,
            end,
            kind,
            statute,
            conventions,
        )?;
        let amount = Money::sum(ledger.currency, lines.iter().map(|l| l.interest))
            .map_err(|_| InterestError::Overflow)?;
        if amount.minor > 0 {
            out.items.push(AccruedItem {
                claim_id: claim.claim_id,
                kind: ItemKind::Interest,
                amount,
                from: start,
                through: end - Days::new(1),
                lines,
            });
        }
    }
    Ok(out)
}

/// The segments of a claim's interest from `start` up to (not including) `end`, on the principal
/// the postings leave open on each day, split wherever the statutory margin changes.
fn interest_lines(
    ledger: &Ledger,
    claim_id: i64,
    start: NaiveDate,
    end: NaiveDate,
    kind: DebtorKind,
    statute: &Statute,
    conventions: Conventions,
) -> Result<Vec<InterestLine>, InterestError> {
    let principal_ids: Vec<i64> = ledger
        .items
        .iter()
        .filter(|i| i.claim_id == claim_id && i.kind == ItemKind::Principal)
        .map(|i| i.id)
        .collect();
    let owed: i64 = ledger
        .items
        .iter()
        .filter(|i| principal_ids.contains(&i.id))
        .map(|i| i.amount.minor)
        .sum();
    let mut paid: Vec<(NaiveDate, i64)> = ledger
        .postings
        .iter()
        .filter(|p| p.item_id.is_some_and(|id| principal_ids.contains(&id)))
        .map(|p| (p.value_date, p.amount.minor))
        .collect();
    paid.sort_by_key(|p| p.0);
    // A posting counts from its value date on: no interest on what was paid for that day.
    let open_on = |day: NaiveDate| {
        owed - paid
            .iter()
            .filter(|(d, _)| *d <= day)
            .map(|(_, a)| a)
            .sum::<i64>()
    };
    let mut history = vec![PrincipalFrom {
        date: start,
        principal: Money::new(open_on(start), ledger.currency),
    }];
    let mut changes: Vec<NaiveDate> = paid
        .iter()
        .map(|p| p.0)
        .filter(|d| *d > start && *d < end)
        .collect();
    changes.dedup();
    for d in changes {
        history.push(PrincipalFrom {
            date: d,
            principal: Money::new(open_on(d), ledger.currency),
        });
    }
    // The margin changed once (29 July 2014); split where a parameter row starts.
    let mut cuts: Vec<NaiveDate> = statute
        .parameters
        .iter()
        .map(|p| p.valid_from)
        .filter(|d| *d > start && *d < end)
        .collect();
    cuts.sort_unstable();
    cuts.push(end);
    let mut lines = Vec::new();
    let mut from = start;
    for to in cuts {
        let margin = parameters_on(&statute.parameters, from)?.margin_bp(kind);
        let part: Vec<PrincipalFrom> = {
            let opening = history
                .iter()
                .rev()
                .find(|p| p.date <= from)
                .copied()
                .unwrap_or(history[0]);
            std::iter::once(PrincipalFrom {
                date: from,
                principal: opening.principal,
            })
            .chain(
                history
                    .iter()
                    .copied()
                    .filter(|p| p.date > from && p.date < to),
            )
            .collect()
        };
        lines.extend(default_interest(&statute.rates, margin, &part, to, conventions)?.lines);
        from = to;
    }
    Ok(lines)
}

/// Charges `accrual` to the ledger as items with ids from `next_id` and marks the claims as
/// covered, as booking does before it allocates a payment with the accrual's day as value date.
/// Returns the new items with the accrued items they came from, to be written.
pub fn charge(
    ledger: &mut Ledger,
    claims: &mut [AccrualClaim],
    accrual: Accrual,
    mut next_id: impl FnMut() -> Option<i64>,
) -> Option<Vec<(LedgerItem, AccruedItem)>> {
    let mut out = Vec::with_capacity(accrual.items.len());
    for accrued in accrual.items {
        let item = LedgerItem {
            id: next_id()?,
            claim_id: accrued.claim_id,
            kind: accrued.kind,
            amount: accrued.amount,
            date: accrued.through,
            legal_basis: accrued.legal_basis().to_string(),
        };
        if let Some(claim) = claims.iter_mut().find(|c| c.claim_id == accrued.claim_id) {
            match accrued.kind {
                ItemKind::Cost => claim.lump_sum_charged = true,
                _ => claim.covered_through = Some(accrued.through),
            }
        }
        ledger.items.push(item.clone());
        out.push((item, accrued));
    }
    Some(out)
}

#[cfg(test)]
mod tests;
