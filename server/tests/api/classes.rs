//! Treatment classes in the creditor portal: an owner changes a class's rules and the debtor flow
//! follows them at once; viewers and other creditors change nothing; bad values are named.

use crate::helpers::{
    case_state, creditor_accounts, location, scalar, text, Desk, TestApp, OTHER, OWNER, VIEWER,
};
use crate::on_both_backends;
use reqwest::StatusCode;

/// The standard class's band for balances over 200 EUR, as its form sends it, with changes.
fn band_fields<'a>(class: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("class_id", class),
        ("band", "1"),
        ("min_instalment", "25,00"),
        ("max_months", "12"),
        ("max_count", "12"),
        ("down_payment", "0"),
        ("max_deferral_days", "30"),
        ("auto_accept", "yes"),
        ("review_outside_bounds", "yes"),
        ("grace_days", "7"),
        ("misses_to_break", "2"),
    ];
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        if !value.is_empty() {
            fields.push((name, value));
        }
    }
    fields
}

async fn a_class_changed_by_the_owner_changes_what_the_debtor_gets(app: &TestApp) {
    creditor_accounts(app).await;
    let standard = text(
        app,
        "SELECT CAST(id AS TEXT) FROM treatment_classes WHERE key = 'standard' ORDER BY id LIMIT 1",
    )
    .await;
    let policy_before = text(
        app,
        &format!("SELECT policy FROM treatment_classes WHERE id = {standard}"),
    )
    .await;

    let viewer = Desk::creditor(app, VIEWER).await;
    assert!(
        viewer.page("/creditor/classes").await.contains("Standard"),
        "viewers see the classes"
    );
    assert_eq!(
        viewer
            .call(
                "update_class_band",
                &band_fields(&standard, &[("auto_accept", "")])
            )
            .await,
        StatusCode::FORBIDDEN
    );
    let other = Desk::creditor(app, OTHER).await;
    assert_eq!(
        other
            .call(
                "update_class_band",
                &band_fields(&standard, &[("auto_accept", "")])
            )
            .await,
        StatusCode::NOT_FOUND,
        "another creditor's class is not found"
    );
    let owner = Desk::creditor(app, OWNER).await;
    let bad = owner
        .post(
            "/api/update_class_band",
            &band_fields(
                &standard,
                &[("max_count", "500"), ("min_instalment", "gratis")],
            ),
        )
        .await;
    assert!(
        location(bad.headers()).contains("__err="),
        "named, not stored"
    );
    assert_eq!(
        text(
            app,
            &format!("SELECT policy FROM treatment_classes WHERE id = {standard}")
        )
        .await,
        policy_before,
        "nothing changed by the viewer, the other creditor or the bad values"
    );

    // Plans in the standard class were agreed at once (see plans.rs); from now on a person looks.
    let saved = owner
        .post(
            "/api/update_class_band",
            &band_fields(&standard, &[("auto_accept", "")]),
        )
        .await;
    assert_eq!(
        location(saved.headers()),
        format!("/creditor/classes/{standard}?done=saved")
    );
    let saved = owner
        .post(
            "/api/update_class_settings",
            &[
                ("class_id", standard.as_str()),
                ("reply_days", "3"),
                ("escalation_needs_consent", "yes"),
                ("consent_days", "10"),
                ("consent_default", "decline"),
            ],
        )
        .await;
    assert_eq!(
        location(saved.headers()),
        format!("/creditor/classes/{standard}?done=saved")
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'treatment_class.changed'"
        )
        .await,
        2
    );
    let page = owner.page(&format!("/creditor/classes/{standard}")).await;
    assert!(page.contains(r#"name="reply_days""#) && page.contains(r#"value="3""#));

    app.verify_by_link(0).await; // standard class, 272.23 EUR: the band over 200 EUR
    let first = (chrono::DateTime::from_timestamp_millis(app.clock_now())
        .expect("now")
        .date_naive()
        + chrono::Days::new(10))
    .format("%Y-%m-%d")
    .to_string();
    let key = app.form_key("/case/plan").await;
    let response = app
        .post_form(
            "/api/propose_plan",
            &[
                ("form_key", key.as_str()),
                ("kind", "plan"),
                ("first_due", first.as_str()),
                ("count", "6"),
                ("frequency", "monthly"),
                ("cost_notice_seen", "yes"),
            ],
            "/case/plan",
        )
        .await;
    assert_eq!(location(response.headers()), "/case/plan#result");
    assert_eq!(
        case_state(app, "AKTE-2026-000101").await,
        "plan_proposed",
        "inside the bounds, but the class no longer agrees at once"
    );
    assert!(app
        .page("/case/plan")
        .await
        .contains("Sie erhalten innerhalb von 3 Werktagen eine Antwort."));
}
on_both_backends!(
    class_rules,
    a_class_changed_by_the_owner_changes_what_the_debtor_gets
);
