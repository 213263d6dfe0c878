//! Hand-computed cases. Every amount below was worked out on paper from the formula
//! principal × (base rate + margin) × days / days of the year, rounded half up per segment, with
//! the base rates of the legal tables migration.

use super::*;
use crate::domain::allocation::{allocate, Allocation, ClaimFacts, Designation, Payment};
use crate::domain::interest::DebtorKind;
use crate::domain::ledger::Posting;
use crate::domain::Currency;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn eur(m: i64) -> Money {
    Money::new(m, Currency::EUR)
}

fn statute() -> Statute {
    Statute {
        rates: crate::domain::interest::seeded_rates(),
        parameters: vec![StatutoryParameters {
            valid_from: d("2014-07-29"),
            consumer_margin_bp: 500,
            business_margin_bp: 900,
            business_lump_sum_minor: 4000,
        }],
    }
}

fn item(id: i64, claim_id: i64, kind: ItemKind, minor: i64, date: &str) -> LedgerItem {
    LedgerItem {
        id,
        claim_id,
        kind,
        amount: eur(minor),
        date: d(date),
        legal_basis: String::new(),
    }
}

/// One claim of € 1,000.00 principal due on `due`.
fn one_claim(due: &str) -> (Ledger, Vec<AccrualClaim>) {
    let mut ledger = Ledger::new(Currency::EUR);
    ledger
        .items
        .push(item(1, 10, ItemKind::Principal, 100_000, due));
    let claims = vec![AccrualClaim {
        claim_id: 10,
        due_date: d(due),
        covered_through: None,
        lump_sum_charged: false,
    }];
    (ledger, claims)
}

fn run(
    ledger: &Ledger,
    claims: &[AccrualClaim],
    kind: DebtorKind,
    until: &str,
) -> Result<Accrual, InterestError> {
    accrue(
        ledger,
        claims,
        InterestPolicy::Statutory,
        kind,
        &statute(),
        d(until),
        Conventions::default(),
    )
}

fn interest_of(a: &Accrual) -> Vec<i64> {
    a.items
        .iter()
        .filter(|i| i.kind == ItemKind::Interest)
        .map(|i| i.amount.minor)
        .collect()
}

#[test]
fn consumer_interest_is_split_at_the_half_year() {
    let (ledger, claims) = one_claim("2025-05-31");
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2025-09-01").expect("accrues");
    // 1 June – 30 June: 30 days at 2.27 + 5 = 7.27 %: 100,000 × 727 × 30 / 3,650,000 = 597.53
    // 1 July – 31 August: 62 days at 1.27 + 5 = 6.27 %: 100,000 × 627 × 62 / 3,650,000 = 1,065.04
    let lines: Vec<(i64, i32, i64)> = a.items[0]
        .lines
        .iter()
        .map(|l| (l.days, l.rate_bp, l.interest.minor))
        .collect();
    assert_eq!(lines, vec![(30, 727, 598), (62, 627, 1065)]);
    assert_eq!(interest_of(&a), vec![1663]);
    assert_eq!(
        (a.items[0].from, a.items[0].through),
        (d("2025-06-01"), d("2025-08-31"))
    );
    assert_eq!(a.stopped_at, None);
}

#[test]
fn a_partial_payment_lowers_the_principal_from_its_value_date() {
    let (mut ledger, claims) = one_claim("2025-05-31");
    ledger.postings.push(Posting {
        payment_id: 1,
        item_id: Some(1),
        amount: eur(40_000),
        value_date: d("2025-08-01"),
    });
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2025-09-01").expect("accrues");
    // June 598 as before; July: 31 days on 1,000 at 6.27 % = 532.52; August: 31 days on 600 = 319.51
    let lines: Vec<(i64, i64)> = a.items[0]
        .lines
        .iter()
        .map(|l| (l.principal.minor, l.interest.minor))
        .collect();
    assert_eq!(lines, vec![(100_000, 598), (100_000, 533), (60_000, 320)]);
    assert_eq!(interest_of(&a), vec![1451]);
}

#[test]
fn several_half_years_and_a_leap_year() {
    let (ledger, claims) = one_claim("2023-06-30");
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2024-07-01").expect("accrues");
    // 2nd half of 2023: 184 days at 8.12 % over 365 = 4,093.37
    // 1st half of 2024: 182 days at 8.62 % over 366 (leap year) = 4,286.45
    let lines: Vec<(i64, i64)> = a.items[0]
        .lines
        .iter()
        .map(|l| (l.days, l.interest.minor))
        .collect();
    assert_eq!(lines, vec![(184, 4093), (182, 4286)]);

    let (ledger, claims) = one_claim("2024-02-27");
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2024-03-02").expect("accrues");
    // 28 and 29 February and 1 March 2024: 3 days at 8.62 % over 366 = 70.66
    assert_eq!(interest_of(&a), vec![71]);
}

