//! The handler's actions over HTTP: each one's effect on the case, the queue and the debtor's view.

use super::staff::HANDLER;
use crate::helpers::{case_id, location, scalar, text, Desk, TestApp};
use crate::on_both_backends;
use reqwest::multipart::Form;
use reqwest::StatusCode;

async fn a_dispute_reaches_the_queue_and_its_answer_reaches_the_debtor_once(app: &TestApp) {
    app.verify_by_link(2).await; // the key account
    let key = app.form_key("/case/dispute?kind=complaint").await;
    let form = Form::new()
        .text("form_key", key)
        .text("kind", "complaint")
        .text("body", "Die Gläser kamen zerbrochen an.");
    app.post_multipart("/api/open_dispute", form, "/case/dispute?kind=complaint")
        .await;
    let desk = Desk::signed_in(app, HANDLER).await;
    let queue = desk.page("/staff").await;
    assert!(
        queue.contains("AKTE-2026-000103") && queue.contains("Widerspruch"),
        "{queue}"
    );
    assert!(queue.contains("Schlüsselkunde"), "key accounts stand out");
    let case = case_id(app, "AKTE-2026-000103").await;
    let item = scalar(app, "SELECT id FROM work_items WHERE kind = 'dispute'")
        .await
        .to_string();
    let assigned = desk
        .post(
            "/api/assign_work",
            &[
                ("item_id", &item),
                ("assignee", "me"),
                ("back", "/staff?kind=dispute"),
            ],
        )
        .await;
    assert_eq!(location(assigned.headers()), "/staff?kind=dispute");
    assert!(desk
        .page("/staff?assignee=me")
        .await
        .contains("AKTE-2026-000103"));
    let dispute = scalar(app, "SELECT id FROM disputes").await.to_string();
    let key = format!("{}-dispute", desk.form_key(case).await);
    let case_arg = case.to_string();
    let fields = [
        ("case_id", case_arg.as_str()),
        ("form_key", key.as_str()),
        ("dispute_id", dispute.as_str()),
        ("outcome", "rejected"),
        ("answer", "Laut Spediteur kam die Sendung unbeschädigt an."),
    ];
    let first = desk.post("/api/staff_resolve_dispute", &fields).await;
    assert_eq!(
        location(first.headers()),
        format!("/staff/cases/{case}?done=dispute_rejected")
    );
    let again = desk.post("/api/staff_resolve_dispute", &fields).await;
    assert_eq!(
        again.status(),
        StatusCode::FOUND,
        "a repeated post is answered calmly"
    );
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000103'"
        )
        .await,
        "open"
    );
    assert_eq!(text(app, "SELECT state FROM disputes").await, "rejected");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM staff_actions").await,
        1,
        "applied once"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM work_items WHERE done_at IS NULL").await,
        0
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM holds WHERE reason = 'Dispute' AND lifted_at IS NULL"
        )
        .await,
        0,
        "reminders resume"
    );
    let emails = scalar(
        app,
        "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%unbeschädigt%'",
    )
    .await;
    assert_eq!(emails, 1, "the debtor is emailed once, with the answer");
    let debtor_view = app.page("/case").await;
    assert!(
        debtor_view.contains("Laut Spediteur kam die Sendung unbeschädigt an."),
        "the debtor reads the answer"
    );
    assert!(scalar(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'dispute_rejected' AND actor_kind = 'staff'").await == 1);
    let queue = desk.page("/staff").await;
    assert!(queue.contains("Nichts zu tun"), "the queue is empty again");
}

on_both_backends!(
    dispute_answer,
    a_dispute_reaches_the_queue_and_its_answer_reaches_the_debtor_once
);

async fn a_reply_is_shown_to_the_debtor_and_emailed(app: &TestApp) {
    app.verify_by_link(0).await;
    let key = app.form_key("/case/message").await;
    app.post_multipart(
        "/api/send_message",
        Form::new()
            .text("form_key", key)
            .text("body", "Wann kommt die Rechnung?"),
        "/case/message",
    )
    .await;
    let case = case_id(app, "AKTE-2026-000101").await;
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM work_items WHERE kind = 'message' AND done_at IS NULL"
        )
        .await,
        1
    );
    let desk = Desk::signed_in(app, HANDLER).await;
    let key = format!("{}-reply", desk.form_key(case).await);
    let case_arg = case.to_string();
    let empty = desk
        .post(
            "/api/staff_reply",
            &[("case_id", &case_arg), ("form_key", &key), ("body", "  ")],
        )
        .await;
    assert!(
        location(empty.headers()).contains("__err="),
        "an empty reply is refused"
    );
    let sent = desk
        .post(
            "/api/staff_reply",
            &[
                ("case_id", &case_arg),
                ("form_key", &key),
                ("body", "Die Rechnung liegt Ihrem Fall bei."),
            ],
        )
        .await;
    assert_eq!(
        location(sent.headers()),
        format!("/staff/cases/{case}?done=handler_replied")
    );
    assert!(app
        .page("/case/message")
        .await
        .contains("Die Rechnung liegt Ihrem Fall bei."));
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM work_items WHERE done_at IS NULL").await,
        0
    );
    let payload = text(app, "SELECT payload FROM outbox ORDER BY id DESC LIMIT 1").await;
    assert!(
        payload.contains("Die Rechnung liegt Ihrem Fall bei.") && payload.contains("/c/"),
        "{payload}"
    );
}

