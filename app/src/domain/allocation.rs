//! Allocating a payment to claims and items by German law.
//!
//! Across claims: the claims the debtor designated (§ 366 (1) BGB); otherwise § 366 (2): due claims
//! first, then the less secure, then the more burdensome, then the older, and equal ones pro rata.
//! Within a claim: § 367 (1) costs → interest → principal, or § 497 (3) costs → principal →
//! interest for consumer-credit claims. What is left over becomes a credit, never a negative item.
//! A designation Rapport cannot honour exactly is never re-allocated silently: the payment is
//! handed to a person instead.

use crate::domain::claim::ItemKind;
use crate::domain::ledger::{Ledger, Posting};
use crate::domain::{Money, MoneyError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// What the § 366 (2) order needs to know about a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimFacts {
    /// The claim these facts describe.
    pub claim_id: i64,
    /// When the claim fell due; claims not yet due on the value date come last.
    pub due_date: NaiveDate,
    /// How well the creditor is secured (0 = not at all; a surety, a title or a later limitation
    /// date make a claim more secure). Less secure claims are paid first.
    pub security: u8,
    /// How burdensome the claim is for the debtor, e.g. its interest rate in basis points. More
    /// burdensome claims are paid first.
    pub burden_bp: i32,
    /// When the claim arose; older claims are paid first.
    pub origin_date: NaiveDate,
    /// Consumer-credit claims follow § 497 (3) BGB inside the claim.
    pub consumer_credit: bool,
}

/// What the debtor said the payment is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Designation {
    /// Nothing: the statutory order applies.
    None,
    /// These claims, in this order (§ 366 (1) BGB). Whatever exceeds them follows the statutory order.
    Claims(Vec<i64>),
    /// These items only (e.g. "the principal of invoice 4711"), which departs from § 367 (1).
    Items(Vec<i64>),
}

/// An incoming payment to allocate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Identifies the payment in the postings it produces.
    pub payment_id: i64,
    /// The amount received; must be positive and in the ledger's currency.
    pub amount: Money,
    /// The value date: what is open on this date is paid.
    pub value_date: NaiveDate,
    /// What the debtor designated, if anything.
    pub designation: Designation,
}

/// Why a payment needs a person before it can be booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Referral {
    /// The designation names a claim or item that is not open on this case.
    UnknownTarget(i64),
    /// The debtor designated items in an order other than § 367 (1); the creditor may accept the
    /// designation or refuse the payment (§ 367 (2)), but may not re-allocate it.
    DeviatesFromStatutoryOrder,
}

/// The result of allocating a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Allocation {
    /// Postings to book; their amounts add up to the payment exactly (credit included).
    Booked {
        /// The postings to append to the ledger.
        postings: Vec<Posting>,
        /// The part of the payment kept as the debtor's credit.
        credit: Money,
    },
    /// Nothing is booked; a handler decides.
    Referred(Referral),
}

/// Why allocation could not be computed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AllocationError {
    #[error(transparent)]
    /// An amount could not be computed.
    Money(#[from] MoneyError),
    #[error("a payment must be a positive amount in the ledger's currency")]
    /// The payment is not a positive amount in the ledger's currency.
    InvalidPayment,
}

fn kind_rank(kind: ItemKind, consumer_credit: bool) -> u8 {
    match (kind, consumer_credit) {
        (ItemKind::Cost, _) => 0,
        (ItemKind::Interest, false) | (ItemKind::Principal, true) => 1,
        (ItemKind::Principal, false) | (ItemKind::Interest, true) => 2,
    }
}

/// The § 366 (2) comparison: due first, less secure, more burdensome, older. `Equal` means the
/// claims share a payment pro rata.
fn statutory_order(a: &ClaimFacts, b: &ClaimFacts, value_date: NaiveDate) -> Ordering {
    let due = |c: &ClaimFacts| c.due_date > value_date; // false (due) sorts first
    due(a)
        .cmp(&due(b))
        .then(a.security.cmp(&b.security))
        .then(b.burden_bp.cmp(&a.burden_bp))
        .then(a.origin_date.cmp(&b.origin_date))
}