#[test]
fn a_negative_base_rate_still_leaves_the_margin_for_consumer_and_business() {
    let (ledger, claims) = one_claim("2022-12-30");
    // 31 December 2022 at −0.88 + 5 = 4.12 % (11.29), 1 January 2023 at 1.62 + 5 = 6.62 % (18.14)
    let consumer = run(&ledger, &claims, DebtorKind::Consumer, "2023-01-02").expect("accrues");
    assert_eq!(interest_of(&consumer), vec![11 + 18]);
    // The same days at −0.88 + 9 = 8.12 % (22.25) and 1.62 + 9 = 10.62 % (29.10)
    let business = run(&ledger, &claims, DebtorKind::Business, "2023-01-02").expect("accrues");
    assert_eq!(interest_of(&business), vec![22 + 29]);
}

#[test]
fn a_business_pays_the_lump_sum_less_the_costs_already_charged() {
    let (mut ledger, claims) = one_claim("2025-05-31");
    let a = run(&ledger, &claims, DebtorKind::Business, "2025-06-02").expect("accrues");
    let lump: Vec<(i64, NaiveDate)> = a
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Cost)
        .map(|i| (i.amount.minor, i.through))
        .collect();
    assert_eq!(lump, vec![(4000, d("2025-06-01"))]);
    assert_eq!(a.items[0].legal_basis(), "§ 288 Abs. 5 BGB");

    // € 15 of reminder fees are credited against it: € 25 remain.
    ledger
        .items
        .push(item(2, 10, ItemKind::Cost, 1500, "2025-06-10"));
    let a = run(&ledger, &claims, DebtorKind::Business, "2025-06-02").expect("accrues");
    assert_eq!(a.items[0].amount, eur(2500));
    // Costs of € 40 or more leave no lump sum; a consumer never owes one.
    ledger
        .items
        .push(item(3, 10, ItemKind::Cost, 2500, "2025-06-10"));
    let a = run(&ledger, &claims, DebtorKind::Business, "2025-06-02").expect("accrues");
    assert!(a.items.iter().all(|i| i.kind == ItemKind::Interest));
    let (ledger, claims) = one_claim("2025-05-31");
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2025-06-02").expect("accrues");
    assert!(a.items.iter().all(|i| i.kind == ItemKind::Interest));
}

#[test]
fn interest_handed_over_is_not_charged_twice_and_nothing_runs_before_default() {
    let (ledger, mut claims) = one_claim("2025-05-31");
    claims[0].covered_through = Some(d("2025-06-30"));
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2025-09-01").expect("accrues");
    assert_eq!(interest_of(&a), vec![1065], "only July and August");
    assert_eq!(a.items[0].from, d("2025-07-01"));
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2025-06-01").expect("accrues");
    assert!(a.items.is_empty(), "due on 31 May: nothing before 1 June");
}

#[test]
fn other_policies_accrue_nothing() {
    let (ledger, claims) = one_claim("2025-05-31");
    for policy in [InterestPolicy::HandedOver, InterestPolicy::Waived] {
        let a = accrue(
            &ledger,
            &claims,
            policy,
            DebtorKind::Business,
            &statute(),
            d("2025-09-01"),
            Conventions::default(),
        )
        .expect("accrues");
        assert_eq!(a, Accrual::none());
    }
    assert_eq!(InterestPolicy::of(true, true), InterestPolicy::Waived);
    assert_eq!(InterestPolicy::of(false, true), InterestPolicy::Statutory);
    assert_eq!(InterestPolicy::of(false, false), InterestPolicy::HandedOver);
}

#[test]
fn interest_into_a_half_year_without_a_base_rate_stops_and_says_so() {
    let (ledger, claims) = one_claim("2026-05-31");
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2026-12-07").expect("accrues");
    assert_eq!(a.stopped_at, Some(d("2026-07-01")));
    assert_eq!(a.items[0].through, d("2026-06-30"));
    // June 2026 only: 30 days at 6.27 % = 515.34
    assert_eq!(interest_of(&a), vec![515]);
    // Interest handed over up to 18 October: computed until then, and said so.
    let (ledger, mut claims) = one_claim("2026-05-31");
    claims[0].covered_through = Some(d("2026-10-18"));
    let a = run(&ledger, &claims, DebtorKind::Consumer, "2026-12-07").expect("accrues");
    assert!(a.items.is_empty());
    assert_eq!(a.stopped_at, Some(d("2026-10-19")));
}

