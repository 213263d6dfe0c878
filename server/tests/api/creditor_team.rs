//! The creditor's own user management: owners add colleagues with a first password and
//! deactivate them (signed out at their next request); viewers and other creditors cannot.

use crate::helpers::{creditor_accounts, location, scalar, Desk, TestApp, OTHER, OWNER, VIEWER};
use crate::on_both_backends;
use reqwest::StatusCode;

const NEW: (&str, &str) = ("neu@nordlicht.example", "ein ganz neues passwort");

async fn owners_add_and_deactivate_their_colleagues(app: &TestApp) {
    creditor_accounts(app).await;
    let viewer = Desk::creditor(app, VIEWER).await;
    assert_eq!(
        viewer.call("get_creditor_team", &[]).await,
        StatusCode::FORBIDDEN
    );
    let fields = |email: &'static str, password: &'static str| {
        vec![
            ("display_name", "Nina Neu"),
            ("email", email),
            ("role", "viewer"),
            ("password", password),
        ]
    };
    assert_eq!(
        viewer
            .call("create_creditor_user", &fields(NEW.0, NEW.1))
            .await,
        StatusCode::FORBIDDEN
    );

    let owner = Desk::creditor(app, OWNER).await;
    let before = scalar(app, "SELECT COUNT(*) FROM creditor_users").await;
    let bad = owner
        .post("/api/create_creditor_user", &fields("kein-at", "kurz"))
        .await;
    assert!(location(bad.headers()).contains("__err="));
    let taken = owner
        .post("/api/create_creditor_user", &fields(OTHER.0, NEW.1))
        .await;
    assert!(
        location(taken.headers()).contains("__err="),
        "an email in use is refused"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM creditor_users").await,
        before,
        "nothing created"
    );

    let created = owner
        .post("/api/create_creditor_user", &fields(NEW.0, NEW.1))
        .await;
    assert_eq!(location(created.headers()), "/creditor/team?done=created");
    let colleague = Desk::creditor(app, NEW).await;
    assert_eq!(
        colleague.call("get_consent_inbox", &[]).await,
        StatusCode::FORBIDDEN,
        "a first password is replaced before anything else"
    );
    let own = colleague
        .post(
            "/api/creditor_change_password",
            &[
                ("current_password", NEW.1),
                ("new_password", "mein eigener langer satz"),
                ("repeat_password", "mein eigener langer satz"),
            ],
        )
        .await;
    assert_eq!(location(own.headers()), "/creditor/account?done=password");
    assert!(colleague.page("/creditor").await.contains("Zustimmungen"));
    assert!(owner.page("/creditor/team").await.contains("Nina Neu"));

    let id = scalar(
        app,
        &format!("SELECT id FROM creditor_users WHERE email = '{}'", NEW.0),
    )
    .await
    .to_string();
    let me = scalar(
        app,
        &format!("SELECT id FROM creditor_users WHERE email = '{}'", OWNER.0),
    )
    .await
    .to_string();
    assert_eq!(
        owner
            .call(
                "set_creditor_user_active",
                &[("user_id", me.as_str()), ("active", "0")]
            )
            .await,
        StatusCode::CONFLICT,
        "nobody deactivates themselves"
    );
    let other = Desk::creditor(app, OTHER).await;
    assert_eq!(
        other
            .call(
                "set_creditor_user_active",
                &[("user_id", id.as_str()), ("active", "0")]
            )
            .await,
        StatusCode::NOT_FOUND,
        "another creditor's user is not found"
    );
    assert_eq!(
        owner
            .call(
                "set_creditor_user_active",
                &[("user_id", id.as_str()), ("active", "0")]
            )
            .await,
        StatusCode::OK
    );
    assert_eq!(
        colleague.call("get_consent_inbox", &[]).await,
        StatusCode::UNAUTHORIZED,
        "signed out at the next request"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM audit_log WHERE action IN ('creditor_user.created', 'creditor_user.active')").await,
        2
    );
}
on_both_backends!(creditor_team, owners_add_and_deactivate_their_colleagues);
