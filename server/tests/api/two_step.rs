//! Signing in beyond the password (ASVS 6.3.3, 6.4.1): first passwords chosen by a supervisor or
//! owner are replaced before any work, two-step sign-in with an authenticator app (TOTP) asks for
//! a code that works once, wrong codes lock the account like wrong passwords, and a portal that
//! requires two-step sign-in keeps every account at its set-up until it is done.

use crate::helpers::{creditor_accounts, location, scalar, text, Desk, TestApp, OWNER};
use crate::on_both_backends;
use app::server::totp;
use reqwest::StatusCode;

const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");
const SUPERVISOR: (&str, &str) = ("supervisor@demo.example", "demo-supervisor-2026");

/// The code an authenticator app with `secret` shows at `at_ms`.
fn code_at(secret: &str, at_ms: i64) -> String {
    let key = totp::from_base32(secret).expect("a Base32 key");
    let step = u64::try_from(totp::step_at(at_ms)).expect("after 1970");
    format!("{:06}", totp::hotp(&key, step))
}

/// A code that is certainly not the one of `at_ms`.
fn wrong_code(secret: &str, at_ms: i64) -> String {
    let right: u32 = code_at(secret, at_ms).parse().expect("digits");
    format!("{:06}", (right + 500_000) % 1_000_000)
}

/// The key shown on the account page while two-step sign-in is being set up.
async fn shown_secret(desk: &Desk<'_>, page: &str) -> String {
    let html = desk.page(page).await;
    let marker = r#"<code class="secret">"#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("a key on the page: {html}"))
        + marker.len();
    html[start..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn first_passwords_are_replaced_before_any_work(app: &TestApp) {
    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    let created = supervisor
        .post(
            "/api/create_staff_account",
            &[
                ("email", "neu@demo.example"),
                ("display_name", "Nora Neu"),
                ("role", "handler"),
                ("password", "ein langes erstes passwort"),
            ],
        )
        .await;
    assert_eq!(location(created.headers()), "/staff/team?done=created");
    let newcomer = Desk::signed_in(app, ("neu@demo.example", "ein langes erstes passwort")).await;
    assert_eq!(
        newcomer.call("get_queue", &[]).await,
        StatusCode::FORBIDDEN,
        "no work with a first password"
    );
    let account = newcomer.page("/staff/account").await;
    assert!(
        account.contains("ersten Passwort angemeldet"),
        "the account page says why: {account}"
    );
    let changed = newcomer
        .post(
            "/api/change_password",
            &[
                ("current_password", "ein langes erstes passwort"),
                ("new_password", "mein eigener langer satz"),
                ("repeat_password", "mein eigener langer satz"),
            ],
        )
        .await;
    assert_eq!(location(changed.headers()), "/staff/account?done=password");
    assert_eq!(newcomer.call("get_queue", &[]).await, StatusCode::OK);
    assert_eq!(
        scalar(
            app,
            "SELECT must_change_password FROM staff_users WHERE email = 'neu@demo.example'"
        )
        .await,
        0
    );
    // Accounts made by the operator on the command line (and the demo's) are not first passwords.
    assert_eq!(
        Desk::signed_in(app, HANDLER)
            .await
            .call("get_queue", &[])
            .await,
        StatusCode::OK
    );
}
on_both_backends!(
    first_passwords,
    first_passwords_are_replaced_before_any_work
);

async fn a_code_from_the_app_is_asked_after_the_password_and_works_once(app: &TestApp) {
    let handler = Desk::signed_in(app, HANDLER).await;
    let start = handler.post("/api/staff_start_two_step", &[]).await;
    assert_eq!(location(start.headers()), "/staff/account#two-step");
    let secret = shown_secret(&handler, "/staff/account").await;
    assert_eq!(secret.len(), 32, "160 bits in Base32");
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM sessions WHERE data LIKE '%{secret}%'")
        )
        .await,
        0,
        "the key being set up waits sealed in the session row"
    );
    assert!(
        handler.page("/staff/account").await.contains("<svg"),
        "and as a QR code"
    );
    assert!(
        text(app, "SELECT COALESCE(totp_secret, '') FROM staff_users WHERE email = 'handler@demo.example'")
            .await
            .is_empty(),
        "nothing is stored before a code confirms the key"
    );

    let now = app.clock_now();
    let wrong = handler
        .post(
            "/api/staff_confirm_two_step",
            &[("code", &wrong_code(&secret, now))],
        )
        .await;
    assert!(location(wrong.headers()).contains("__err="));
    let confirmed = handler
        .post(
            "/api/staff_confirm_two_step",
            &[("code", &code_at(&secret, now))],
        )
        .await;
    assert_eq!(
        location(confirmed.headers()),
        "/staff/account?done=two_step"
    );
    assert_eq!(
        text(
            app,
            "SELECT totp_secret FROM staff_users WHERE email = 'handler@demo.example'"
        )
        .await,
        secret
    );

    // The password alone no longer signs in: the code is asked next, and until it comes the
    // session is nobody's.
    let desk = Desk::new(app);
    let step = desk.login(HANDLER).await;
    assert_eq!(location(step.headers()), "/staff/login?step=code");
    assert_eq!(desk.call("get_queue", &[]).await, StatusCode::UNAUTHORIZED);
    assert!(desk
        .page("/staff/login?step=code")
        .await
        .contains(r#"name="code""#));
    let replay = desk
        .post("/api/staff_login_code", &[("code", &code_at(&secret, now))])
        .await;
    assert!(
        location(replay.headers()).contains("__err="),
        "the code that confirmed the key is used up"
    );
    app.advance(totp::STEP_MS);
    let code = code_at(&secret, app.clock_now());
    let signed_in = desk.post("/api/staff_login_code", &[("code", &code)]).await;
    assert_eq!(location(signed_in.headers()), "/staff");
    assert_eq!(desk.call("get_queue", &[]).await, StatusCode::OK);

    let thief = Desk::new(app);
    thief.login(HANDLER).await;
    let again = thief
        .post("/api/staff_login_code", &[("code", &code)])
        .await;
    assert!(
        location(again.headers()).contains("__err="),
        "a code seen over someone's shoulder works no second time"
    );
    assert_eq!(thief.call("get_queue", &[]).await, StatusCode::UNAUTHORIZED);

    // Five wrong codes in a row lock the account like five wrong passwords (the thief's replay
    // was the first); the right code then fails too.
    for _ in 0..4 {
        let wrong = wrong_code(&secret, app.clock_now());
        thief
            .post("/api/staff_login_code", &[("code", &wrong)])
            .await;
    }
    app.advance(totp::STEP_MS);
    let locked = thief
        .post(
            "/api/staff_login_code",
            &[("code", &code_at(&secret, app.clock_now()))],
        )
        .await;
    assert!(location(locked.headers()).contains("__err="), "locked");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.code_failed'"
        )
        .await,
        7,
        "two replays, four wrong codes and the try while locked"
    );

    // The code step waits five minutes at most.
    app.advance(16 * 60_000);
    let late = Desk::new(app);
    assert_eq!(
        location(late.login(HANDLER).await.headers()),
        "/staff/login?step=code"
    );
    app.advance(6 * 60_000);
    assert_eq!(
        late.call(
            "staff_login_code",
            &[("code", &code_at(&secret, app.clock_now()))]
        )
        .await,
        StatusCode::UNAUTHORIZED
    );

    // The phone is lost: the operator gives a new first password (`server reset-sign-in`).
    let unknown = server::accounts::reset_sign_in(
        &app.db,
        "nobody@demo.example",
        false,
        "ein neues erstes passwort",
        app.clock_now(),
    )
    .await
    .expect_err("no such account");
    assert!(unknown
        .to_string()
        .contains("no staff account for nobody@demo.example"));
    server::accounts::reset_sign_in(
        &app.db,
        HANDLER.0,
        false,
        "ein neues erstes passwort",
        app.clock_now(),
    )
    .await
    .expect("reset");
    assert_eq!(
        desk.call("get_queue", &[]).await,
        StatusCode::UNAUTHORIZED,
        "every session of the account ends"
    );
    let fresh = Desk::signed_in(app, (HANDLER.0, "ein neues erstes passwort")).await;
    assert_eq!(
        fresh.call("get_queue", &[]).await,
        StatusCode::FORBIDDEN,
        "no code any more, but an own password first"
    );
}
on_both_backends!(
    two_step_sign_in,
    a_code_from_the_app_is_asked_after_the_password_and_works_once
);

