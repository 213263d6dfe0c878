use super::*;
use crate::domain::dunning::{Cadence, Pause};
use crate::domain::plan::{Instalment, MissedInstalmentRule};
use crate::domain::{Currency, Language, Money};
use crate::server::ports::RunningPlan;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn case(key: &str) -> DunningCase {
    DunningCase {
        case_id: 7,
        reference: "AKTE-1".into(),
        state: CaseState::Open,
        cadence: Cadence::default_for(key),
        escalation_needs_consent: true,
        creditor_name: "Nordlicht".into(),
        debtor_id: 3,
        debtor_name: "Anna".into(),
        debtor_email: Some("anna@example.org".into()),
        prefers_letter: false,
        language: Language::De,
        time_zone: "Europe/Berlin".into(),
        handed_over_on: d("2026-03-01"),
        balance: Money::new(12_000, Currency::EUR),
        steps_done: 0,
        last_step_on: None,
        pauses: vec![],
        plan: None,
        ended_hold: None,
    }
}

#[test]
fn the_first_reminder_goes_out_by_email_in_the_class_tone() {
    let steps = decide(
        &case("key_account"),
        d("2026-03-08"),
        0,
        "https://p.example",
    );
    assert_eq!(steps.len(), 1);
    let s = &steps[0];
    assert_eq!(
        (s.step_key.as_str(), s.kind, s.channel),
        ("step:0", "reminder_sent", "email")
    );
    let email = s.email.as_ref().expect("email");
    assert_eq!(email.subject, "1. Zahlungserinnerung – AKTE-1");
    assert!(email.text.contains("durchgerutscht") && email.text.contains("https://p.example/c/"));
    assert_eq!(email.dedupe_key, "case:7:dunning:step:0");
    assert!(decide(&case("key_account"), d("2026-03-07"), 0, "x").is_empty());
}

#[test]
fn without_an_email_address_the_step_is_a_letter() {
    let mut c = case("standard");
    c.debtor_email = None;
    let steps = decide(&c, d("2026-03-01"), 0, "x");
    assert_eq!(steps[0].channel, "letter");
    assert!(steps[0].email.is_none());
    let (subject, body) = steps[0].letter.as_ref().expect("the letter's text is kept");
    assert_eq!(subject, "1. Zahlungserinnerung – AKTE-1");
    assert!(
        body.contains("x/") && !body.contains("/c/"),
        "no personal link in print: {body}"
    );
}

#[test]
fn escalation_needs_the_creditor_where_the_class_says_so() {
    let mut c = case("strict");
    c.steps_done = 2;
    c.last_step_on = Some(d("2026-03-11"));
    let steps = decide(&c, d("2026-03-18"), 0, "x");
    assert_eq!(steps[0].kind, "escalation_requested");
    assert_eq!(steps[0].effects.new_state, CaseState::EscalationRequested);
    assert!(
        steps[0].email.is_none(),
        "the debtor hears only of a decision"
    );
    assert_eq!(steps[0].work, Some(WorkKind::EscalationDecision));
    c.escalation_needs_consent = false;
    let steps = decide(&c, d("2026-03-18"), 0, "x");
    assert_eq!(steps[0].kind, "escalated");
    assert_eq!(steps[0].effects.new_state, CaseState::Escalated);
    assert!(steps[0].email.is_some() && steps[0].work.is_none());
}

#[test]
fn a_hold_that_ran_out_resumes_dunning_and_the_creditor_hears_of_its_own_pause() {
    let mut c = case("standard");
    c.state = CaseState::OnHold;
    c.pauses = vec![Pause {
        from: d("2026-03-01"),
        until: Some(d("2026-03-11")),
    }];
    assert!(
        decide(&c, d("2026-03-11"), 0, "x").is_empty(),
        "no ended hold, nothing"
    );
    c.ended_hold = Some(EndedHold {
        id: 9,
        reason: HoldReason::CreditorPause,
        ended_on: d("2026-03-11"),
    });
    let steps = decide(&c, d("2026-03-11"), 0, "https://p.example");
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert_eq!(steps[0].step_key, "hold:9:ended");
    assert_eq!(steps[0].kind, "creditor_pause_ended");
    assert_eq!(steps[0].effects.new_state, CaseState::Open);
    let note = steps[0]
        .creditor_email
        .as_ref()
        .expect("the creditor is told");
    assert!(note.text.contains("AKTE-1") && note.text.contains("11.03.2026"));
    assert!(note.text.contains("https://p.example/creditor/overview"));
    // The first reminder was due on the first day; the hold pushed it to its end.
    assert_eq!(steps[1].step_key, "step:0");
    assert_eq!(steps[1].effects.expected_state, CaseState::Open);
    assert_eq!(steps[1].due_on, d("2026-03-11"));
    c.ended_hold = Some(EndedHold {
        id: 9,
        reason: HoldReason::HandlerHold,
        ended_on: d("2026-03-11"),
    });
    let steps = decide(&c, d("2026-03-11"), 0, "x");
    assert_eq!(steps[0].kind, "hold_ended");
    assert!(steps[0].creditor_email.is_none());
}

