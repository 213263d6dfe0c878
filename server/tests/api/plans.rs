//! Instalment plans and deferrals over HTTP: the creditor's policy for the treatment class decides.

use crate::helpers::{case_state, location, scalar, TestApp};
use crate::on_both_backends;

fn in_days(app: &TestApp, days: u64) -> String {
    let today = chrono::DateTime::from_timestamp_millis(app.clock_now())
        .expect("now")
        .date_naive();
    (today + chrono::Days::new(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn propose(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let key = app.form_key("/case/plan").await;
    let mut all = vec![("form_key", key.as_str())];
    all.extend_from_slice(fields);
    let response = app.post_form("/api/propose_plan", &all, "/case/plan").await;
    location(response.headers())
}

async fn a_plan_inside_the_rules_is_agreed_at_once_and_confirmed_by_email(app: &TestApp) {
    app.verify_by_link(0).await; // standard class, 272.23 EUR
    let first = in_days(app, 10);
    let without_notice = propose(
        app,
        &[
            ("kind", "plan"),
            ("first_due", &first),
            ("count", "6"),
            ("frequency", "monthly"),
        ],
    )
    .await;
    let html = app.follow(&without_notice).await;
    assert!(
        html.contains(r#"id="cost_notice-error""#),
        "the cost notice must be confirmed first"
    );
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM plans").await, 0);

    let fields = [
        ("kind", "plan"),
        ("first_due", first.as_str()),
        ("count", "6"),
        ("frequency", "monthly"),
        ("cost_notice_seen", "yes"),
    ];
    assert_eq!(propose(app, &fields).await, "/case/plan#result");
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "plan_agreed");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM plan_instalments").await,
        6
    );
    assert_eq!(
        scalar(
            app,
            "SELECT CAST(SUM(amount_minor) AS BIGINT) FROM plan_instalments"
        )
        .await,
        27_223,
        "the schedule adds up to the balance"
    );
    let html = app.page("/case/plan").await;
    assert!(html.contains("Ihre Ratenzahlung ist vereinbart."));
    let (to, subject, payload): (String, String, String) = sqlx::query_as(
        "SELECT recipient, message_id, payload FROM outbox WHERE dedupe_key LIKE '%plan-agreed%'",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("a confirmation is queued");
    assert_eq!(to, "anna.beispiel@demo.example");
    assert!(!subject.is_empty());
    assert!(
        payload.contains("Ihre Ratenzahlung ist vereinbart") && payload.contains("/c/"),
        "German, with a personal link"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM access_credentials WHERE code_hash = '-'"
        )
        .await,
        0,
        "the link is minted when the email is sent, so none rests in the outbox"
    );
}
on_both_backends!(
    plan_agreed,
    a_plan_inside_the_rules_is_agreed_at_once_and_confirmed_by_email
);

async fn a_plan_outside_the_rules_waits_for_a_handler_and_pauses_reminders(app: &TestApp) {
    app.verify_by_link(0).await;
    let first = in_days(app, 10);
    let fields = [
        ("kind", "plan"),
        ("first_due", first.as_str()),
        ("count", "24"),
        ("frequency", "monthly"),
        ("cost_notice_seen", "yes"),
    ];
    assert_eq!(propose(app, &fields).await, "/case/plan#result");
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "plan_proposed");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM holds WHERE reason = 'PlanProposal'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM plan_instalments").await,
        0,
        "nothing is agreed yet"
    );
    let html = app.page("/case/plan").await;
    assert!(html.contains(
        "Ihr Vorschlag ist bei uns. Sie erhalten innerhalb von 5 Werktagen eine Antwort."
    ));
}
on_both_backends!(
    plan_review,
    a_plan_outside_the_rules_waits_for_a_handler_and_pauses_reminders
);

async fn a_strict_class_declines_with_reasons_and_a_plan_it_would_agree(app: &TestApp) {
    app.verify_by_link(1).await; // strict class: 20 % down payment, 50 EUR minimum
    let first = in_days(app, 10);
    let fields = [
        ("kind", "plan"),
        ("first_due", first.as_str()),
        ("count", "6"),
        ("frequency", "monthly"),
        ("cost_notice_seen", "yes"),
    ];
    let back = propose(app, &fields).await;
    assert!(back.contains("__err="));
    let html = app.follow(&back).await;
    assert!(
        html.contains("Eine Anzahlung von mindestens 46,50\u{a0}€ ist erforderlich."),
        "{html}"
    );
    assert!(
        html.contains("Sofort vereinbaren könnten wir:"),
        "a plan that would be agreed is offered"
    );
    assert!(
        html.contains("count=3"),
        "46.50 down, then 186.00 in at most three instalments of at least 50.00"
    );
    assert_eq!(case_state(app, "AKTE-2026-000102").await, "open");
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM plans").await, 0);
}
on_both_backends!(
    plan_declined,
    a_strict_class_declines_with_reasons_and_a_plan_it_would_agree
);

