//! The case handler workspace over HTTP: login security, sessions, role and agency scope on every
//! staff server function, and each action's effect on the case, the queue and the debtor's view.

use crate::helpers::{case_id, location, scalar, text, Desk, TestApp, BROWSER_ACCEPT};
use crate::on_both_backends;
use reqwest::header::ACCEPT;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");
const SUPERVISOR: (&str, &str) = ("supervisor@demo.example", "demo-supervisor-2026");

/// The failure message of a no-JavaScript login, as the form shows it after the redirect back.
async fn login_error(desk: &Desk<'_>, who: (&str, &str)) -> String {
    let response = desk.login(who).await;
    let to = location(response.headers());
    assert!(
        to.contains("__err="),
        "a failed login goes back with its error: {to}"
    );
    let html = desk
        .client
        .get(&to)
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    let start = html
        .find(r#"class="alert"><p>"#)
        .unwrap_or_else(|| panic!("an alert on {to}: {html}"))
        + r#"class="alert"><p>"#.len();
    html[start..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn logins_fail_alike_and_lock_after_five_wrong_passwords(app: &TestApp) {
    let desk = Desk::new(app);
    let unknown = login_error(&desk, ("nobody@demo.example", "whatever-it-is")).await;
    let wrong = login_error(&desk, (HANDLER.0, "wrong-password-1")).await;
    assert_eq!(unknown, wrong, "one message for every failure");
    // Similar work for both: each verifies one Argon2 hash.
    let mut times = Vec::new();
    for who in [
        ("nobody@demo.example", "x-123456789012"),
        (HANDLER.0, "x-123456789012"),
    ] {
        let started = std::time::Instant::now();
        for _ in 0..3 {
            desk.login(who).await;
        }
        times.push(started.elapsed().as_secs_f64());
    }
    let ratio = times[0].max(times[1]) / times[0].min(times[1]);
    assert!(
        ratio < 3.0,
        "unknown and known accounts cost alike: {times:?}"
    );
    // The handler has 4 failures now; the fifth locks the account.
    login_error(&desk, (HANDLER.0, "wrong-password-5")).await;
    let locked = login_error(&desk, HANDLER).await;
    assert_eq!(
        locked, wrong,
        "even the right password gets the same answer while locked"
    );
    assert!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.login_failed'"
        )
        .await
            >= 10
    );
    app.advance(16 * 60_000);
    assert_eq!(location(desk.login(HANDLER).await.headers()), "/staff");
    let html = desk.page("/staff").await;
    assert!(html.contains("Arbeitsliste"), "{html}");
}
on_both_backends!(
    login_security,
    logins_fail_alike_and_lock_after_five_wrong_passwords
);

async fn sessions_expire_when_idle_and_after_twelve_hours(app: &TestApp) {
    let desk = Desk::signed_in(app, HANDLER).await;
    assert_eq!(desk.call("get_queue", &[]).await, StatusCode::OK);
    app.advance(29 * 60_000);
    assert_eq!(
        desk.call("get_queue", &[]).await,
        StatusCode::OK,
        "29 idle minutes are fine"
    );
    app.advance(31 * 60_000);
    assert_eq!(
        desk.call("get_queue", &[]).await,
        StatusCode::UNAUTHORIZED,
        "31 idle minutes end the session"
    );
    let desk = Desk::signed_in(app, HANDLER).await;
    for _ in 0..25 {
        app.advance(29 * 60_000);
        desk.call("get_queue", &[]).await;
    }
    assert_eq!(
        desk.call("get_queue", &[]).await,
        StatusCode::UNAUTHORIZED,
        "no session outlives 12 hours"
    );
    let desk = Desk::signed_in(app, HANDLER).await;
    desk.post("/api/staff_logout", &[]).await;
    assert_eq!(desk.call("get_queue", &[]).await, StatusCode::UNAUTHORIZED);
}
on_both_backends!(
    staff_sessions,
    sessions_expire_when_idle_and_after_twelve_hours
);

/// Every staff server function with harmless arguments.
const STAFF_FUNCTIONS: [(&str, &[(&str, &str)]); 19] = [
    ("get_queue", &[]),
    (
        "assign_work",
        &[("item_id", "1"), ("assignee", "me"), ("back", "/staff")],
    ),
    ("get_staff_case", &[("case_id", "1")]),
    (
        "staff_reply",
        &[("case_id", "1"), ("form_key", "k1"), ("body", "x")],
    ),
    (
        "staff_decide_plan",
        &[
            ("case_id", "1"),
            ("form_key", "k2"),
            ("plan_id", "1"),
            ("decision", "accept"),
        ],
    ),
    (
        "staff_counter_plan",
        &[
            ("case_id", "1"),
            ("plan_id", "1"),
            ("form_key", "k3"),
            ("kind", "plan"),
            ("down_payment", ""),
            ("first_due", "2030-01-01"),
        ],
    ),
    (
        "staff_correct_item",
        &[
            ("case_id", "1"),
            ("form_key", "k4"),
            ("item_id", "1"),
            ("amount", "1"),
            ("reason", "x"),
        ],
    ),
    (
        "staff_resolve_dispute",
        &[
            ("case_id", "1"),
            ("form_key", "k5"),
            ("dispute_id", "1"),
            ("outcome", "rejected"),
            ("answer", "x"),
        ],
    ),
    (
        "staff_payment_claim",
        &[
            ("case_id", "1"),
            ("form_key", "k6"),
            ("claim_id", "1"),
            ("decision", "confirm"),
        ],
    ),
    (
        "staff_hold",
        &[
            ("case_id", "1"),
            ("form_key", "k7"),
            ("until", "2030-01-01"),
            ("note", "x"),
        ],
    ),
    ("staff_resume", &[("case_id", "1"), ("form_key", "k8")]),
    (
        "staff_escalate",
        &[("case_id", "1"), ("form_key", "k9"), ("note", "x")],
    ),
    (
        "staff_record_contact",
        &[
            ("case_id", "1"),
            ("form_key", "k10"),
            ("channel", "phone"),
            ("note", "x"),
        ],
    ),
    (
        "staff_finish",
        &[
            ("case_id", "1"),
            ("form_key", "k11"),
            ("outcome", "write_off"),
            ("note", "x"),
        ],
    ),
    ("get_account", &[]),
    (
        "change_password",
        &[
            ("current_password", "x"),
            ("new_password", "y"),
            ("repeat_password", "y"),
        ],
    ),
    ("get_staff_list", &[]),
    (
        "create_staff_account",
        &[
            ("email", "a@b.example"),
            ("display_name", "A"),
            ("role", "handler"),
            ("password", "long-enough-password"),
        ],
    ),
    ("get_templates", &[]),
];

async fn every_staff_function_checks_the_session_role_and_agency(app: &TestApp) {
    // Without a session: nothing.
    let stranger = Desk::new(app);
    for (endpoint, fields) in STAFF_FUNCTIONS {
        assert_eq!(
            stranger.call(endpoint, fields).await,
            StatusCode::UNAUTHORIZED,
            "{endpoint}"
        );
    }
    let other_arguments = [
        ("reply_days", "3"),
        ("on", "1"),
        ("key", "k"),
        ("language", "de"),
        ("class_key", ""),
        ("title", "t"),
        ("body", "b"),
        ("staff_id", "1"),
        ("active", "0"),
    ];
    for endpoint in [
        "get_settings",
        "set_reply_days",
        "save_template",
        "set_digest",
        "set_staff_active",
    ] {
        assert_eq!(
            stranger.call(endpoint, &other_arguments).await,
            StatusCode::UNAUTHORIZED,
            "{endpoint}"
        );
    }
    // A verified debtor is not staff.
    app.verify_by_link(0).await;
    let debtor = app
        .client
        .post(app.url("/api/get_queue"))
        .send()
        .await
        .expect("sent");
    assert_eq!(debtor.status(), StatusCode::UNAUTHORIZED);
    // A handler may not do what supervisors and admins do.
    let handler = Desk::signed_in(app, HANDLER).await;
    assert_eq!(
        handler.call("get_staff_list", &[]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        handler
            .call("create_staff_account", STAFF_FUNCTIONS[17].1)
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        handler.call("get_templates", &[]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        handler.call("get_settings", &[]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        handler.call("set_reply_days", &[("reply_days", "3")]).await,
        StatusCode::FORBIDDEN
    );
    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    assert_eq!(supervisor.call("get_staff_list", &[]).await, StatusCode::OK);
    assert_eq!(
        supervisor.call("get_settings", &[]).await,
        StatusCode::FORBIDDEN,
        "settings are for admins"
    );
    assert_eq!(
        supervisor
            .call(
                "create_staff_account",
                &[
                    ("email", "boss@demo.example"),
                    ("display_name", "B"),
                    ("role", "admin"),
                    ("password", "long-enough-password")
                ]
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a supervisor cannot create an admin"
    );

    // Another agency's handler finds none of this agency's cases, items or documents.
    let case = case_id(app, "AKTE-2026-000101").await;
    app.verify_by_link(0).await;
    let key = app.form_key("/case/message").await;
    let form = Form::new()
        .text("form_key", key)
        .text("body", "Hallo")
        .part(
            "documents",
            Part::bytes(b"%PDF-1.4\n%%EOF\n".to_vec()).file_name("a.pdf"),
        );
    app.post_multipart("/api/send_message", form, "/case/message")
        .await;
    let document = scalar(app, "SELECT MAX(id) FROM attachments").await;
    sqlx::query("INSERT INTO agencies (id, name, reply_days, created_at, updated_at) VALUES (2, 'Other', 2, 0, 0)")
        .execute(app.db.pool())
        .await
        .expect("agency");
    let hash = app::server::credentials::hash_access_code("other-agency-password").expect("hash");
    sqlx::query(
        "INSERT INTO staff_users (email, display_name, password_hash, role, agency_id, created_at, updated_at)
         VALUES ('other@other.example', 'Otto', $1, 'admin', 2, 0, 0)",
    )
    .bind(hash)
    .execute(app.db.pool())
    .await
    .expect("staff");
    let other = Desk::signed_in(app, ("other@other.example", "other-agency-password")).await;
    let case_arg = case.to_string();
    assert_eq!(
        other
            .call("get_staff_case", &[("case_id", &case_arg)])
            .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .call(
                "staff_reply",
                &[("case_id", &case_arg), ("form_key", "o1"), ("body", "x")]
            )
            .await,
        StatusCode::NOT_FOUND
    );
    let item = scalar(app, "SELECT MAX(id) FROM work_items")
        .await
        .to_string();
    assert_eq!(
        other
            .call(
                "assign_work",
                &[("item_id", &item), ("assignee", "me"), ("back", "/staff")]
            )
            .await,
        StatusCode::NOT_FOUND
    );
    let download = other
        .client
        .get(app.url(&format!("/staff/documents/{document}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(download.status(), StatusCode::NOT_FOUND);
    assert!(!other.page("/staff").await.contains("AKTE-2026-000101"));
    // The own agency's handler gets it, as a download.
    let download = handler
        .client
        .get(app.url(&format!("/staff/documents/{document}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(download.status(), StatusCode::OK);
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .starts_with("attachment"));
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM staff_actions").await,
        0,
        "nothing was applied"
    );
}
on_both_backends!(
    staff_scope,
    every_staff_function_checks_the_session_role_and_agency
);

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

async fn supervisors_create_accounts_and_templates_render_for_a_real_case(app: &TestApp) {
    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    let short = supervisor
        .post(
            "/api/create_staff_account",
            &[
                ("email", "neu@demo.example"),
                ("display_name", "Neu"),
                ("role", "handler"),
                ("password", "kurz"),
            ],
        )
        .await;
    assert!(location(short.headers()).contains("__err="));
    let created = supervisor
        .post(
            "/api/create_staff_account",
            &[
                ("email", "Neu@Demo.example"),
                ("display_name", "Nora Neu"),
                ("role", "handler"),
                ("password", "ein langes passwort"),
            ],
        )
        .await;
    assert_eq!(location(created.headers()), "/staff/team?done=created");
    let again = supervisor
        .post(
            "/api/create_staff_account",
            &[
                ("email", "neu@demo.example"),
                ("display_name", "Nora"),
                ("role", "handler"),
                ("password", "ein langes passwort"),
            ],
        )
        .await;
    assert!(
        location(again.headers()).contains("__err="),
        "an email is used once"
    );
    Desk::signed_in(app, ("neu@demo.example", "ein langes passwort")).await;

    let bad = supervisor
        .post(
            "/api/save_template",
            &[
                ("key", "danke"),
                ("language", "de"),
                ("class_key", ""),
                ("title", "Danke"),
                ("body", "Hallo {nmae}"),
            ],
        )
        .await;
    assert!(
        location(bad.headers()).contains("__err="),
        "an unknown placeholder is refused"
    );
    let saved = supervisor
        .post(
            "/api/save_template",
            &[
                ("key", "danke"),
                ("language", "de"),
                ("class_key", ""),
                ("title", "Danke"),
                ("body", "Guten Tag {name}, offen sind {balance}."),
            ],
        )
        .await;
    assert_eq!(location(saved.headers()), "/staff/templates?done=saved");
    let preview = supervisor
        .page("/staff/templates?preview_reference=AKTE-2026-000101&preview_body=Guten+Tag+%7Bname%7D%2C+offen+sind+%7Bbalance%7D.")
        .await;
    let name = &app.debtor(0).name;
    assert!(
        preview.contains(&format!("Guten Tag {name}, offen sind 272,23 €.")),
        "{preview}"
    );
    let case = case_id(app, "AKTE-2026-000101").await;
    let handler = Desk::signed_in(app, HANDLER).await;
    assert!(handler
        .page(&format!("/staff/cases/{case}"))
        .await
        .contains(&format!("Guten Tag {name}")));
    let chosen = handler
        .page(&format!("/staff/cases/{case}?template=danke"))
        .await;
    let reply = chosen
        .split(r#"name="body""#)
        .nth(1)
        .and_then(|rest| rest.split("</textarea>").next())
        .expect("the reply field");
    assert!(
        reply.contains(&format!("Guten Tag {name}, offen sind 272,23 €.")),
        "the chosen template is put into the reply: {reply}"
    );
}
on_both_backends!(
    accounts_and_templates,
    supervisors_create_accounts_and_templates_render_for_a_real_case
);

async fn the_queue_is_ordered_by_deadline_then_importance_then_key_accounts_and_paginated(
    app: &TestApp,
) {
    // AKTE-…101 standard, …103 key account, …104 standard, …105 standard.
    let now = app.clock_now();
    let items = [
        ("AKTE-2026-000101", "message", now + 7_200_000),
        ("AKTE-2026-000104", "message", now + 3_600_000),
        ("AKTE-2026-000103", "message", now + 3_600_000),
        ("AKTE-2026-000105", "dispute", now + 3_600_000),
    ];
    for (reference, kind, due) in items {
        sqlx::query(
            "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at)
             SELECT id, $2, $3, $4, $4 FROM cases WHERE reference = $1",
        )
        .bind(reference)
        .bind(kind)
        .bind(due)
        .bind(now)
        .execute(app.db.pool())
        .await
        .expect("work item");
    }
    let desk = Desk::signed_in(app, HANDLER).await;
    let html = desk.page("/staff").await;
    let order: Vec<usize> = [
        "AKTE-2026-000105",
        "AKTE-2026-000103",
        "AKTE-2026-000104",
        "AKTE-2026-000101",
    ]
    .iter()
    .map(|r| html.find(r).unwrap_or_else(|| panic!("{r} listed")))
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "dispute, key account, standard, later: {order:?}"
    );
    assert!(html.contains("in 1 Std.") && html.contains("in 2 Std."));
    let filtered = desk.page("/staff?kind=dispute").await;
    assert!(filtered.contains("AKTE-2026-000105") && !filtered.contains("AKTE-2026-000101"));
    let key_accounts = desk.page("/staff?class=key_account").await;
    assert!(
        key_accounts.contains("AKTE-2026-000103") && !key_accounts.contains("AKTE-2026-000104")
    );
    // The creditor moves …104 to the key accounts: its open item moves ahead of …103's (same
    // due time and kind, older item).
    sqlx::query(
        "UPDATE cases SET treatment_class_id =
             (SELECT tc.id FROM treatment_classes tc WHERE tc.creditor_id = cases.creditor_id AND tc.key = 'key_account')
         WHERE reference = 'AKTE-2026-000104'",
    )
    .execute(app.db.pool())
    .await
    .expect("move the case");
    let moved = desk.page("/staff").await;
    let at = |r: &str| moved.find(r).unwrap_or_else(|| panic!("{r} listed"));
    assert!(
        at("AKTE-2026-000105") < at("AKTE-2026-000104")
            && at("AKTE-2026-000104") < at("AKTE-2026-000103"),
        "a case moved to the key accounts is ranked as one"
    );
    // 30 more items: the first page shows 25 and links to the second.
    for _ in 0..30 {
        sqlx::query(
            "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at)
             SELECT id, 'message', $1, $1, $1 FROM cases WHERE reference = 'AKTE-2026-000106'",
        )
        .bind(now + 86_400_000)
        .execute(app.db.pool())
        .await
        .expect("work item");
    }
    let first = desk.page("/staff").await;
    assert!(first.contains("Seite 1 von 2 (34 Einträge)") && first.contains("page=2"));
    let second = desk.page("/staff?page=2").await;
    assert!(second.contains("Seite 2 von 2") && second.matches("AKTE-2026-000106").count() >= 9);
    app.advance(3 * 3_600_000);
    let desk = Desk::signed_in(app, HANDLER).await;
    assert!(
        desk.page("/staff").await.contains("seit 2 Std. überfällig"),
        "overdue items say so"
    );
}
on_both_backends!(
    queue_order,
    the_queue_is_ordered_by_deadline_then_importance_then_key_accounts_and_paginated
);

async fn the_databases_queue_rank_follows_the_importance_of_every_kind(app: &TestApp) {
    use app::domain::work::ALL_KINDS;
    // The migration's triggers spell out WorkKind::importance in SQL; they must agree with it.
    let now = app.clock_now();
    for kind in ALL_KINDS {
        sqlx::query(
            "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at)
             SELECT id, $2, $3, $3, $3 FROM cases WHERE reference = $1",
        )
        .bind("AKTE-2026-000101")
        .bind(kind.code())
        .bind(now)
        .execute(app.db.pool())
        .await
        .expect("work item");
    }
    let ranks: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT kind, queue_rank, agency_id FROM work_items ORDER BY queue_rank, id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("ranks");
    let agency: i64 = sqlx::query_scalar(
        "SELECT cr.agency_id FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
         WHERE c.reference = 'AKTE-2026-000101'",
    )
    .fetch_one(app.db.pool())
    .await
    .expect("agency");
    assert_eq!(ranks.len(), ALL_KINDS.len());
    for (kind, rank, item_agency) in ranks {
        let k = app::domain::work::WorkKind::from_code(&kind).expect("known kind");
        assert_eq!(
            rank,
            2 * i64::from(k.importance()) + 1,
            "{kind} (standard class)"
        );
        assert_eq!(item_agency, Some(agency), "{kind} carries its agency");
    }
}
on_both_backends!(
    queue_rank,
    the_databases_queue_rank_follows_the_importance_of_every_kind
);

async fn handlers_who_ask_for_it_get_one_digest_a_day_from_seven(app: &TestApp) {
    use app::server::handling::queue_digests;
    let desk = Desk::signed_in(app, HANDLER).await;
    let on = desk.post("/api/set_digest", &[("on", "1")]).await;
    assert_eq!(location(on.headers()), "/staff/account?done=digest");
    let at = |s: &str| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("time")
            .and_utc()
            .timestamp_millis()
    };
    // Nothing in the queue: no empty digest.
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 08:00"), &app.address).await,
        Ok(0)
    );
    app.verify_by_link(0).await;
    let key = app.form_key("/case/message").await;
    app.post_multipart(
        "/api/send_message",
        Form::new()
            .text("form_key", key)
            .text("body", "Bitte um Rückruf"),
        "/case/message",
    )
    .await;
    // 05:30 UTC is 06:30 in Berlin: too early.
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 05:30"), &app.address).await,
        Ok(0)
    );
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 06:30"), &app.address).await,
        Ok(1)
    );
    assert_eq!(
        queue_digests(&app.db, at("2026-11-23 09:00"), &app.address).await,
        Ok(0),
        "one per day"
    );
    let payload = text(
        app,
        "SELECT payload FROM outbox WHERE dedupe_key LIKE 'digest:%'",
    )
    .await;
    assert!(
        payload.contains("AKTE-2026-000101") && payload.contains("handler@demo.example"),
        "{payload}"
    );
    assert_eq!(
        queue_digests(&app.db, at("2026-11-24 07:01"), &app.address).await,
        Ok(1),
        "the next day"
    );
    desk.post("/api/set_digest", &[("on", "0")]).await;
    assert_eq!(
        queue_digests(&app.db, at("2026-11-25 07:01"), &app.address).await,
        Ok(0),
        "turned off"
    );
}
on_both_backends!(
    queue_digest,
    handlers_who_ask_for_it_get_one_digest_a_day_from_seven
);

async fn passwords_change_with_the_current_one_and_deactivated_accounts_are_out_at_once(
    app: &TestApp,
) {
    let handler = Desk::signed_in(app, HANDLER).await;
    let elsewhere = Desk::signed_in(app, HANDLER).await;
    app.advance(1_000);
    let wrong = handler
        .post(
            "/api/change_password",
            &[
                ("current_password", "not-it"),
                ("new_password", "ein neues langes passwort"),
                ("repeat_password", "ein neues langes passwort"),
            ],
        )
        .await;
    assert!(
        location(wrong.headers()).contains("__err="),
        "the current password is checked"
    );
    let differ = handler
        .post(
            "/api/change_password",
            &[
                ("current_password", HANDLER.1),
                ("new_password", "ein neues langes passwort"),
                ("repeat_password", "ein anderes langes passwort"),
            ],
        )
        .await;
    assert!(
        location(differ.headers()).contains("__err="),
        "the repetition must match"
    );
    let changed = handler
        .post(
            "/api/change_password",
            &[
                ("current_password", HANDLER.1),
                ("new_password", "ein neues langes passwort"),
                ("repeat_password", "ein neues langes passwort"),
            ],
        )
        .await;
    assert_eq!(location(changed.headers()), "/staff/account?done=password");
    assert_eq!(
        handler.call("get_queue", &[]).await,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        elsewhere.call("get_queue", &[]).await,
        StatusCode::UNAUTHORIZED,
        "every other session ends with the old password"
    );
    assert!(
        location(Desk::new(app).login(HANDLER).await.headers()).contains("__err="),
        "the old password is gone"
    );
    let handler = Desk::signed_in(app, (HANDLER.0, "ein neues langes passwort")).await;

    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    let handler_id = scalar(
        app,
        "SELECT id FROM staff_users WHERE email = 'handler@demo.example'",
    )
    .await
    .to_string();
    let admin_id = scalar(app, "SELECT id FROM staff_users WHERE role = 'admin'")
        .await
        .to_string();
    let own_id = scalar(
        app,
        "SELECT id FROM staff_users WHERE email = 'supervisor@demo.example'",
    )
    .await
    .to_string();
    assert_eq!(
        supervisor
            .call(
                "set_staff_active",
                &[("staff_id", &admin_id), ("active", "0")]
            )
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        supervisor
            .call(
                "set_staff_active",
                &[("staff_id", &own_id), ("active", "0")]
            )
            .await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        handler
            .call(
                "set_staff_active",
                &[("staff_id", &own_id), ("active", "0")]
            )
            .await,
        StatusCode::FORBIDDEN
    );
    let off = supervisor
        .post(
            "/api/set_staff_active",
            &[("staff_id", &handler_id), ("active", "0")],
        )
        .await;
    assert_eq!(location(off.headers()), "/staff/team?done=active");
    assert_eq!(
        handler.call("get_queue", &[]).await,
        StatusCode::UNAUTHORIZED,
        "the running session ends"
    );
    assert!(location(
        Desk::new(app)
            .login((HANDLER.0, "ein neues langes passwort"))
            .await
            .headers()
    )
    .contains("__err="));
    supervisor
        .post(
            "/api/set_staff_active",
            &[("staff_id", &handler_id), ("active", "1")],
        )
        .await;
    Desk::signed_in(app, (HANDLER.0, "ein neues langes passwort")).await;
}
on_both_backends!(
    accounts_lifecycle,
    passwords_change_with_the_current_one_and_deactivated_accounts_are_out_at_once
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
