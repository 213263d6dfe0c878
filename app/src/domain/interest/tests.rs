use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn eur(m: i64) -> Money {
    Money::new(m, Currency::EUR)
}

fn table() -> BaseRateTable {
    seeded_rates()
}

fn from(date: &str, minor: i64) -> PrincipalFrom {
    PrincipalFrom {
        date: d(date),
        principal: eur(minor),
    }
}

#[test]
fn a_missing_half_year_is_reported_a_month_ahead_and_after_it_began() {
    let t = table();
    assert_eq!(t.known_until(), Some(d("2026-07-01")));
    assert_eq!(t.missing_soon(d("2026-05-30"), 31), None);
    assert_eq!(t.missing_soon(d("2026-05-31"), 31), Some(d("2026-07-01")));
    assert_eq!(t.missing_soon(d("2026-12-07"), 31), Some(d("2026-07-01")));
}

#[test]
fn base_rates_hold_until_the_next_row_and_the_newest_only_for_its_half_year() {
    let t = table();
    assert_eq!(
        t.rate_on(d("2020-03-15")),
        Ok(-88),
        "one row covers 2016 to 2022"
    );
    assert_eq!(t.rate_on(d("2023-06-30")), Ok(162));
    assert_eq!(t.rate_on(d("2026-06-30")), Ok(127));
    assert_eq!(
        t.rate_on(d("2026-07-01")),
        Err(InterestError::NoBaseRate(d("2026-07-01")))
    );
    assert_eq!(
        t.rate_on(d("2016-06-30")),
        Err(InterestError::NoBaseRate(d("2016-01-01")))
    );
    assert!(matches!(
        BaseRateTable::new(vec![BaseRate {
            valid_from: d("2026-02-01"),
            rate_bp: 1
        }]),
        Err(InterestError::NotAHalfYear(_))
    ));
    let twice = vec![
        BaseRate {
            valid_from: d("2026-01-01"),
            rate_bp: 1
        };
        2
    ];
    assert_eq!(
        BaseRateTable::new(twice),
        Err(InterestError::Duplicate(d("2026-01-01")))
    );
}

#[test]
fn a_consumer_claim_over_a_base_rate_change_is_itemised_per_half_year() {
    // 1,000.00 EUR from 1 Dec 2024 to 1 Feb 2025: 31 days at 3.37 + 5 and 31 days at 2.27 + 5.
    let calc = default_interest(
        &table(),
        500,
        &[from("2024-12-01", 100_000)],
        d("2025-02-01"),
        Conventions::default(),
    )
    .expect("rates known");
    assert_eq!(calc.lines.len(), 2);
    let (a, b) = (calc.lines[0], calc.lines[1]);
    assert_eq!(
        (a.from, a.to, a.days, a.rate_bp),
        (d("2024-12-01"), d("2025-01-01"), 31, 837)
    );
    // 100000 × 837 × 31 / (10000 × 366) = 708.93… → 7.09 EUR (2024 is a leap year)
    assert_eq!(a.interest, eur(709));
    assert_eq!(
        (b.from, b.to, b.days, b.rate_bp),
        (d("2025-01-01"), d("2025-02-01"), 31, 727)
    );
    // 100000 × 727 × 31 / (10000 × 365) = 617.45… → 6.17 EUR
    assert_eq!(b.interest, eur(617));
    assert_eq!(calc.total, eur(1_326));
}

#[test]
fn a_partial_payment_starts_a_new_segment_with_the_lower_principal() {
    let history = [from("2026-01-01", 100_000), from("2026-03-01", 40_000)];
    let calc = default_interest(
        &table(),
        900,
        &history,
        d("2026-04-01"),
        Conventions::default(),
    )
    .expect("ok");
    assert_eq!(calc.lines.len(), 2);
    assert_eq!(
        (calc.lines[0].days, calc.lines[0].principal),
        (59, eur(100_000))
    );
    assert_eq!(
        (calc.lines[1].days, calc.lines[1].principal),
        (31, eur(40_000))
    );
    assert_eq!(calc.lines[0].rate_bp, 1_027);
    // 100000 × 1027 × 59 / 3650000 = 1660.07 → 16.60; 40000 × 1027 × 31 / 3650000 = 348.90 → 3.49
    assert_eq!(calc.total, eur(1_660 + 349));
}