async fn a_deferral_is_a_single_later_payment(app: &TestApp) {
    app.verify_by_link(0).await;
    let on = in_days(app, 20);
    let fields = [
        ("kind", "deferral"),
        ("first_due", on.as_str()),
        ("cost_notice_seen", "yes"),
    ];
    assert_eq!(propose(app, &fields).await, "/case/plan#result");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM plan_instalments").await,
        1
    );
    assert_eq!(
        scalar(app, "SELECT amount_minor FROM plan_instalments").await,
        27_223
    );
}
on_both_backends!(deferral, a_deferral_is_a_single_later_payment);

async fn a_counter_offer_is_accepted_with_one_action_and_only_once(app: &TestApp) {
    app.verify_by_link(3).await;
    let case_id: i64 =
        sqlx::query_scalar("SELECT id FROM cases WHERE reference = 'AKTE-2026-000104'")
            .fetch_one(app.db.pool())
            .await
            .expect("case");
    // A handler's counter-offer, as the handler workspace will write it.
    let due = in_days(app, 14);
    let schedule = format!(
        r#"[{{"number":1,"due":"{due}","amount":{{"minor":3225,"currency":"EUR"}}}},{{"number":2,"due":"{due}","amount":{{"minor":3225,"currency":"EUR"}}}}]"#
    );
    let request = format!(
        r#"{{"balance":{{"minor":6450,"currency":"EUR"}},"down_payment":{{"minor":0,"currency":"EUR"}},"first_due":"{due}","size":{{"Count":2}},"frequency":"Monthly"}}"#
    );
    sqlx::query("UPDATE cases SET state = 'plan_proposed' WHERE id = $1")
        .bind(case_id)
        .execute(app.db.pool())
        .await
        .expect("state");
    let plan_id: i64 = sqlx::query_scalar(
        "INSERT INTO plans (case_id, state, proposed_by, request, schedule, cost_minor, reasons, submission_key, created_at, updated_at)
         VALUES ($1, 'countered', 'handler', $2, $3, 0, '[]', 'handler-counter-1', 0, 0) RETURNING id",
    )
    .bind(case_id)
    .bind(request)
    .bind(schedule)
    .fetch_one(app.db.pool())
    .await
    .expect("counter-offer");
    let html = app.page("/case/plan").await;
    assert!(html.contains("Unser Gegenvorschlag") && html.contains("32,25\u{a0}€"));
    let id = plan_id.to_string();
    let first = app
        .post_form(
            "/api/answer_counter_offer",
            &[("plan_id", id.as_str()), ("accept", "yes")],
            "/case/plan",
        )
        .await;
    assert_eq!(location(first.headers()), "/case/plan#result");
    let second = app
        .post_form(
            "/api/answer_counter_offer",
            &[("plan_id", id.as_str()), ("accept", "yes")],
            "/case/plan",
        )
        .await;
    assert!(
        location(second.headers()).contains("__err="),
        "a second click finds nothing left to accept"
    );
    assert_eq!(case_state(app, "AKTE-2026-000104").await, "plan_agreed");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM plan_instalments").await,
        2,
        "instalments written once"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM outbox").await,
        1,
        "one confirmation"
    );
    assert!(app
        .page("/case/plan")
        .await
        .contains("Ihre Ratenzahlung ist vereinbart."));
}
on_both_backends!(
    counter_offer,
    a_counter_offer_is_accepted_with_one_action_and_only_once
);

async fn the_confirmation_appears_on_the_timeline_once_it_was_sent(app: &TestApp) {
    use crate::smtp::{Mode, SmtpServer};
    use app::server::outbox::{relay_once, QuietHours, RelayPolicy};
    let Some(smtp) = SmtpServer::start(Mode::Accept) else {
        return;
    };
    app.verify_by_link(0).await;
    let first = in_days(app, 10);
    let fields = [
        ("kind", "plan"),
        ("first_due", first.as_str()),
        ("count", "3"),
        ("frequency", "monthly"),
        ("cost_notice_seen", "yes"),
    ];
    propose(app, &fields).await;
    assert!(
        !app.page("/case").await.contains("E-Mail an Sie gesendet"),
        "queued is not sent"
    );
    let mailer =
        server::mail::SmtpMailer::from_url(&smtp.url(), "noreply@portal.example").expect("mailer");
    // Quiet hours off: the test must not depend on the hour it runs at.
    let policy = RelayPolicy {
        quiet_hours: QuietHours {
            start_hour: 0,
            end_hour: 0,
        },
        ..RelayPolicy::default()
    };
    let report = relay_once(&app.db, &mailer, app.clock.as_ref(), &policy, "relay")
        .await
        .expect("relay");
    assert_eq!(report.sent, 1);
    let message = &smtp.messages()[0];
    assert!(
        message.contains("Subject: Ihre Ratenzahlung ist vereinbart"),
        "{message}"
    );
    assert!(app.page("/case").await.contains("E-Mail an Sie gesendet"));
}
on_both_backends!(
    email_on_timeline,
    the_confirmation_appears_on_the_timeline_once_it_was_sent
);
