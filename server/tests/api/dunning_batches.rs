//! The dunning engine's batches: each step keeps the outcome it has alone, nothing is lost when one fails.

use super::dunning::DAY;
use crate::helpers::{case_id, scalar, TestApp};
use crate::on_both_backends;
use app::domain::case_state::CaseState;
use app::server::dunning::run_due;
use app::server::ports::{AuditEntry, Dunning, DunningStep, Effects, Stored};
use chrono::NaiveDate;

/// A step as the engine makes it, for `case_id` in state `open`, expecting `expected`.
fn test_step(case_id: i64, key: &str, expected: CaseState, now: i64) -> DunningStep {
    DunningStep {
        case_id,
        step_key: key.to_string(),
        kind: "reminder_sent",
        channel: "letter",
        due_on: NaiveDate::from_ymd_opt(2027, 1, 15).expect("date"),
        effects: Effects {
            expected_state: expected,
            new_state: expected,
            hold: None,
            event_kind: "reminder_sent",
            event_detail: "{}".into(),
            audit: AuditEntry {
                at_ms: now,
                actor_kind: "system",
                actor_id: None,
                case_id: Some(case_id),
                action: "dunning.reminder_sent",
                detail: "{}".into(),
                request_id: None,
            },
        },
        plan_state: None,
        creditor_email: None,
        work: None,
        email: None,
        letter: Some(("Zahlungserinnerung".into(), "Text".into())),
    }
}

async fn a_batch_of_steps_keeps_each_outcome_and_loses_nothing_when_one_fails(app: &TestApp) {
    let case = case_id(app, "AKTE-2026-000101").await;
    let now = app.clock_now();
    let count = |key: &'static str| {
        let sql = format!("SELECT COUNT(*) FROM dunning_steps WHERE step_key = '{key}'");
        async move { scalar(app, &sql).await }
    };
    // In one transaction: a new step, one for a state the case is not in, the first one again.
    let stored = app
        .db
        .record_steps(vec![
            test_step(case, "test:a", CaseState::Open, now),
            test_step(case, "test:stale", CaseState::InDialogue, now),
            test_step(case, "test:a", CaseState::Open, now),
        ])
        .await
        .expect("stored");
    assert!(matches!(stored[0], Stored::New(_)), "{stored:?}");
    assert_eq!(stored[1], Stored::StateChanged);
    assert_eq!(stored[2], Stored::Duplicate);
    assert_eq!(count("test:a").await, 1);
    assert_eq!(
        count("test:stale").await,
        0,
        "nothing of a stale step stays"
    );

    // A step that cannot be stored (no such case) fails the batch's transaction: the steps before
    // it are stored again one by one, the failure is reported, and nothing after it is taken.
    let failed = app
        .db
        .record_steps(vec![
            test_step(case, "test:b", CaseState::Open, now),
            test_step(i64::MAX, "test:c", CaseState::Open, now),
            test_step(case, "test:d", CaseState::Open, now),
        ])
        .await;
    assert!(failed.is_err());
    assert_eq!(
        count("test:b").await,
        1,
        "the step before the failure is kept"
    );
    assert_eq!(count("test:c").await, 0);
    assert_eq!(
        count("test:d").await,
        0,
        "the run stops at the failure, as it always did"
    );
}

on_both_backends!(
    dunning_batches,
    a_batch_of_steps_keeps_each_outcome_and_loses_nothing_when_one_fails
);

/// Cases in state `open`, by id.
async fn open_cases(app: &TestApp, n: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM cases WHERE state = 'open' ORDER BY id LIMIT $1")
        .bind(n)
        .fetch_all(app.db.pool())
        .await
        .expect("open cases")
}

