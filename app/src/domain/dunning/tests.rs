use super::*;
use crate::domain::Currency;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn eur(m: i64) -> Money {
    Money::new(m, Currency::EUR)
}

fn standard() -> Cadence {
    Cadence::default_for("standard")
}

#[test]
fn the_seeded_cadences_are_valid() {
    for key in ["key_account", "standard", "strict", "anything"] {
        assert_eq!(Cadence::default_for(key).validate(), Ok(()), "{key}");
    }
}

#[test]
fn bad_cadences_are_named() {
    let mut c = standard();
    c.steps.clear();
    assert_eq!(c.validate(), Err(CadenceError::NoSteps));
    let mut c = standard();
    c.steps[1].after_days = 0;
    assert_eq!(c.validate(), Err(CadenceError::ZeroGapAfterFirst));
    let mut c = standard();
    c.steps[1].after_days = MAX_GAP_DAYS + 1;
    assert_eq!(c.validate(), Err(CadenceError::GapOutOfRange));
    let mut c = standard();
    c.steps.swap(2, 3);
    assert_eq!(c.validate(), Err(CadenceError::StepOrder));
    let mut c = standard();
    c.steps.push(step(StepKind::Escalation, 3));
    assert_eq!(c.validate(), Err(CadenceError::StepOrder));
}

#[test]
fn the_seeded_cadences_read_back_from_their_outline() {
    for key in ["key_account", "standard", "strict"] {
        let c = Cadence::default_for(key);
        assert_eq!(CadenceOutline::of(&c).cadence(), c, "{key}");
    }
}

#[test]
fn the_channel_follows_the_debtors_wish_within_the_class() {
    let both = Channels::default();
    let email_only = Channels {
        email: true,
        letter: false,
    };
    let letter_only = Channels {
        email: false,
        letter: true,
    };
    let table = [
        (both, false, true, Channel::Email),
        (both, true, true, Channel::Letter),
        (both, false, false, Channel::Letter),
        (email_only, true, true, Channel::Email),
        (email_only, false, false, Channel::Letter),
        (letter_only, false, true, Channel::Letter),
    ];
    for (channels, prefers_letter, has_email, expected) in table {
        assert_eq!(
            channels.choose(prefers_letter, has_email),
            expected,
            "{channels:?} prefers_letter={prefers_letter} has_email={has_email}"
        );
    }
    let mut c = standard();
    c.channels = Channels {
        email: false,
        letter: false,
    };
    assert_eq!(c.validate(), Err(CadenceError::NoChannel));
}

#[test]
fn steps_follow_the_cadence_from_the_last_step_taken() {
    let c = standard();
    assert_eq!(
        next_step(&c, 0, d("2026-03-01"), &[], d("2026-03-01")),
        NextStep::Due {
            index: 0,
            kind: StepKind::Reminder,
            due: d("2026-03-01")
        }
    );
    assert_eq!(
        next_step(&c, 1, d("2026-03-01"), &[], d("2026-03-10")),
        NextStep::Later {
            index: 1,
            kind: StepKind::Reminder,
            due: d("2026-03-15")
        }
    );
    assert_eq!(
        next_step(&c, 2, d("2026-03-15"), &[], d("2026-03-29")),
        NextStep::Due {
            index: 2,
            kind: StepKind::FinalNotice,
            due: d("2026-03-29")
        }
    );
    assert_eq!(
        next_step(&c, 4, d("2026-03-15"), &[], d("2026-09-01")),
        NextStep::Finished
    );
}

#[test]
fn a_pause_stops_the_clock_and_its_days_do_not_count() {
    let c = standard();
    let hold = Pause {
        from: d("2026-03-05"),
        until: Some(d("2026-03-15")),
    };
    assert_eq!(
        next_step(&c, 1, d("2026-03-01"), &[hold], d("2026-03-10")),
        NextStep::Paused
    );
    // 2 to 4 March count 3 days, 15 to 25 March 11 more: 14 dunning days.
    assert_eq!(
        next_step(&c, 1, d("2026-03-01"), &[hold], d("2026-03-15")),
        NextStep::Later {
            index: 1,
            kind: StepKind::Reminder,
            due: d("2026-03-25")
        }
    );
    let open = Pause {
        from: d("2026-03-05"),
        until: None,
    };
    assert_eq!(
        next_step(&c, 1, d("2026-03-01"), &[open], d("2026-06-01")),
        NextStep::Paused
    );
}

#[test]
fn after_downtime_only_the_next_step_is_due_once() {
    let c = standard();
    // Nothing ran for three months: the second reminder is due (late), not the final notice too.
    let next = next_step(&c, 1, d("2026-03-01"), &[], d("2026-06-01"));
    assert_eq!(
        next,
        NextStep::Due {
            index: 1,
            kind: StepKind::Reminder,
            due: d("2026-03-15")
        }
    );
    // Taken on 1 June, the final notice counts from then.
    assert_eq!(
        next_step(&c, 2, d("2026-06-01"), &[], d("2026-06-01")),
        NextStep::Later {
            index: 2,
            kind: StepKind::FinalNotice,
            due: d("2026-06-15")
        }
    );
}