async fn a_portal_that_requires_two_steps_holds_every_account_at_its_set_up(app: &TestApp) {
    creditor_accounts(app).await;
    let owner = Desk::creditor(app, OWNER).await;
    assert_eq!(
        owner.call("get_consent_inbox", &[]).await,
        StatusCode::FORBIDDEN,
        "no work before two-step sign-in is set up"
    );
    assert!(owner
        .page("/creditor/account")
        .await
        .contains("Anmeldung in zwei Schritten vorgeschrieben"));
    owner.post("/api/creditor_start_two_step", &[]).await;
    let secret = shown_secret(&owner, "/creditor/account").await;
    let confirmed = owner
        .post(
            "/api/creditor_confirm_two_step",
            &[("code", &code_at(&secret, app.clock_now()))],
        )
        .await;
    assert_eq!(
        location(confirmed.headers()),
        "/creditor/account?done=two_step"
    );
    assert_eq!(owner.call("get_consent_inbox", &[]).await, StatusCode::OK);
    let stored = text(
        app,
        &format!(
            "SELECT totp_secret FROM creditor_users WHERE email = '{}'",
            OWNER.0
        ),
    )
    .await;
    assert!(
        stored.starts_with("v1:") && !stored.contains(&secret),
        "the key is stored sealed with RAPPORT_SECRET_KEY: {stored}"
    );

    app.advance(totp::STEP_MS);
    let desk = Desk::new(app);
    let step = desk
        .login_to("/api/creditor_login", "/creditor/login", OWNER)
        .await;
    assert_eq!(location(step.headers()), "/creditor/login?step=code");
    let done = desk
        .post(
            "/api/creditor_login_code",
            &[("code", &code_at(&secret, app.clock_now()))],
        )
        .await;
    assert_eq!(location(done.headers()), "/creditor");
    assert_eq!(desk.call("get_consent_inbox", &[]).await, StatusCode::OK);
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'creditor.two_step_set_up'"
        )
        .await,
        1
    );
}
on_both_backends!(
    two_step_required,
    a_portal_that_requires_two_steps_holds_every_account_at_its_set_up,
    [
        ("RAPPORT_TWO_STEP", "required"),
        // The server's key for sealing stored secrets (32 bytes, Base64).
        (
            "RAPPORT_SECRET_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
        )
    ]
);

