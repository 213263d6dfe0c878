use super::*;
use crate::domain::Currency;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn eur(m: i64) -> Money {
    Money::new(m, Currency::EUR)
}

fn request(balance: i64, down: i64, first: &str, size: PlanSize) -> PlanRequest {
    PlanRequest {
        balance: eur(balance),
        down_payment: eur(down),
        first_due: d(first),
        size,
        frequency: Frequency::Monthly,
    }
}

fn standard() -> PlanPolicy {
    PlanPolicy {
        min_instalment: eur(2_500),
        max_months: 12,
        max_count: 12,
        min_down_payment_bp: 0,
        max_deferral_days: 30,
        auto_accept: true,
        review_outside_bounds: true,
        agreement_cost: AgreementCost::Free,
        missed: MissedInstalmentRule {
            grace_days: 7,
            misses_to_break: 2,
        },
    }
}

#[test]
fn monthly_schedules_keep_the_day_split_exactly_and_skip_weekends() {
    // 2027-01-31 is a Sunday; February has no 31st; 2027-04-30 is a Friday.
    let plan = schedule(&request(10_000, 0, "2027-01-29", PlanSize::Count(3)), &[]).expect("ok");
    let dues: Vec<_> = plan.iter().map(|i| i.due).collect();
    assert_eq!(
        dues,
        vec![d("2027-01-29"), d("2027-03-01"), d("2027-03-29")],
        "28 Feb 2027 is a Sunday"
    );
    assert_eq!(
        plan.iter().map(|i| i.amount.minor).collect::<Vec<_>>(),
        vec![3_333, 3_333, 3_334]
    );
    let end_of_month =
        schedule(&request(3_000, 0, "2026-12-31", PlanSize::Count(3)), &[]).expect("ok");
    let dues: Vec<_> = end_of_month.iter().map(|i| i.due).collect();
    // 31 Jan 2027 and 28 Feb 2027 are Sundays: both move to the Monday after.
    assert_eq!(
        dues,
        vec![d("2026-12-31"), d("2027-02-01"), d("2027-03-01")]
    );
    let holiday = schedule(
        &request(1_000, 0, "2026-12-25", PlanSize::Count(1)),
        &[d("2026-12-25")],
    )
    .expect("ok");
    assert_eq!(
        holiday[0].due,
        d("2026-12-28"),
        "Friday holiday, then the weekend"
    );
}

#[test]
fn business_days_skip_weekends_and_holidays() {
    assert_eq!(
        add_business_days(d("2026-11-20"), 2, &[]),
        d("2026-11-24"),
        "Friday + 2 = Tuesday"
    );
    assert_eq!(
        add_business_days(d("2026-12-23"), 2, &[d("2026-12-25")]),
        d("2026-12-28")
    );
    assert_eq!(add_business_days(d("2026-11-22"), 0, &[]), d("2026-11-22"));
}

#[test]
fn a_down_payment_comes_first_and_an_amount_plan_ends_with_the_rest() {
    let req = PlanRequest {
        frequency: Frequency::Weekly,
        ..request(10_000, 1_000, "2026-12-01", PlanSize::Amount(eur(4_000)))
    };
    let plan = schedule(&req, &[]).expect("ok");
    let rows: Vec<_> = plan
        .iter()
        .map(|i| (i.number, i.due, i.amount.minor))
        .collect();
    assert_eq!(
        rows,
        vec![
            (0, d("2026-12-01"), 1_000),
            (1, d("2026-12-08"), 4_000),
            (2, d("2026-12-15"), 4_000),
            (3, d("2026-12-22"), 1_000)
        ]
    );
}