on_both_backends!(handler_reply, a_reply_is_shown_to_the_debtor_and_emailed);

async fn a_plan_outside_the_rules_is_countered_and_the_debtor_accepts(app: &TestApp) {
    app.verify_by_link(0).await;
    let first = (chrono::DateTime::from_timestamp_millis(app.clock_now())
        .expect("now")
        .date_naive()
        + chrono::Days::new(10))
    .format("%Y-%m-%d")
    .to_string();
    let key = app.form_key("/case/plan").await;
    app.post_form(
        "/api/propose_plan",
        &[
            ("form_key", &key),
            ("kind", "plan"),
            ("first_due", &first),
            ("count", "24"),
            ("frequency", "monthly"),
            ("cost_notice_seen", "yes"),
        ],
        "/case/plan",
    )
    .await;
    let case = case_id(app, "AKTE-2026-000101").await;
    let plan = scalar(app, "SELECT id FROM plans WHERE state = 'proposed'")
        .await
        .to_string();
    let desk = Desk::signed_in(app, HANDLER).await;
    assert!(desk
        .page("/staff?kind=plan")
        .await
        .contains("AKTE-2026-000101"));
    let key = format!("{}-counter", desk.form_key(case).await);
    let case_arg = case.to_string();
    let outside = [
        ("case_id", case_arg.as_str()),
        ("plan_id", plan.as_str()),
        ("form_key", key.as_str()),
        ("kind", "plan"),
        ("down_payment", ""),
        ("first_due", first.as_str()),
        ("count", "48"),
        ("frequency", "monthly"),
    ];
    let refused = desk.post("/api/staff_counter_plan", &outside).await;
    assert!(
        location(refused.headers()).contains("__err="),
        "outside the rules without approval is refused"
    );
    let within = [
        ("case_id", case_arg.as_str()),
        ("plan_id", plan.as_str()),
        ("form_key", key.as_str()),
        ("kind", "plan"),
        ("down_payment", ""),
        ("first_due", first.as_str()),
        ("count", "6"),
        ("frequency", "monthly"),
        ("note", "Sechs Raten können wir sofort vereinbaren."),
    ];
    let countered = desk.post("/api/staff_counter_plan", &within).await;
    assert_eq!(
        location(countered.headers()),
        format!("/staff/cases/{case}?done=plan_countered")
    );
    let counter = scalar(app, "SELECT id FROM plans WHERE state = 'countered'")
        .await
        .to_string();
    assert!(app
        .page("/case/plan")
        .await
        .contains("Unser Gegenvorschlag"));
    let accepted = app
        .post_form(
            "/api/answer_counter_offer",
            &[("plan_id", &counter), ("accept", "yes")],
            "/case/plan",
        )
        .await;
    assert_eq!(location(accepted.headers()), "/case/plan#result");
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000101'"
        )
        .await,
        "plan_agreed"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM plan_instalments").await,
        6
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM holds WHERE reason = 'PlanProposal' AND lifted_at IS NULL"
        )
        .await,
        0,
        "the proposal's pause ends"
    );
}

on_both_backends!(
    plan_counter,
    a_plan_outside_the_rules_is_countered_and_the_debtor_accepts
);