/// Open items of one claim in the order of § 367 (1) or § 497 (3), oldest first within a kind.
fn claim_items(
    ledger: &Ledger,
    claim: &ClaimFacts,
    at: NaiveDate,
) -> Result<Vec<(i64, Money)>, MoneyError> {
    let mut items: Vec<_> = ledger
        .items
        .iter()
        .filter(|i| i.claim_id == claim.claim_id && i.date <= at)
        .collect();
    items.sort_by_key(|i| (kind_rank(i.kind, claim.consumer_credit), i.date, i.id));
    items
        .into_iter()
        .map(|i| Ok((i.id, ledger.open_on_item(i.id, at)?)))
        .filter(|r| r.as_ref().map_or(true, |(_, open)| open.minor > 0))
        .collect()
}

/// Pays `amount` into `items` in order; returns what is left.
fn fill(items: &[(i64, Money)], mut amount: i64, payment: &Payment, out: &mut Vec<Posting>) -> i64 {
    for (item_id, open) in items {
        if amount == 0 {
            break;
        }
        let take = amount.min(open.minor);
        if take > 0 {
            out.push(Posting {
                payment_id: payment.payment_id,
                item_id: Some(*item_id),
                amount: Money::new(take, payment.amount.currency),
                value_date: payment.value_date,
            });
            amount -= take;
        }
    }
    amount
}