#[test]
fn impossible_proposals_are_errors_with_the_reason() {
    assert_eq!(
        schedule(&request(0, 0, "2026-12-01", PlanSize::Count(2)), &[]),
        Err(PlanError::NothingToPay)
    );
    assert_eq!(
        schedule(&request(100, 200, "2026-12-01", PlanSize::Count(2)), &[]),
        Err(PlanError::DownPaymentTooLarge)
    );
    assert_eq!(
        schedule(&request(100, 0, "2026-12-01", PlanSize::Count(0)), &[]),
        Err(PlanError::NoInstalments)
    );
    assert_eq!(
        schedule(
            &request(100, 0, "2026-12-01", PlanSize::Amount(eur(0))),
            &[]
        ),
        Err(PlanError::InstalmentNotPositive)
    );
    assert_eq!(
        schedule(
            &request(100_000, 0, "2026-12-01", PlanSize::Amount(eur(1))),
            &[]
        ),
        Err(PlanError::TooManyInstalments(MAX_INSTALMENTS))
    );
    assert_eq!(
        evaluate(
            &standard(),
            &request(100, 0, "2026-11-01", PlanSize::Count(1)),
            d("2026-11-22"),
            &[]
        ),
        Err(PlanError::FirstDueInPast)
    );
}

#[test]
fn inside_the_bounds_is_agreed_at_once_or_confirmed_by_a_person() {
    let today = d("2026-11-22");
    let req = request(30_000, 0, "2026-12-01", PlanSize::Count(6));
    let e = evaluate(&standard(), &req, today, &[]).expect("ok");
    assert_eq!(e.decision, Decision::Accept);
    assert_eq!(e.counter_offer, None);
    let key_account = PlanPolicy {
        auto_accept: false,
        ..standard()
    };
    let e = evaluate(&key_account, &req, today, &[]).expect("ok");
    assert_eq!(
        e.decision,
        Decision::NeedsReview(vec![PlanReason::ConfirmationRequired])
    );
}

#[test]
fn outside_the_bounds_goes_to_review_or_is_declined_with_a_counter_offer() {
    let today = d("2026-11-22");
    let req = request(30_000, 0, "2027-02-01", PlanSize::Count(24));
    let e = evaluate(&standard(), &req, today, &[]).expect("ok");
    let Decision::NeedsReview(reasons) = &e.decision else {
        panic!("review expected: {:?}", e.decision)
    };
    assert!(reasons.contains(&PlanReason::InstalmentTooLow { min: eur(2_500) }));
    assert!(reasons.contains(&PlanReason::TooManyInstalments { max: 12 }));
    assert!(reasons.contains(&PlanReason::TooLong { max_months: 12 }));
    assert!(reasons.contains(&PlanReason::FirstDueTooLate {
        latest: d("2026-12-22")
    }));
    let counter = e.counter_offer.expect("a counter-offer exists");
    assert_eq!(counter.first_due, d("2026-12-22"));
    assert_eq!(counter.size, PlanSize::Count(12));
    assert_eq!(
        evaluate(&standard(), &counter, today, &[])
            .expect("ok")
            .decision,
        Decision::Accept
    );

    let strict = PlanPolicy {
        review_outside_bounds: false,
        min_down_payment_bp: 2_000,
        ..standard()
    };
    let e = evaluate(
        &strict,
        &request(30_000, 0, "2026-12-01", PlanSize::Count(3)),
        today,
        &[],
    )
    .expect("ok");
    assert_eq!(
        e.decision,
        Decision::Reject(vec![PlanReason::DownPaymentTooLow { min: eur(6_000) }])
    );
    assert_eq!(e.counter_offer.map(|c| c.down_payment), Some(eur(6_000)));
}

#[test]
fn the_agreement_cost_is_computed_before_acceptance() {
    let share = AgreementCost::Share {
        bp: 250,
        min: eur(500),
        max: eur(5_000),
    };
    assert_eq!(share.for_balance(eur(100_000)), eur(2_500));
    assert_eq!(
        share.for_balance(eur(1_000)),
        eur(500),
        "at least the minimum"
    );
    assert_eq!(
        share.for_balance(eur(10_000_000)),
        eur(5_000),
        "at most the maximum"
    );
    let policy = PlanPolicy {
        agreement_cost: AgreementCost::Fixed(eur(1_500)),
        ..standard()
    };
    let e = evaluate(
        &policy,
        &request(30_000, 0, "2026-12-01", PlanSize::Count(6)),
        d("2026-11-22"),
        &[],
    )
    .expect("ok");
    assert_eq!(e.cost, eur(1_500));
}

