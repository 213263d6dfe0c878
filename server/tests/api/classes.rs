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

async fn the_reminders_an_owner_sets_are_what_the_dunning_engine_does(app: &TestApp) {
    creditor_accounts(app).await;
    let strict = text(
        app,
        "SELECT CAST(id AS TEXT) FROM treatment_classes WHERE key = 'strict' ORDER BY id LIMIT 1",
    )
    .await;
    let ben = app.debtor(1).reference.clone(); // strict class, with an email address
    let owner = Desk::creditor(app, OWNER).await;
    let page = owner.page(&format!("/creditor/classes/{strict}")).await;
    assert!(page.contains("Erinnerungen und Mahnungen"));
    assert!(
        page.contains(r#"value="firm" checked"#),
        "the seeded tone is shown"
    );
    let fields = |first: &'static str, email: Option<&'static str>| {
        let mut f = vec![
            ("class_id", strict.as_str()),
            ("tone", "neutral"),
            ("first_after", first),
            ("further", "1"),
            ("further_after", "5"),
            ("final_notice", "yes"),
            ("final_after", "7"),
            ("escalation_after", "14"),
            ("instalment_reminder_days", "2"),
            ("letter", "yes"),
        ];
        if let Some(e) = email {
            f.push(("email", e));
        }
        f
    };
    // A bad value is named and nothing changes.
    let bad = owner
        .post("/api/update_class_reminders", &fields("zwei", Some("yes")))
        .await;
    assert!(location(bad.headers()).contains("__err"));
    let viewer = Desk::creditor(app, VIEWER).await;
    assert_eq!(
        viewer
            .call("update_class_reminders", &fields("2", Some("yes")))
            .await,
        StatusCode::FORBIDDEN
    );
    let saved = owner
        .post("/api/update_class_reminders", &fields("2", None))
        .await;
    assert_eq!(
        location(saved.headers()),
        format!("/creditor/classes/{strict}?done=saved")
    );
    let stored = text(
        app,
        &format!("SELECT cadence FROM treatment_classes WHERE id = {strict}"),
    )
    .await;
    assert!(stored.contains("\"Neutral\""), "{stored}");

    // The engine follows: nothing on the hand-over day, a letter (email is switched off) two
    // days later, then the rest of the new rhythm with no escalation request.
    let t0 = app.clock_now();
    let run =
        |day: i64| app::server::dunning::run_due(&app.db, t0 + day * 86_400_000, &app.address);
    run(0).await.expect("run");
    let ben_steps = format!(
        "SELECT COUNT(*) FROM dunning_steps s JOIN cases c ON c.id = s.case_id WHERE c.reference = '{ben}'"
    );
    assert_eq!(scalar(app, &ben_steps).await, 0);
    run(2).await.expect("run");
    let channel = text(
        app,
        &format!("SELECT s.channel FROM dunning_steps s JOIN cases c ON c.id = s.case_id WHERE c.reference = '{ben}'"),
    )
    .await;
    assert_eq!(channel, "letter");
    for day in [7, 14, 40, 80] {
        run(day).await.expect("run");
    }
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT s.kind FROM dunning_steps s JOIN cases c ON c.id = s.case_id WHERE c.reference = $1 ORDER BY s.id",
    )
    .bind(&ben)
    .fetch_all(app.db.pool())
    .await
    .expect("steps");
    assert_eq!(
        kinds,
        ["reminder_sent", "reminder_sent", "final_notice_sent"]
    );
    assert_eq!(
        case_state(app, &ben).await,
        "open",
        "no escalation without the step"
    );
    // Another creditor's owner changes nothing of it.
    let other = Desk::creditor(app, OTHER).await;
    let foreign = other
        .post("/api/update_class_reminders", &fields("9", Some("yes")))
        .await;
    assert!(location(foreign.headers()).contains("__err"));
}

on_both_backends!(
    reminders_set_by_the_owner,
    the_reminders_an_owner_sets_are_what_the_dunning_engine_does
);
