//! The creditor's consent inbox over HTTP: sign-in like staff, only the own creditor's requests,
//! owners decide and viewers look, and the default (decline) after the deadline, recorded as such.

use crate::helpers::{
    case_id, case_state, creditor_accounts, location, scalar, text, Desk, TestApp, OTHER, OWNER,
    VIEWER,
};
use crate::on_both_backends;
use reqwest::StatusCode;

/// Users for the demo creditor and for a second creditor; the handler asks to escalate a case.
async fn setup(app: &TestApp, reference: &str) -> i64 {
    creditor_accounts(app).await;
    let case = case_id(app, reference).await;
    let handler = Desk::signed_in(app, ("handler@demo.example", "demo-handler-2026")).await;
    let key = format!("{}-escalate", handler.form_key(case).await);
    let case_arg = case.to_string();
    handler
        .post(
            "/api/staff_escalate",
            &[
                ("case_id", case_arg.as_str()),
                ("form_key", key.as_str()),
                (
                    "note",
                    "Keine Reaktion auf drei Mahnungen, Anschrift bestätigt",
                ),
            ],
        )
        .await;
    assert_eq!(case_state(app, reference).await, "escalation_requested");
    case
}

async fn owners_decide_viewers_look_and_other_creditors_see_nothing(app: &TestApp) {
    let case = setup(app, "AKTE-2026-000101").await.to_string();
    let stranger = Desk::new(app);
    let wrong = stranger
        .login_to(
            "/api/creditor_login",
            "/creditor/login",
            (OWNER.0, "falsch"),
        )
        .await;
    assert!(location(wrong.headers()).contains("__err="));
    assert_eq!(
        stranger.call("get_consent_inbox", &[]).await,
        StatusCode::UNAUTHORIZED
    );
    let staff = Desk::signed_in(app, ("handler@demo.example", "demo-handler-2026")).await;
    assert_eq!(
        staff.call("get_consent_inbox", &[]).await,
        StatusCode::UNAUTHORIZED,
        "staff are not a creditor"
    );

    let owner = Desk::creditor(app, OWNER).await;
    let inbox = owner.page("/creditor").await;
    assert!(
        inbox.contains("AKTE-2026-000101") && inbox.contains("Keine Reaktion auf drei Mahnungen")
    );
    let viewer = Desk::creditor(app, VIEWER).await;
    assert!(viewer.page("/creditor").await.contains("AKTE-2026-000101"));
    let fields = [
        ("case_id", case.as_str()),
        ("form_key", "k1"),
        ("decision", "approve"),
        ("comment", ""),
    ];
    assert_eq!(
        viewer.call("decide_consent", &fields).await,
        StatusCode::FORBIDDEN
    );
    let other = Desk::creditor(app, OTHER).await;
    assert!(!other.page("/creditor").await.contains("AKTE-2026-000101"));
    assert_eq!(
        other.call("decide_consent", &fields).await,
        StatusCode::NOT_FOUND,
        "another creditor's case does not exist for them"
    );
    let no_reason = [
        ("case_id", case.as_str()),
        ("form_key", "k2"),
        ("decision", "decline"),
        ("comment", " "),
    ];
    assert_eq!(
        owner.call("decide_consent", &no_reason).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decline needs a comment"
    );
    let approved = owner.post("/api/decide_consent", &fields).await;
    assert_eq!(location(approved.headers()), "/creditor?done=approved");
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "escalated");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM work_items WHERE kind = 'escalation_decision' AND done_at IS NULL").await,
        1,
        "the handlers learn of the decision in their queue"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'escalation_approved' AND actor_kind = 'creditor'").await,
        1
    );
    let again = owner.call("decide_consent", &fields).await;
    assert_eq!(
        again,
        StatusCode::NOT_FOUND,
        "decided requests leave the inbox"
    );
    assert!(owner
        .page("/creditor")
        .await
        .contains("Keine offenen Anfragen."));
}
on_both_backends!(
    consent_inbox,
    owners_decide_viewers_look_and_other_creditors_see_nothing
);

async fn without_an_answer_the_request_is_declined_by_default_after_ten_days(app: &TestApp) {
    setup(app, "AKTE-2026-000102").await;
    let now = app.clock_now();
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 9 * 86_400_000).await,
        Ok(0),
        "not before the deadline"
    );
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 11 * 86_400_000).await,
        Ok(1)
    );
    assert_eq!(case_state(app, "AKTE-2026-000102").await, "open");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM consent_decisions WHERE by_default = 1 AND approved = 0 AND creditor_user_id IS NULL").await,
        1,
        "recorded as the default"
    );
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 12 * 86_400_000).await,
        Ok(0),
        "applied once"
    );
}
on_both_backends!(
    consent_default,
    without_an_answer_the_request_is_declined_by_default_after_ten_days
);