async fn a_batch_over_many_cases_gives_each_step_the_outcome_it_has_alone(app: &TestApp) {
    let cases = open_cases(app, 4).await;
    let &[fresh, taken, stale, twice] = cases.as_slice() else {
        panic!("four open cases in the demo: {cases:?}");
    };
    let now = app.clock_now() + 1;
    app.db
        .record_step(test_step(taken, "test:taken", CaseState::Open, now))
        .await
        .expect("taken before");
    let updated = |case: i64| {
        let sql = format!("SELECT updated_at FROM cases WHERE id = {case}");
        async move { scalar(app, &sql).await }
    };
    let stale_before = updated(stale).await;
    let mut emailed = test_step(fresh, "test:fresh", CaseState::Open, now);
    emailed.channel = "email";
    emailed.letter = None;
    emailed.email = Some(app::server::ports::QueuedEmail {
        dedupe_key: format!("case:{fresh}:dunning:test:fresh"),
        debtor_id: scalar(
            app,
            &format!("SELECT debtor_id FROM cases WHERE id = {fresh}"),
        )
        .await,
        to: "batch@example.org".into(),
        time_zone: "Europe/Berlin".into(),
        subject: "Zahlungserinnerung".into(),
        text: format!(
            "Text {}",
            app::server::credentials::link_to_mint("http://localhost")
        ),
        html: "<p>Text</p>".into(),
        host: "localhost".into(),
    });
    let stored = app
        .db
        .record_steps(vec![
            emailed,
            test_step(taken, "test:taken", CaseState::Open, now),
            test_step(stale, "test:stale", CaseState::InDialogue, now),
            test_step(twice, "test:first", CaseState::Open, now),
            test_step(twice, "test:second", CaseState::Open, now),
        ])
        .await
        .expect("stored");
    let id = |case: i64, key: &str| {
        let sql =
            format!("SELECT id FROM dunning_steps WHERE case_id = {case} AND step_key = '{key}'");
        async move { scalar(app, &sql).await }
    };
    assert_eq!(stored[0], Stored::New(id(fresh, "test:fresh").await));
    assert_eq!(stored[1], Stored::Duplicate);
    assert_eq!(stored[2], Stored::StateChanged);
    assert_eq!(stored[3], Stored::New(id(twice, "test:first").await));
    assert_eq!(stored[4], Stored::New(id(twice, "test:second").await));

    // Everything of the new steps is written, with the step's time.
    let count = |sql: String| async move { scalar(app, &sql).await };
    for (case, steps) in [(fresh, 1), (twice, 2), (stale, 0)] {
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) FROM case_events WHERE case_id = {case} AND kind = 'reminder_sent' AND occurred_at = {now}"
            ))
            .await,
            steps,
            "timeline of case {case}"
        );
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) FROM audit_log WHERE case_id = {case} AND action = 'dunning.reminder_sent' AND occurred_at = {now}"
            ))
            .await,
            steps,
            "audit of case {case}"
        );
    }
    assert_eq!(
        updated(fresh).await,
        now,
        "the state check touched the case"
    );
    assert_eq!(
        updated(stale).await,
        stale_before,
        "a stale step leaves its case alone"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM dunning_steps WHERE step_key = 'test:stale'".into()).await,
        0,
        "nothing of a stale step stays"
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM access_credentials WHERE case_id = {fresh} AND code_hash = '-'"
        ))
        .await,
        0,
        "the email's link is minted when it is sent, not stored with the step"
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM outbox WHERE case_id = {fresh} AND payload LIKE '%{}%'",
            app::server::credentials::LINK_PLACEHOLDER
        ))
        .await,
        1,
        "the queued email holds the placeholder"
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key = 'case:{fresh}:dunning:test:fresh' AND recipient = 'batch@example.org'"
        ))
        .await,
        1,
        "the email waits in the outbox"
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM dunning_steps WHERE case_id = {fresh} AND letter_subject IS NULL AND channel = 'email'"
        ))
        .await,
        1
    );
}

on_both_backends!(
    dunning_batch_outcomes,
    a_batch_over_many_cases_gives_each_step_the_outcome_it_has_alone
);

async fn a_run_over_more_cases_than_one_statement_takes_sends_each_reminder_once(app: &TestApp) {
    let creditor = scalar(app, "SELECT MIN(id) FROM creditors").await;
    let now = app.clock_now();
    // 150 new cases in one page of the run: more than a statement writes at once. Every tenth
    // debtor has no email address and gets a letter.
    let mut csv = String::from(
        "external_id;customer_number;debtor_name;street;postcode;city;email;treatment_class;subject;contract_date;due_date;principal\n",
    );
    for n in 0..150 {
        let email = if n % 10 == 0 {
            String::new()
        } else {
            format!("many{n}@example.org")
        };
        csv.push_str(&format!(
            "M-{n};K-M{n};Debtor {n};Weg {n};10115;Berlin;{email};standard;Strom;2026-09-01;2026-10-01;50,00\n"
        ));
    }
    let report =
        server::intake::import_claims(&app.db, creditor, csv.as_bytes(), false, now, |_| {})
            .await
            .expect("hand-over");
    assert!(report.written, "{}", report.render());
    let new_cases = "SELECT cl.case_id FROM claims cl WHERE cl.external_id LIKE 'M-%'";
    let later = now + 60 * DAY;
    app.set_now(later);
    let first = run_due(&app.db, later, &app.address)
        .await
        .expect("the dunning run finishes");
    let count = |sql: String| async move { scalar(app, &sql).await };
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM dunning_steps WHERE step_key = 'step:0' AND kind = 'reminder_sent' AND case_id IN ({new_cases})"
        ))
        .await,
        150,
        "one first reminder for every new case"
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(DISTINCT case_id) FROM dunning_steps WHERE case_id IN ({new_cases})"
        ))
        .await,
        150
    );
    assert_eq!(
        count(format!(
            "SELECT COUNT(*) FROM dunning_steps WHERE channel = 'letter' AND letter_body IS NOT NULL AND case_id IN ({new_cases})"
        ))
        .await,
        15,
        "a letter for each debtor without email"
    );
    for (table, kind, expected) in [
        ("case_events", "kind = 'reminder_sent'", 150),
        ("audit_log", "action = 'reminder_sent'", 150),
        ("outbox", "dedupe_key LIKE '%:dunning:step:0'", 135),
        // Minted when each email leaves, not with the step.
        ("access_credentials", "code_hash = '-'", 0),
    ] {
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) FROM {table} WHERE {kind} AND case_id IN ({new_cases}) AND created_at = {later}"
            ))
            .await,
            expected,
            "{table}"
        );
    }
    assert!(first.reminders >= 150, "{first:?}");
    assert!(first.letters >= 15, "{first:?}");
    // The same day again: every step was taken.
    let again = run_due(&app.db, later, &app.address)
        .await
        .expect("the dunning run finishes");
    assert_eq!(again.total(), 0, "{again:?}");
}

on_both_backends!(
    dunning_batch_many,
    a_run_over_more_cases_than_one_statement_takes_sends_each_reminder_once
);