#[test]
fn day_count_and_rounding_are_the_stated_conventions() {
    let history = [from("2026-01-01", 33_333)];
    let until = d("2026-01-11");
    let run = |day_count, rounding| {
        default_interest(
            &table(),
            500,
            &history,
            until,
            Conventions {
                day_count,
                rounding,
            },
        )
        .expect("ok")
        .total
        .minor
    };
    // 33333 × 627 × 10 = 208997910; / 3650000 = 57.26 ; / 3600000 = 58.05
    assert_eq!(run(DayCount::ActualActual, Rounding::HalfUp), 57);
    assert_eq!(run(DayCount::Actual360, Rounding::HalfUp), 58);
    assert_eq!(run(DayCount::Actual360, Rounding::Down), 58);
    assert_eq!(divide(5, 2, Rounding::HalfEven), 2);
    assert_eq!(divide(7, 2, Rounding::HalfEven), 4);
    assert_eq!(divide(5, 2, Rounding::HalfUp), 3);
    assert_eq!(divide(5, 2, Rounding::Down), 2);
}

#[test]
fn a_period_without_a_known_base_rate_is_an_error() {
    let result = default_interest(
        &table(),
        500,
        &[from("2026-06-01", 10_000)],
        d("2026-08-01"),
        Conventions::default(),
    );
    assert_eq!(result, Err(InterestError::NoBaseRate(d("2026-07-01"))));
}

#[test]
fn the_b2b_lump_sum_applies_only_to_payment_claims_against_businesses() {
    let p = StatutoryParameters {
        valid_from: d("2014-07-29"),
        consumer_margin_bp: 500,
        business_margin_bp: 900,
        business_lump_sum_minor: 4_000,
    };
    assert_eq!(
        p.lump_sum(DebtorKind::Business, true, Currency::EUR),
        Some(eur(4_000))
    );
    assert_eq!(p.lump_sum(DebtorKind::Business, false, Currency::EUR), None);
    assert_eq!(p.lump_sum(DebtorKind::Consumer, true, Currency::EUR), None);
    let old = StatutoryParameters {
        valid_from: d("2002-01-01"),
        business_margin_bp: 800,
        business_lump_sum_minor: 0,
        ..p
    };
    assert_eq!(
        parameters_on(&[p, old], d("2014-07-28"))
            .expect("known")
            .margin_bp(DebtorKind::Business),
        800
    );
    assert_eq!(
        parameters_on(&[p, old], d("2014-07-29"))
            .expect("known")
            .margin_bp(DebtorKind::Business),
        900
    );
    assert_eq!(
        parameters_on(&[p], d("2001-01-01")),
        Err(InterestError::NoStatutoryParameters(d("2001-01-01")))
    );
}

proptest! {
    #[test]
    fn interest_grows_with_time_and_is_zero_without_principal(
        principal in 0i64..100_000_000,
        start in 0i64..1_200,
        len1 in 0i64..800,
        extra in 0i64..400,
        margin in prop_oneof![Just(500), Just(900)],
    ) {
        let start = d("2023-01-01") + chrono::Duration::days(start);
        let history = [PrincipalFrom { date: start, principal: eur(principal) }];
        let end1 = start + chrono::Duration::days(len1);
        let end2 = end1 + chrono::Duration::days(extra);
        prop_assume!(end2 < d("2026-07-01"));
        let a = default_interest(&table(), margin, &history, end1, Conventions::default()).expect("ok");
        let b = default_interest(&table(), margin, &history, end2, Conventions::default()).expect("ok");
        prop_assert!(b.total.minor >= a.total.minor, "monotone in time");
        prop_assert_eq!(a.lines.iter().map(|l| l.days).sum::<i64>(), if principal > 0 { len1 } else { 0 });
        let zero = [PrincipalFrom { date: start, principal: eur(0) }];
        prop_assert_eq!(default_interest(&table(), margin, &zero, end2, Conventions::default()).expect("ok").total, eur(0));
    }
}