async fn a_class_can_set_its_own_deadline_and_approve_by_default(app: &TestApp) {
    setup(app, "AKTE-2026-000102").await;
    let class = text(
        app,
        "SELECT CAST(c.treatment_class_id AS TEXT) FROM cases c WHERE c.reference = 'AKTE-2026-000102'",
    )
    .await;
    let owner = Desk::creditor(app, OWNER).await;
    let saved = owner
        .post(
            "/api/update_class_settings",
            &[
                ("class_id", class.as_str()),
                ("reply_days", "5"),
                ("escalation_needs_consent", "yes"),
                ("consent_days", "3"),
                ("consent_default", "approve"),
            ],
        )
        .await;
    assert_eq!(
        location(saved.headers()),
        format!("/creditor/classes/{class}?done=saved")
    );
    assert!(owner
        .page("/creditor")
        .await
        .contains("gilt die Anfrage als genehmigt"));
    let now = app.clock_now();
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 2 * 86_400_000).await,
        Ok(0),
        "not before the class's deadline"
    );
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 4 * 86_400_000).await,
        Ok(1)
    );
    assert_eq!(case_state(app, "AKTE-2026-000102").await, "escalated");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM consent_decisions WHERE by_default = 1 AND approved = 1"
        )
        .await,
        1,
        "recorded as the class's default"
    );
}
on_both_backends!(
    consent_class_default,
    a_class_can_set_its_own_deadline_and_approve_by_default
);

/// The debtor of AKTE-2026-000101 proposes 24 monthly instalments (outside the standard class's
/// rules); a handler asks the creditor, recommending `recommendation`. Returns the case and the
/// approval's id.
async fn plan_asked(app: &TestApp, recommendation: &str) -> (i64, String) {
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
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "plan_proposed");
    let case = case_id(app, "AKTE-2026-000101").await;
    let plan = scalar(app, "SELECT id FROM plans WHERE state = 'proposed'")
        .await
        .to_string();
    let handler = Desk::signed_in(app, ("handler@demo.example", "demo-handler-2026")).await;
    let key = format!("{}-ask", handler.form_key(case).await);
    let case_arg = case.to_string();
    let mut fields = vec![
        ("case_id", case_arg.as_str()),
        ("plan_id", plan.as_str()),
        ("form_key", key.as_str()),
        (
            "approval_note",
            "Langjährige Kundin, Kurzarbeit bis Frühjahr; 24 Raten sind realistisch.",
        ),
    ];
    let no_recommendation = handler.post("/api/staff_ask_plan_approval", &fields).await;
    assert!(
        location(no_recommendation.headers()).contains("__err="),
        "a request names the handler's recommendation"
    );
    fields.push(("recommendation", recommendation));
    let asked = handler.post("/api/staff_ask_plan_approval", &fields).await;
    assert_eq!(
        location(asked.headers()),
        format!("/staff/cases/{case}?done=plan_approval_requested")
    );
    let approval = scalar(app, "SELECT id FROM plan_approvals")
        .await
        .to_string();
    (case, approval)
}