#[test]
fn a_first_step_due_on_a_paused_day_waits_for_the_pause_to_end() {
    let c = standard();
    let hold = Pause {
        from: d("2026-03-01"),
        until: Some(d("2026-03-04")),
    };
    assert_eq!(
        next_step(&c, 0, d("2026-03-01"), &[hold], d("2026-03-04")),
        NextStep::Due {
            index: 0,
            kind: StepKind::Reminder,
            due: d("2026-03-04")
        }
    );
}

fn plan() -> Vec<Instalment> {
    vec![
        Instalment {
            number: 1,
            due: d("2026-04-01"),
            amount: eur(10_000),
        },
        Instalment {
            number: 2,
            due: d("2026-05-01"),
            amount: eur(10_000),
        },
        Instalment {
            number: 3,
            due: d("2026-06-01"),
            amount: eur(5_000),
        },
    ]
}

const RULE: MissedInstalmentRule = MissedInstalmentRule {
    grace_days: 7,
    misses_to_break: 2,
};

#[test]
fn instalments_are_reminded_in_their_window_only_while_unpaid() {
    assert_eq!(plan_actions(&plan(), &[], d("2026-03-28"), RULE, 3), vec![]);
    assert_eq!(
        plan_actions(&plan(), &[], d("2026-03-29"), RULE, 3),
        vec![PlanAction::Remind {
            number: 1,
            due: d("2026-04-01"),
            amount: eur(10_000)
        }]
    );
    let paid_early = [(d("2026-03-29"), eur(10_000))];
    assert_eq!(
        plan_actions(&plan(), &paid_early, d("2026-03-30"), RULE, 3),
        vec![]
    );
    // A partial payment: the reminder names what is still open of the instalment.
    let part = [(d("2026-04-01"), eur(14_000))];
    assert_eq!(
        plan_actions(&plan(), &part, d("2026-04-29"), RULE, 3),
        vec![PlanAction::Remind {
            number: 2,
            due: d("2026-05-01"),
            amount: eur(6_000)
        }]
    );
    assert_eq!(plan_actions(&plan(), &[], d("2026-03-29"), RULE, 0), vec![]);
}

#[test]
fn missed_instalments_then_a_broken_plan_then_completion() {
    assert_eq!(
        plan_actions(&plan(), &[], d("2026-04-09"), RULE, 3),
        vec![PlanAction::Missed { count: 1 }]
    );
    assert_eq!(
        plan_actions(&plan(), &[], d("2026-05-09"), RULE, 3),
        vec![PlanAction::Broken { count: 2 }]
    );
    let all = [(d("2026-04-01"), eur(25_000))];
    assert_eq!(
        plan_actions(&plan(), &all, d("2026-04-02"), RULE, 3),
        vec![PlanAction::Completed]
    );
}

#[test]
fn a_hold_lasts_until_its_end_or_until_it_was_lifted_whichever_came_first() {
    let holds = [
        HoldSpan {
            from: d("2026-03-01"),
            until: Some(d("2026-03-20")),
            lifted: Some(d("2026-03-10")),
        },
        HoldSpan {
            from: d("2026-04-01"),
            until: None,
            lifted: Some(d("2026-04-05")),
        },
    ];
    let still = stillness(&holds, &[], false, false, d("2026-05-01"));
    assert_eq!(
        still.pauses,
        vec![
            Pause {
                from: d("2026-03-01"),
                until: Some(d("2026-03-10"))
            },
            Pause {
                from: d("2026-04-01"),
                until: Some(d("2026-04-05"))
            },
        ]
    );
    assert_eq!(still.ended_hold_on, None, "not on hold");
}

#[test]
fn a_case_on_hold_that_no_hold_covers_any_more_has_its_newest_hold_ended() {
    let hold = |until| HoldSpan {
        from: d("2026-06-01"),
        until: Some(d(until)),
        lifted: None,
    };
    let ran_out = stillness(&[hold("2026-06-15")], &[], true, false, d("2026-06-20"));
    assert_eq!(ran_out.ended_hold_on, Some(d("2026-06-15")));
    let still_on = stillness(&[hold("2026-06-30")], &[], true, false, d("2026-06-20"));
    assert_eq!(still_on.ended_hold_on, None, "the hold still covers today");
}

#[test]
fn only_the_agreed_plan_of_a_case_in_plan_agreed_runs_and_ended_plans_paused_while_they_lasted() {
    let plans = [
        PlanSpan {
            agreed: false,
            from: d("2026-02-01"),
            last_change: d("2026-02-20"),
        },
        PlanSpan {
            agreed: true,
            from: d("2026-03-01"),
            last_change: d("2026-03-01"),
        },
    ];
    let running = stillness(&[], &plans, false, true, d("2026-04-01"));
    assert_eq!(running.running_plan, Some(1));
    assert_eq!(
        running.pauses,
        vec![
            Pause {
                from: d("2026-02-01"),
                until: Some(d("2026-02-20"))
            },
            Pause {
                from: d("2026-03-01"),
                until: None
            },
        ]
    );
    let broken = stillness(&[], &plans, false, false, d("2026-04-01"));
    assert_eq!(broken.running_plan, None);
    assert_eq!(
        broken.pauses.len(),
        1,
        "an agreed plan of a case no longer in plan_agreed"
    );
}