#[test]
fn the_class_channels_and_the_debtors_wish_decide_email_or_letter() {
    let mut c = case("standard");
    c.prefers_letter = true;
    let steps = decide(&c, d("2026-03-01"), 0, "x");
    assert_eq!(steps[0].channel, "letter");
    assert!(steps[0].email.is_none());
    c.cadence.channels = crate::domain::dunning::Channels {
        email: true,
        letter: false,
    };
    let steps = decide(&c, d("2026-03-01"), 0, "x");
    assert_eq!(steps[0].channel, "email");
}

#[test]
fn the_debtor_learns_what_happens_next_and_when() {
    use crate::dto::WhatNext;
    let mut c = case("standard");
    c.steps_done = 1;
    c.last_step_on = Some(d("2026-03-01"));
    assert_eq!(
        what_next(&c, d("2026-03-05")),
        Some(WhatNext::Step {
            kind: "reminder".into(),
            on: d("2026-03-15")
        })
    );
    c.steps_done = 3;
    assert_eq!(
        what_next(&c, d("2026-03-05")),
        Some(WhatNext::Step {
            kind: "escalation_request".into(),
            on: d("2026-03-15")
        })
    );
    c.steps_done = 4;
    assert_eq!(
        what_next(&c, d("2026-03-05")),
        None,
        "nothing more is scheduled"
    );
    let mut held = case("standard");
    held.state = CaseState::OnHold;
    held.pauses = vec![Pause {
        from: d("2026-03-01"),
        until: Some(d("2026-03-21")),
    }];
    assert_eq!(
        what_next(&held, d("2026-03-05")),
        Some(WhatNext::PausedUntil {
            until: d("2026-03-21")
        })
    );
    held.pauses.push(Pause {
        from: d("2026-03-02"),
        until: None,
    });
    assert_eq!(
        what_next(&held, d("2026-03-05")),
        None,
        "open-ended: a person decides"
    );
    let mut plan = case("standard");
    plan.state = CaseState::PlanAgreed;
    let eur = |m| Money::new(m, Currency::EUR);
    plan.plan = Some(RunningPlan {
        id: 1,
        instalments: vec![
            Instalment {
                number: 1,
                due: d("2026-04-01"),
                amount: eur(6_000),
            },
            Instalment {
                number: 2,
                due: d("2026-05-01"),
                amount: eur(6_000),
            },
        ],
        payments: vec![(d("2026-04-01"), eur(7_000))],
        rule: MissedInstalmentRule {
            grace_days: 7,
            misses_to_break: 2,
        },
    });
    assert_eq!(
        what_next(&plan, d("2026-04-02")),
        Some(WhatNext::Instalment {
            number: 2,
            due: d("2026-05-01"),
            amount: eur(5_000)
        })
    );
}

#[test]
fn nothing_runs_while_paused_disputed_or_paid() {
    let mut c = case("standard");
    c.pauses = vec![Pause {
        from: d("2026-02-01"),
        until: None,
    }];
    assert!(decide(&c, d("2026-03-01"), 0, "x").is_empty());
    let mut c = case("standard");
    c.state = CaseState::Disputed;
    assert!(decide(&c, d("2026-03-01"), 0, "x").is_empty());
    let mut c = case("standard");
    c.balance = Money::new(0, Currency::EUR);
    assert!(decide(&c, d("2026-03-01"), 0, "x").is_empty());
}

#[test]
fn a_broken_plan_sends_the_case_back_to_dunning_and_to_a_handler() {
    let mut c = case("standard");
    c.state = CaseState::PlanAgreed;
    let eur = |m| Money::new(m, Currency::EUR);
    c.plan = Some(RunningPlan {
        id: 4,
        instalments: vec![
            Instalment {
                number: 1,
                due: d("2026-04-01"),
                amount: eur(6_000),
            },
            Instalment {
                number: 2,
                due: d("2026-05-01"),
                amount: eur(6_000),
            },
        ],
        payments: vec![],
        rule: MissedInstalmentRule {
            grace_days: 7,
            misses_to_break: 2,
        },
    });
    let steps = decide(&c, d("2026-05-09"), 0, "x");
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].step_key, "plan:4:broken");
    assert_eq!(steps[0].effects.new_state, CaseState::Open);
    assert_eq!(steps[0].plan_state, Some((4, "broken")));
    assert_eq!(steps[0].work, Some(WorkKind::BrokenPlan));
    let steps = decide(&c, d("2026-03-29"), 0, "x");
    assert_eq!(steps[0].step_key, "plan:4:instalment:1:reminder");
}