async fn a_handler_asks_about_a_plan_and_the_owner_decides(app: &TestApp) {
    creditor_accounts(app).await;
    let (case, approval) = plan_asked(app, "approve").await;
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM work_items WHERE kind = 'plan' AND done_at IS NULL"
        )
        .await,
        0,
        "the handler's item is answered by the request"
    );
    let handler = Desk::signed_in(app, ("handler@demo.example", "demo-handler-2026")).await;
    assert!(handler
        .page(&format!("/staff/cases/{case}"))
        .await
        .contains("Beim Gläubiger angefragt – Antwort steht aus"));
    let case_arg = case.to_string();
    let plan = scalar(app, "SELECT id FROM plans WHERE state = 'proposed'")
        .await
        .to_string();
    let again = [
        ("case_id", case_arg.as_str()),
        ("plan_id", plan.as_str()),
        ("form_key", "another-key"),
        ("recommendation", "decline"),
        ("approval_note", "Doch nicht."),
    ];
    assert_eq!(
        handler.call("staff_ask_plan_approval", &again).await,
        StatusCode::CONFLICT,
        "one request per proposal"
    );
    assert!(
        !app.page("/case").await.contains("Langjährige Kundin"),
        "the debtor does not see the internal request"
    );

    let owner = Desk::creditor(app, OWNER).await;
    let inbox = owner.page("/creditor").await;
    assert!(inbox.contains("Ratenzahlungen außerhalb Ihrer Regeln"));
    assert!(inbox.contains("Empfehlung der Sachbearbeitung: zustimmen"));
    assert!(inbox.contains("Langjährige Kundin, Kurzarbeit bis Frühjahr"));
    let other = Desk::creditor(app, OTHER).await;
    assert!(!other.page("/creditor").await.contains("Langjährige Kundin"));
    let fields = [
        ("approval_id", approval.as_str()),
        ("form_key", "p1"),
        ("decision", "approve"),
        ("comment", "Einverstanden, gute Kundin."),
    ];
    assert_eq!(
        other.call("decide_plan_approval", &fields).await,
        StatusCode::NOT_FOUND,
        "another creditor's request does not exist for them"
    );
    let viewer = Desk::creditor(app, VIEWER).await;
    assert_eq!(
        viewer.call("decide_plan_approval", &fields).await,
        StatusCode::FORBIDDEN
    );
    let no_reason = [
        ("approval_id", approval.as_str()),
        ("form_key", "p2"),
        ("decision", "decline"),
        ("comment", ""),
    ];
    assert_eq!(
        owner.call("decide_plan_approval", &no_reason).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decline needs a comment"
    );
    let approved = owner.post("/api/decide_plan_approval", &fields).await;
    assert_eq!(location(approved.headers()), "/creditor?done=plan_approved");
    assert_eq!(
        text(app, "SELECT state || ':' || comment FROM plan_approvals").await,
        "approved:Einverstanden, gute Kundin."
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM plan_approvals WHERE by_default = 0 AND creditor_user_id IS NOT NULL").await,
        1
    );
    assert_eq!(
        case_state(app, "AKTE-2026-000101").await,
        "plan_proposed",
        "the handler accepts the plan and tells the debtor"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM work_items WHERE kind = 'escalation_decision' AND done_at IS NULL").await,
        1,
        "the decision comes back to the handlers' queue"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'plan_approval_decided' AND actor_kind = 'creditor'").await,
        1
    );
    assert_eq!(
        owner.call("decide_plan_approval", &fields).await,
        StatusCode::NOT_FOUND,
        "a decided request leaves the inbox"
    );
    assert!(owner
        .page("/creditor")
        .await
        .contains("Keine Ratenzahlungen warten auf Ihre Entscheidung."));
    assert!(handler
        .page(&format!("/staff/cases/{case}"))
        .await
        .contains("Der Gläubiger hat zugestimmt"));

    let key = format!("{}-accept", handler.form_key(case).await);
    let accepted = handler
        .post(
            "/api/staff_decide_plan",
            &[
                ("case_id", case_arg.as_str()),
                ("plan_id", plan.as_str()),
                ("form_key", key.as_str()),
                ("decision", "accept"),
            ],
        )
        .await;
    assert_eq!(
        location(accepted.headers()),
        format!("/staff/cases/{case}?done=plan_accepted")
    );
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "plan_agreed");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM plan_instalments").await,
        24
    );
}
on_both_backends!(
    plan_approval,
    a_handler_asks_about_a_plan_and_the_owner_decides
);

async fn without_an_answer_a_plan_follows_the_recommendation_or_the_class_default(app: &TestApp) {
    creditor_accounts(app).await;
    plan_asked(app, "decline").await;
    let now = app.clock_now();
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 9 * 86_400_000).await,
        Ok(0),
        "not before the deadline"
    );
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 11 * 86_400_000).await,
        Ok(1)
    );
    assert_eq!(
        text(
            app,
            "SELECT state FROM plan_approvals WHERE by_default = 1 AND creditor_user_id IS NULL"
        )
        .await,
        "declined",
        "the handler's recommendation, recorded as the default"
    );
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "plan_proposed");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM work_items WHERE kind = 'escalation_decision' AND done_at IS NULL").await,
        1
    );
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 12 * 86_400_000).await,
        Ok(0),
        "applied once"
    );
}
on_both_backends!(
    plan_approval_default,
    without_an_answer_a_plan_follows_the_recommendation_or_the_class_default
);

async fn a_class_can_approve_plans_by_default_whatever_the_recommendation(app: &TestApp) {
    creditor_accounts(app).await;
    let class = text(
        app,
        "SELECT CAST(c.treatment_class_id AS TEXT) FROM cases c WHERE c.reference = 'AKTE-2026-000101'",
    )
    .await;
    let owner = Desk::creditor(app, OWNER).await;
    let mut settings = vec![
        ("class_id", class.as_str()),
        ("reply_days", "5"),
        ("escalation_needs_consent", "yes"),
        ("consent_days", "3"),
        ("consent_default", "decline"),
        ("plan_consent_default", "sometimes"),
    ];
    assert_eq!(
        owner.call("update_class_settings", &settings).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown default is named"
    );
    settings.pop();
    settings.push(("plan_consent_default", "approve"));
    let saved = owner.post("/api/update_class_settings", &settings).await;
    assert_eq!(
        location(saved.headers()),
        format!("/creditor/classes/{class}?done=saved")
    );
    plan_asked(app, "decline").await;
    assert!(owner
        .page("/creditor")
        .await
        .contains("gilt der Vorschlag als genehmigt"));
    let now = app.clock_now();
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 2 * 86_400_000).await,
        Ok(0),
        "not before the class's deadline"
    );
    assert_eq!(
        app::server::consent::apply_defaults(&app.db, now + 4 * 86_400_000).await,
        Ok(1)
    );
    assert_eq!(
        text(app, "SELECT state FROM plan_approvals WHERE by_default = 1").await,
        "approved"
    );
}
on_both_backends!(
    plan_approval_class_default,
    a_class_can_approve_plans_by_default_whatever_the_recommendation
);