#[test]
fn balance_bands_pick_the_tightest_matching_policy() {
    let small = PlanPolicy {
        max_count: 3,
        ..standard()
    };
    let bands = [
        PolicyBand {
            up_to: None,
            policy: standard(),
        },
        PolicyBand {
            up_to: Some(eur(10_000)),
            policy: small,
        },
    ];
    assert_eq!(
        policy_for_balance(&bands, eur(10_000)).map(|p| p.max_count),
        Some(3)
    );
    assert_eq!(
        policy_for_balance(&bands, eur(10_001)).map(|p| p.max_count),
        Some(12)
    );
    assert_eq!(policy_for_balance(&bands[1..], eur(10_001)), None);
}

#[test]
fn missed_instalments_are_judged_after_the_grace_days() {
    let plan = schedule(&request(30_000, 0, "2026-01-05", PlanSize::Count(3)), &[]).expect("ok");
    let rule = MissedInstalmentRule {
        grace_days: 7,
        misses_to_break: 2,
    };
    let paid = |list: &[(&str, i64)]| {
        list.iter()
            .map(|(day, m)| (d(day), eur(*m)))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        plan_status(&plan, &[], d("2026-01-04"), rule),
        PlanStatus::OnTrack
    );
    assert_eq!(
        plan_status(&plan, &[], d("2026-01-10"), rule),
        PlanStatus::Late { number: 1 }
    );
    assert_eq!(
        plan_status(
            &plan,
            &paid(&[("2026-01-11", 10_000)]),
            d("2026-01-20"),
            rule
        ),
        PlanStatus::OnTrack
    );
    assert_eq!(
        plan_status(&plan, &[], d("2026-01-13"), rule),
        PlanStatus::Missed { count: 1 }
    );
    assert_eq!(
        plan_status(
            &plan,
            &paid(&[("2026-01-05", 10_000)]),
            d("2026-03-20"),
            rule
        ),
        PlanStatus::Broken { count: 2 }
    );
    assert_eq!(
        plan_status(
            &plan,
            &paid(&[("2026-01-05", 30_000)]),
            d("2026-01-06"),
            rule
        ),
        PlanStatus::Completed
    );
}

proptest! {
    #[test]
    fn schedules_sum_to_the_balance_and_fall_on_business_days(
        balance in 1i64..10_000_000,
        down_share in 0i64..100,
        count in 1u32..60,
        amount in 1i64..1_000_000,
        by_count in any::<bool>(),
        start in 0u64..730,
        frequency in prop_oneof![Just(Frequency::Weekly), Just(Frequency::Fortnightly), Just(Frequency::Monthly)],
    ) {
        let down = balance * down_share / 100;
        let size = if by_count { PlanSize::Count(count) } else { PlanSize::Amount(eur(amount)) };
        let req = PlanRequest { balance: eur(balance), down_payment: eur(down), first_due: d("2026-01-01") + Days::new(start), size, frequency };
        match schedule(&req, &[]) {
            Ok(plan) => {
                prop_assert_eq!(plan.iter().map(|i| i.amount.minor).sum::<i64>(), balance);
                prop_assert!(plan.iter().all(|i| i.amount.minor >= 0 && is_business_day(i.due, &[])));
                prop_assert!(plan.windows(2).all(|w| w[0].due <= w[1].due));
            }
            Err(e) => prop_assert_eq!(e, PlanError::TooManyInstalments(MAX_INSTALMENTS)),
        }
    }
}