/// The `session_handle` values of the end buttons on an account page.
fn end_buttons(html: &str) -> Vec<String> {
    let marker = r#"name="session_handle" value=""#;
    html.match_indices(marker)
        .map(|(i, _)| {
            html[i + marker.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

async fn people_see_and_end_their_own_sessions(app: &TestApp) {
    let office = Desk::signed_in(app, HANDLER).await;
    let home = Desk::signed_in(app, HANDLER).await;
    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    let page = office.page("/staff/account").await;
    assert!(page.contains("Wo Sie angemeldet sind"), "{page}");
    assert!(page.contains("Diese Sitzung"));
    let others = end_buttons(&page);
    assert_eq!(
        others.len(),
        1,
        "the other browser, and nobody else's: {page}"
    );
    assert_eq!(
        supervisor
            .call("staff_end_session", &[("session_handle", &others[0])])
            .await,
        StatusCode::NOT_FOUND,
        "nobody ends someone else's session"
    );
    assert_eq!(home.call("get_queue", &[]).await, StatusCode::OK);
    let ended = office
        .post("/api/staff_end_session", &[("session_handle", &others[0])])
        .await;
    assert_eq!(
        location(ended.headers()),
        "/staff/account?done=session#sessions"
    );
    assert_eq!(home.call("get_queue", &[]).await, StatusCode::UNAUTHORIZED);
    assert_eq!(office.call("get_queue", &[]).await, StatusCode::OK);
    assert!(end_buttons(&office.page("/staff/account").await).is_empty());
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.session_ended'"
        )
        .await,
        1
    );
}
on_both_backends!(own_sessions, people_see_and_end_their_own_sessions);

async fn a_supervisor_resets_a_colleagues_lost_sign_in(app: &TestApp) {
    // The handler has two-step sign-in and a session; then the phone is lost.
    let handler = Desk::signed_in(app, HANDLER).await;
    handler.post("/api/staff_start_two_step", &[]).await;
    let secret = shown_secret(&handler, "/staff/account").await;
    handler
        .post(
            "/api/staff_confirm_two_step",
            &[("code", &code_at(&secret, app.clock_now()))],
        )
        .await;
    let handler_id = scalar(
        app,
        &format!("SELECT id FROM staff_users WHERE email = '{}'", HANDLER.0),
    )
    .await
    .to_string();
    let supervisor = Desk::signed_in(app, SUPERVISOR).await;
    let guessable = supervisor
        .post(
            "/api/reset_staff_sign_in",
            &[("staff_id", &handler_id), ("password", "password1234")],
        )
        .await;
    assert!(
        location(guessable.headers()).contains("__err="),
        "first passwords are checked too"
    );
    let admin_id = scalar(app, "SELECT id FROM staff_users WHERE role = 'admin'")
        .await
        .to_string();
    assert_eq!(
        supervisor
            .call(
                "reset_staff_sign_in",
                &[
                    ("staff_id", &admin_id),
                    ("password", "ein langes neues passwort")
                ]
            )
            .await,
        StatusCode::FORBIDDEN,
        "only an admin resets an admin"
    );
    let reset = supervisor
        .post(
            "/api/reset_staff_sign_in",
            &[
                ("staff_id", &handler_id),
                ("password", "ein langes neues passwort"),
            ],
        )
        .await;
    assert_eq!(location(reset.headers()), "/staff/team?done=reset");
    assert_eq!(
        handler.call("get_queue", &[]).await,
        StatusCode::UNAUTHORIZED,
        "the lost phone's sessions end"
    );
    let again = Desk::signed_in(app, (HANDLER.0, "ein langes neues passwort")).await;
    assert_eq!(
        again.call("get_queue", &[]).await,
        StatusCode::FORBIDDEN,
        "no code asked; an own password first"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.sign_in_reset'"
        )
        .await,
        1
    );
}
on_both_backends!(
    colleague_reset,
    a_supervisor_resets_a_colleagues_lost_sign_in
);