async fn holds_payments_escalations_and_write_offs_follow_the_state_machine(app: &TestApp) {
    app.verify_by_link(0).await;
    let key = app.form_key("/case/paid").await;
    let today = chrono::DateTime::from_timestamp_millis(app.clock_now())
        .expect("now")
        .date_naive();
    let form = Form::new()
        .text("form_key", key)
        .text("paid_on", today.format("%Y-%m-%d").to_string())
        .text("amount", "100,00")
        .text("note", "Überweisung");
    app.post_multipart("/api/claim_payment", form, "/case/paid")
        .await;
    let case = case_id(app, "AKTE-2026-000101").await;
    let claim = scalar(app, "SELECT id FROM payment_claims")
        .await
        .to_string();
    let desk = Desk::signed_in(app, HANDLER).await;
    let key = desk.form_key(case).await;
    let case_arg = case.to_string();
    let k = |s: &str| format!("{key}-{s}");
    let confirmed = desk
        .post(
            "/api/staff_payment_claim",
            &[
                ("case_id", &case_arg),
                ("form_key", &k("paid")),
                ("claim_id", &claim),
                ("decision", "confirm"),
            ],
        )
        .await;
    assert_eq!(
        location(confirmed.headers()),
        format!("/staff/cases/{case}?done=payment_confirmed")
    );
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM payments WHERE method = 'reported_transfer' AND amount_minor = 10000").await, 1);
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000101'"
        )
        .await,
        "open"
    );
    let until = (today + chrono::Days::new(30))
        .format("%Y-%m-%d")
        .to_string();
    let past = desk
        .post(
            "/api/staff_hold",
            &[
                ("case_id", &case_arg),
                ("form_key", &k("hold0")),
                ("until", "2000-01-01"),
                ("note", "x"),
            ],
        )
        .await;
    assert!(
        location(past.headers()).contains("__err="),
        "a hold must end in the future"
    );
    desk.post(
        "/api/staff_hold",
        &[
            ("case_id", &case_arg),
            ("form_key", &k("hold")),
            ("until", &until),
            ("note", "Schuldner im Krankenhaus"),
        ],
    )
    .await;
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000101'"
        )
        .await,
        "on_hold"
    );
    let news = text(app, "SELECT payload FROM outbox ORDER BY id DESC LIMIT 1").await;
    assert!(
        news.contains("angehalten") && !news.contains("Krankenhaus"),
        "the debtor learns of the pause, not the internal note: {news}"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%Krankenhaus%'"
        )
        .await,
        0,
        "the note stays with the case's records, which erasure reaches; the audit log notes that there was one"
    );
    let escalate = desk
        .post(
            "/api/staff_escalate",
            &[
                ("case_id", &case_arg),
                ("form_key", &k("esc0")),
                ("note", "x"),
            ],
        )
        .await;
    assert!(
        location(escalate.headers()).contains("__err="),
        "no escalation while on hold"
    );
    desk.post(
        "/api/staff_resume",
        &[("case_id", &case_arg), ("form_key", &k("resume"))],
    )
    .await;
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000101'"
        )
        .await,
        "open"
    );
    desk.post(
        "/api/staff_escalate",
        &[
            ("case_id", &case_arg),
            ("form_key", &k("esc")),
            ("note", "Keine Reaktion seit drei Monaten"),
        ],
    )
    .await;
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000101'"
        )
        .await,
        "escalation_requested",
        "the standard class needs the creditor's consent"
    );
    desk.post(
        "/api/staff_record_contact",
        &[
            ("case_id", &case_arg),
            ("form_key", &k("call")),
            ("channel", "phone"),
            ("note", "Rückruf vereinbart"),
        ],
    )
    .await;
    desk.post(
        "/api/staff_finish",
        &[
            ("case_id", &case_arg),
            ("form_key", &k("off")),
            ("outcome", "write_off"),
            ("note", "Uneinbringlich"),
        ],
    )
    .await;
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000101'"
        )
        .await,
        "closed"
    );
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM staff_actions ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .expect("actions");
    assert_eq!(
        kinds,
        vec![
            "payment_confirmed",
            "hold_placed",
            "hold_lifted",
            "escalation_requested",
            "phone_call_recorded",
            "written_off"
        ]
    );
    sqlx::query("UPDATE outbox SET state = 'dead', last_error = '550 5.1.1 mailbox unavailable'")
        .execute(app.db.pool())
        .await
        .expect("dead letter");
    let history = desk.page(&format!("/staff/cases/{case}")).await;
    assert!(history.contains("Telefonat vermerkt") && history.contains("Hanna Handler"));
    assert!(
        history.contains("Fall im Portal geöffnet"),
        "portal visits are on the timeline"
    );
    assert!(
        history.contains("nicht zugestellt werden konnten")
            && history.contains("550 5.1.1 mailbox unavailable"),
        "dead letters are visible to staff"
    );
}

on_both_backends!(
    case_actions,
    holds_payments_escalations_and_write_offs_follow_the_state_machine
);

async fn classes_with_standing_consent_are_escalated_at_once(app: &TestApp) {
    sqlx::query("UPDATE treatment_classes SET escalation_needs_consent = 0 WHERE key = 'strict'")
        .execute(app.db.pool())
        .await
        .expect("class");
    let case = case_id(app, "AKTE-2026-000102").await; // the strict class
    let desk = Desk::signed_in(app, HANDLER).await;
    assert!(desk
        .page(&format!("/staff/cases/{case}"))
        .await
        .contains("der Fall wird sofort abgegeben"));
    let key = format!("{}-escalate", desk.form_key(case).await);
    let case_arg = case.to_string();
    let empty = desk
        .post(
            "/api/staff_escalate",
            &[("case_id", &case_arg), ("form_key", &key), ("note", "")],
        )
        .await;
    assert!(
        location(empty.headers()).contains("__err="),
        "the reason is required"
    );
    desk.post(
        "/api/staff_escalate",
        &[
            ("case_id", &case_arg),
            ("form_key", &key),
            ("note", "Drei Mahnungen ohne Reaktion"),
        ],
    )
    .await;
    assert_eq!(
        text(
            app,
            "SELECT state FROM cases WHERE reference = 'AKTE-2026-000102'"
        )
        .await,
        "escalated"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM staff_actions WHERE kind = 'escalated'"
        )
        .await,
        1
    );
    let news = text(app, "SELECT payload FROM outbox ORDER BY id DESC LIMIT 1").await;
    assert!(
        news.contains("gerichtliche Mahnverfahren"),
        "the debtor is told: {news}"
    );
}

on_both_backends!(
    escalation_without_consent,
    classes_with_standing_consent_are_escalated_at_once
);
