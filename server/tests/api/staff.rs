//! The case handler workspace over HTTP: login security, sessions, role and agency scope on every
//! staff server function, and each action's effect on the case, the queue and the debtor's view.

use crate::helpers::{case_id, location, scalar, Desk, TestApp, BROWSER_ACCEPT};
use crate::on_both_backends;
use reqwest::header::ACCEPT;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

pub(super) const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");

pub(super) const SUPERVISOR: (&str, &str) = ("supervisor@demo.example", "demo-supervisor-2026");

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