/// Books `amount` on `value_date` as the server does: charge the accrual, then allocate.
fn book(
    ledger: &mut Ledger,
    claims: &mut [AccrualClaim],
    facts: &[ClaimFacts],
    kind: DebtorKind,
    (payment_id, amount, value_date): (i64, i64, NaiveDate),
    next_id: &mut i64,
) -> Vec<Posting> {
    let accrual = accrue(
        ledger,
        claims,
        InterestPolicy::Statutory,
        kind,
        &statute(),
        value_date,
        Conventions::default(),
    )
    .expect("accrues");
    charge(ledger, claims, accrual, || {
        *next_id += 1;
        Some(*next_id)
    })
    .expect("ids");
    let payment = Payment {
        payment_id,
        amount: eur(amount),
        value_date,
        designation: Designation::None,
    };
    let Allocation::Booked { postings, .. } = allocate(ledger, facts, &payment).expect("allocates")
    else {
        panic!("referred")
    };
    ledger.post(postings.clone());
    postings
}

fn facts(claims: &[AccrualClaim]) -> Vec<ClaimFacts> {
    claims
        .iter()
        .map(|c| ClaimFacts {
            claim_id: c.claim_id,
            due_date: c.due_date,
            security: 0,
            burden_bp: 0,
            origin_date: c.due_date,
            consumer_credit: false,
        })
        .collect()
}

#[test]
fn a_payment_in_full_on_the_value_date_leaves_nothing_and_stops_the_interest() {
    let (mut ledger, mut claims) = one_claim("2025-05-31");
    let facts = facts(&claims);
    // Shown on 1 July: 1,000.00 + 5.98 interest for June, not for 1 July itself.
    let shown = run(&ledger, &claims, DebtorKind::Consumer, "2025-07-01").expect("accrues");
    assert_eq!(interest_of(&shown), vec![598]);
    let mut next_id = 100;
    let postings = book(
        &mut ledger,
        &mut claims,
        &facts,
        DebtorKind::Consumer,
        (1, 100_598, d("2025-07-01")),
        &mut next_id,
    );
    // § 367: interest first, then principal; no credit.
    let split: Vec<(Option<i64>, i64)> = postings
        .iter()
        .map(|p| (p.item_id, p.amount.minor))
        .collect();
    assert_eq!(split, vec![(Some(101), 598), (Some(1), 100_000)]);
    let later = d("2026-06-01");
    let rest = run(&ledger, &claims, DebtorKind::Consumer, "2026-06-01").expect("accrues");
    assert!(rest.items.is_empty(), "nothing runs on a paid claim");
    assert_eq!(ledger.breakdown_at(later).expect("adds up").balance, eur(0));
}

proptest! {
    /// However payments fall, every cent of each is allocated (to an item or as credit), no item is
    /// paid beyond what it owes, and the interest never runs on more than the open principal.
    #[test]
    fn allocations_always_add_up_to_the_payments(
        principals in prop::collection::vec(1_000i64..500_000, 1..4),
        payments in prop::collection::vec((1i64..200_000, 1u64..200), 1..6),
        business in any::<bool>(),
    ) {
        let kind = if business { DebtorKind::Business } else { DebtorKind::Consumer };
        let mut ledger = Ledger::new(Currency::EUR);
        let mut claims = Vec::new();
        for (i, minor) in principals.iter().enumerate() {
            let claim_id = 10 + i as i64;
            let due = d("2024-03-15") + Days::new(20 * i as u64);
            ledger.items.push(item(i as i64 + 1, claim_id, ItemKind::Principal, *minor, "2024-03-01"));
            claims.push(AccrualClaim { claim_id, due_date: due, covered_through: None, lump_sum_charged: false });
        }
        let facts = facts(&claims);
        let mut day = d("2024-04-01");
        let mut next_id = 1000;
        for (n, (amount, gap)) in payments.iter().enumerate() {
            day = day + Days::new(*gap);
            let postings = book(&mut ledger, &mut claims, &facts, kind, (n as i64 + 1, *amount, day), &mut next_id);
            let sum: i64 = postings.iter().map(|p| p.amount.minor).sum();
            prop_assert_eq!(sum, *amount);
            for i in &ledger.items {
                prop_assert!(ledger.open_on_item(i.id, day).expect("adds up").minor >= 0);
            }
        }
        let paid: i64 = payments.iter().map(|p| p.0).sum();
        let breakdown = ledger.breakdown_at(day).expect("adds up");
        prop_assert_eq!(breakdown.payments.minor, paid);
        let owed = breakdown.principal.minor + breakdown.interest.minor + breakdown.costs.minor;
        prop_assert_eq!(breakdown.balance.minor, owed - paid);
    }
}