/// Splits `amount` over claims in proportion to their open totals (largest remainder, ties to the
/// claim listed first), so that the shares add up exactly.
fn pro_rata(totals: &[i64], amount: i64) -> Vec<i64> {
    let sum: i128 = totals.iter().map(|&t| i128::from(t)).sum();
    if sum == 0 {
        return vec![0; totals.len()];
    }
    let exact: Vec<(i64, i128)> = totals
        .iter()
        .map(|&t| {
            let n = i128::from(amount) * i128::from(t);
            (i64::try_from(n / sum).unwrap_or(i64::MAX), n % sum)
        })
        .collect();
    let mut shares: Vec<i64> = exact.iter().map(|(s, _)| *s).collect();
    let mut left = amount - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..totals.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

/// Allocates `payment` against the open items of `ledger` as of its value date.
pub fn allocate(
    ledger: &Ledger,
    claims: &[ClaimFacts],
    payment: &Payment,
) -> Result<Allocation, AllocationError> {
    if payment.amount.minor <= 0 || payment.amount.currency != ledger.currency {
        return Err(AllocationError::InvalidPayment);
    }
    let at = payment.value_date;
    let mut postings = Vec::new();
    let mut left = payment.amount.minor;
    let mut remaining: Vec<&ClaimFacts> = claims.iter().collect();

    match &payment.designation {
        Designation::None => {}
        Designation::Claims(ids) => {
            for id in ids {
                let Some(pos) = remaining.iter().position(|c| c.claim_id == *id) else {
                    return Ok(Allocation::Referred(Referral::UnknownTarget(*id)));
                };
                let claim = remaining.remove(pos);
                let items = claim_items(ledger, claim, at)?;
                if items.is_empty() {
                    return Ok(Allocation::Referred(Referral::UnknownTarget(*id)));
                }
                left = fill(&items, left, payment, &mut postings);
            }
        }
        Designation::Items(ids) => {
            // Honoured only when it is exactly what § 367 (1) / § 497 (3) would do anyway.
            let mut designated = Vec::new();
            for id in ids {
                let item = ledger.items.iter().find(|i| i.id == *id);
                let open = ledger.open_on_item(*id, at)?;
                match item {
                    Some(_) if open.minor > 0 => designated.push((*id, open)),
                    _ => return Ok(Allocation::Referred(Referral::UnknownTarget(*id))),
                }
            }
            let mut statutory = Vec::new();
            let unconstrained = Payment {
                designation: Designation::None,
                ..payment.clone()
            };
            if let Allocation::Booked { postings: p, .. } =
                allocate(ledger, claims, &unconstrained)?
            {
                statutory = p;
            }
            let mut honoured = Vec::new();
            let rest = fill(&designated, left, payment, &mut honoured);
            let same_items = honoured.len()
                == statutory.iter().filter(|p| p.item_id.is_some()).count()
                && honoured.iter().zip(&statutory).all(|(a, b)| a == b);
            if !same_items {
                return Ok(Allocation::Referred(Referral::DeviatesFromStatutoryOrder));
            }
            postings = honoured;
            left = rest;
            remaining.clear();
        }
    }

    remaining.sort_by(|a, b| statutory_order(a, b, at));
    let mut i = 0;
    while i < remaining.len() && left > 0 {
        let mut j = i + 1;
        while j < remaining.len()
            && statutory_order(remaining[i], remaining[j], at) == Ordering::Equal
        {
            j += 1;
        }
        let group: Vec<Vec<(i64, Money)>> = remaining[i..j]
            .iter()
            .map(|c| claim_items(ledger, c, at))
            .collect::<Result<_, _>>()?;
        let totals: Vec<i64> = group
            .iter()
            .map(|items| items.iter().map(|(_, m)| m.minor).sum())
            .collect();
        let group_total: i64 = totals.iter().sum();
        if left >= group_total {
            for items in &group {
                left = fill(items, left, payment, &mut postings);
            }
        } else {
            let shares = pro_rata(&totals, left);
            for (items, share) in group.iter().zip(shares) {
                let unused = fill(items, share, payment, &mut postings);
                left -= share - unused;
            }
        }
        i = j;
    }

    let credit = Money::new(left, payment.amount.currency);
    if left > 0 {
        postings.push(Posting {
            payment_id: payment.payment_id,
            item_id: None,
            amount: credit,
            value_date: at,
        });
    }
    Ok(Allocation::Booked { postings, credit })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::LedgerItem;
    use crate::domain::Currency;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn eur(m: i64) -> Money {
        Money::new(m, Currency::EUR)
    }

    fn item(id: i64, claim_id: i64, kind: ItemKind, amount: i64) -> LedgerItem {
        LedgerItem {
            id,
            claim_id,
            kind,
            amount: eur(amount),
            date: d("2026-01-01"),
            legal_basis: String::new(),
        }
    }

    fn claim(claim_id: i64, due: &str, security: u8, burden_bp: i32, origin: &str) -> ClaimFacts {
        ClaimFacts {
            claim_id,
            due_date: d(due),
            security,
            burden_bp,
            origin_date: d(origin),
            consumer_credit: false,
        }
    }

    fn pay(amount: i64, designation: Designation) -> Payment {
        Payment {
            payment_id: 1,
            amount: eur(amount),
            value_date: d("2026-06-01"),
            designation,
        }
    }

    fn booked(a: Allocation) -> (Vec<(Option<i64>, i64)>, i64) {
        match a {
            Allocation::Booked { postings, credit } => (
                postings
                    .into_iter()
                    .map(|p| (p.item_id, p.amount.minor))
                    .collect(),
                credit.minor,
            ),
            other => panic!("expected a booking, got {other:?}"),
        }
    }

    fn one_claim_ledger() -> Ledger {
        Ledger {
            currency: Currency::EUR,
            items: vec![
                item(1, 1, ItemKind::Principal, 10_000),
                item(2, 1, ItemKind::Interest, 300),
                item(3, 1, ItemKind::Cost, 500),
            ],
            postings: Vec::new(),
        }
    }

    #[test]
    fn within_a_claim_costs_then_interest_then_principal() {
        let l = one_claim_ledger();
        let claims = [claim(1, "2026-02-01", 0, 0, "2026-01-01")];
        let (p, credit) = booked(allocate(&l, &claims, &pay(700, Designation::None)).expect("ok"));
        assert_eq!(p, vec![(Some(3), 500), (Some(2), 200)]);
        assert_eq!(credit, 0);
    }

    #[test]
    fn consumer_credit_pays_principal_before_interest() {
        let l = one_claim_ledger();
        let mut c = claim(1, "2026-02-01", 0, 0, "2026-01-01");
        c.consumer_credit = true;
        let (p, _) = booked(allocate(&l, &[c], &pay(1_000, Designation::None)).expect("ok"));
        assert_eq!(p, vec![(Some(3), 500), (Some(1), 500)]);
    }

    #[test]
    fn across_claims_the_statutory_order_decides_step_by_step() {
        let l = Ledger {
            currency: Currency::EUR,
            items: (1..=5)
                .map(|c| item(c, c, ItemKind::Principal, 1_000))
                .collect(),
            postings: Vec::new(),
        };
        let cases: [(&str, Vec<ClaimFacts>, i64); 4] = [
            (
                "due before not yet due",
                vec![
                    claim(1, "2026-07-01", 0, 0, "2025-01-01"),
                    claim(2, "2026-05-01", 0, 0, "2026-01-01"),
                ],
                2,
            ),
            (
                "less secure first",
                vec![
                    claim(1, "2026-05-01", 1, 0, "2025-01-01"),
                    claim(2, "2026-05-01", 0, 0, "2026-01-01"),
                ],
                2,
            ),
            (
                "more burdensome first",
                vec![
                    claim(1, "2026-05-01", 0, 500, "2025-01-01"),
                    claim(2, "2026-05-01", 0, 900, "2026-01-01"),
                ],
                2,
            ),
            (
                "older first",
                vec![
                    claim(1, "2026-05-01", 0, 0, "2026-02-01"),
                    claim(2, "2026-05-01", 0, 0, "2026-01-01"),
                ],
                2,
            ),
        ];
        for (rule, claims, first) in cases {
            let (p, _) = booked(allocate(&l, &claims, &pay(1_000, Designation::None)).expect("ok"));
            assert_eq!(p, vec![(Some(first), 1_000)], "{rule}");
        }
    }

    #[test]
    fn equal_claims_share_a_short_payment_pro_rata_to_the_cent() {
        let l = Ledger {
            currency: Currency::EUR,
            items: vec![
                item(1, 1, ItemKind::Principal, 2_000),
                item(2, 2, ItemKind::Principal, 1_000),
            ],
            postings: Vec::new(),
        };
        let claims = [
            claim(1, "2026-05-01", 0, 0, "2026-01-01"),
            claim(2, "2026-05-01", 0, 0, "2026-01-01"),
        ];
        let (p, credit) =
            booked(allocate(&l, &claims, &pay(1_000, Designation::None)).expect("ok"));
        assert_eq!(p, vec![(Some(1), 667), (Some(2), 333)]);
        assert_eq!(credit, 0);
    }

    #[test]
    fn overpayment_leaves_a_credit_and_no_item_goes_negative() {
        let l = one_claim_ledger();
        let claims = [claim(1, "2026-02-01", 0, 0, "2026-01-01")];
        let (p, credit) =
            booked(allocate(&l, &claims, &pay(11_000, Designation::None)).expect("ok"));
        assert_eq!(
            p,
            vec![
                (Some(3), 500),
                (Some(2), 300),
                (Some(1), 10_000),
                (None, 200)
            ]
        );
        assert_eq!(credit, 200);
    }

    #[test]
    fn designated_claims_are_paid_first_and_the_rest_follows_the_law() {
        let l = Ledger {
            currency: Currency::EUR,
            items: vec![
                item(1, 1, ItemKind::Principal, 1_000),
                item(2, 2, ItemKind::Principal, 1_000),
            ],
            postings: Vec::new(),
        };
        let claims = [
            claim(1, "2026-05-01", 0, 0, "2026-01-01"),
            claim(2, "2026-05-01", 0, 0, "2026-02-01"),
        ];
        let (p, _) =
            booked(allocate(&l, &claims, &pay(1_500, Designation::Claims(vec![2]))).expect("ok"));
        assert_eq!(p, vec![(Some(2), 1_000), (Some(1), 500)]);
        assert_eq!(
            allocate(&l, &claims, &pay(100, Designation::Claims(vec![9]))).expect("ok"),
            Allocation::Referred(Referral::UnknownTarget(9))
        );
    }

    #[test]
    fn an_item_designation_against_section_367_goes_to_a_person() {
        let l = one_claim_ledger();
        let claims = [claim(1, "2026-02-01", 0, 0, "2026-01-01")];
        assert_eq!(
            allocate(&l, &claims, &pay(1_000, Designation::Items(vec![1]))).expect("ok"),
            Allocation::Referred(Referral::DeviatesFromStatutoryOrder),
            "principal only, while costs and interest are open"
        );
        let (p, _) =
            booked(allocate(&l, &claims, &pay(500, Designation::Items(vec![3]))).expect("ok"));
        assert_eq!(
            p,
            vec![(Some(3), 500)],
            "designating the costs is what the law does anyway"
        );
    }

    #[test]
    fn refuses_payments_that_are_not_positive_or_in_another_currency() {
        let l = one_claim_ledger();
        assert_eq!(
            allocate(&l, &[], &pay(0, Designation::None)),
            Err(AllocationError::InvalidPayment)
        );
        let chf = Payment {
            amount: Money::new(1, Currency::parse("CHF").expect("valid")),
            ..pay(1, Designation::None)
        };
        assert_eq!(
            allocate(&l, &[], &chf),
            Err(AllocationError::InvalidPayment)
        );
    }

    proptest! {
        #[test]
        fn allocation_conserves_money_and_never_overpays_an_item(
            amounts in proptest::collection::vec((1i64..50_000, 0u8..3), 1..8),
            facts in proptest::collection::vec((0u8..2, 0i32..3, 0u32..3, any::<bool>()), 1..4),
            payment in 1i64..200_000,
            paid_before in 0i64..20_000,
        ) {
            let claims: Vec<ClaimFacts> = facts.iter().enumerate().map(|(i, (sec, burden, age, consumer))| ClaimFacts {
                claim_id: i as i64,
                due_date: d("2026-05-01"),
                security: *sec,
                burden_bp: *burden * 100,
                origin_date: d("2026-01-01") + chrono::Days::new(u64::from(*age)),
                consumer_credit: *consumer,
            }).collect();
            let kinds = [ItemKind::Principal, ItemKind::Interest, ItemKind::Cost];
            let items: Vec<LedgerItem> = amounts.iter().enumerate().map(|(i, (amount, kind))| {
                item(i as i64, (i % claims.len()) as i64, kinds[*kind as usize], *amount)
            }).collect();
            let mut ledger = Ledger { currency: Currency::EUR, items, postings: Vec::new() };
            if paid_before > 0 {
                if let Allocation::Booked { postings, .. } = allocate(&ledger, &claims, &pay(paid_before, Designation::None)).expect("ok") {
                    ledger.post(postings);
                }
            }
            let open_before: i64 = ledger.breakdown_at(d("2026-06-01")).expect("ok").balance.minor.max(0);
            let p = Payment { payment_id: 2, ..pay(payment, Designation::None) };
            let Allocation::Booked { postings, credit } = allocate(&ledger, &claims, &p).expect("ok") else {
                panic!("no designation, so it is always booked");
            };
            prop_assert_eq!(postings.iter().map(|p| p.amount.minor).sum::<i64>(), payment, "money is conserved");
            prop_assert!(postings.iter().all(|p| p.amount.minor > 0));
            prop_assert_eq!(credit.minor, (payment - open_before).max(0), "credit only for what exceeds the open balance");
            ledger.post(postings);
            for i in &ledger.items {
                prop_assert!(ledger.open_on_item(i.id, d("2026-06-01")).expect("ok").minor >= 0, "no negative item");
            }
        }
    }
}
