//! The access matrix, generated from the route list: every registered server function is
//! classified below by who may call it (a new server function that is not classified fails this
//! test), and each is then called by every other kind of visitor — nobody, a verified debtor, a
//! case handler, a creditor's viewer — who must get `401` (not signed in to that part) or `403`
//! (signed in, role too low), never an answer, a redirect or a server error. The REST API is
//! covered from its OpenAPI document the same way: every operation without a key is `401`.
//! Cross-tenant access (another creditor's case, customer, key …) is tested beside each feature
//! (consent, overview, retention, webhooks, API, bank) and answers `404`.

use crate::helpers::{creditor_accounts, Desk, TestApp, VIEWER};
use crate::on_both_backends;
use reqwest::StatusCode;
use std::collections::BTreeSet;

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Anyone (sign-ins, sign-outs, the language switch, the public reference check).
    Public,
    /// A debtor verified for a case; every call acts on that case only.
    Debtor,
    /// Staff with at least this role.
    Handler,
    Supervisor,
    Admin,
    /// A creditor's user with at least this role.
    Viewer,
    Owner,
}

/// Every server function: who may call it, and whether it names an object by id (a case, debtor,
/// class, key, plan, item, entry, delivery, import, user). Those are also called by a user of
/// **another** tenant of the same kind with the highest role and the ids of the demo creditor's
/// and agency's objects: they must answer 404 — the object does not exist for that user. The
/// others act only on the caller's own tenant or case.
const MATRIX: &[(&str, Who, bool)] = &[
    ("set_language", Who::Public, false),
    ("check_reference", Who::Public, false),
    ("verify_link", Who::Public, false),
    ("verify_reference", Who::Public, false),
    ("sign_out", Who::Public, false),
    ("staff_login", Who::Public, false),
    ("staff_logout", Who::Public, false),
    ("creditor_login", Who::Public, false),
    ("creditor_logout", Who::Public, false),
    ("staff_login_code", Who::Public, false),
    ("creditor_login_code", Who::Public, false),
    ("get_case", Who::Debtor, false),
    ("get_case_page", Who::Debtor, false),
    ("choose_reason", Who::Debtor, false),
    ("answer_fairness", Who::Debtor, false),
    ("get_dialogue", Who::Debtor, false),
    ("send_message", Who::Debtor, false),
    ("open_dispute", Who::Debtor, false),
    ("claim_payment", Who::Debtor, false),
    ("get_payment_details", Who::Debtor, false),
    ("get_plan_page", Who::Debtor, false),
    ("propose_plan", Who::Debtor, false),
    ("answer_counter_offer", Who::Debtor, true),
    ("get_contact", Who::Debtor, false),
    ("update_contact", Who::Debtor, false),
    ("start_online_payment", Who::Debtor, false),
    ("get_queue", Who::Handler, false),
    ("assign_work", Who::Handler, true),
    ("get_staff_case", Who::Handler, true),
    ("staff_reply", Who::Handler, true),
    ("staff_ask_plan_approval", Who::Handler, true),
    ("staff_decide_plan", Who::Handler, true),
    ("staff_counter_plan", Who::Handler, true),
    ("staff_correct_item", Who::Handler, true),
    ("staff_resolve_dispute", Who::Handler, true),
    ("staff_payment_claim", Who::Handler, true),
    ("staff_hold", Who::Handler, true),
    ("staff_resume", Who::Handler, true),
    ("staff_escalate", Who::Handler, true),
    ("staff_record_contact", Who::Handler, true),
    ("staff_finish", Who::Handler, true),
    ("get_account", Who::Handler, false),
    ("change_password", Who::Handler, false),
    ("staff_start_two_step", Who::Handler, false),
    ("staff_confirm_two_step", Who::Handler, false),
    ("staff_end_session", Who::Handler, false),
    ("set_digest", Who::Handler, false),
    ("get_payments", Who::Handler, false),
    ("upload_statement", Who::Handler, false),
    ("assign_bank_entry", Who::Handler, true),
    ("dismiss_bank_entry", Who::Handler, true),
    ("get_staff_list", Who::Supervisor, false),
    ("create_staff_account", Who::Supervisor, false),
    ("set_staff_active", Who::Supervisor, true),
    ("reset_staff_sign_in", Who::Supervisor, true),
    ("get_templates", Who::Supervisor, false),
    ("save_template", Who::Supervisor, false),
    ("get_settings", Who::Admin, false),
    ("set_reply_days", Who::Admin, false),
    ("get_consent_inbox", Who::Viewer, false),
    ("get_classes", Who::Viewer, false),
    ("get_creditor_overview", Who::Viewer, false),
    ("get_retention", Who::Viewer, false),
    ("get_customer", Who::Viewer, true),
    ("get_remittances", Who::Viewer, false),
    ("get_webhooks", Who::Viewer, false),
    ("get_creditor_account", Who::Viewer, false),
    ("creditor_change_password", Who::Viewer, false),
    ("creditor_start_two_step", Who::Viewer, false),
    ("creditor_confirm_two_step", Who::Viewer, false),
    ("creditor_end_session", Who::Viewer, false),
    ("get_imports", Who::Viewer, false),
    ("get_import", Who::Viewer, true),
    ("decide_consent", Who::Owner, true),
    ("decide_plan_approval", Who::Owner, true),
    ("get_api_keys", Who::Owner, false),
    ("create_api_key", Who::Owner, false),
    ("revoke_api_key", Who::Owner, true),
    ("update_class_settings", Who::Owner, true),
    ("update_class_reminders", Who::Owner, true),
    ("update_class_band", Who::Owner, true),
    ("upload_activities", Who::Owner, false),
    ("move_case_class", Who::Owner, true),
    ("pause_case", Who::Owner, true),
    ("set_webhook_url", Who::Owner, false),
    ("renew_webhook_secret", Who::Owner, false),
    ("retry_webhook", Who::Owner, true),
    ("upload_claims", Who::Owner, false),
    ("get_creditor_team", Who::Owner, false),
    ("create_creditor_user", Who::Owner, false),
    ("set_creditor_user_active", Who::Owner, true),
    ("reset_creditor_user_sign_in", Who::Owner, true),
];

/// Multipart server functions (their form is read inside, after the session is checked).
const MULTIPART: &[&str] = &[
    "send_message",
    "open_dispute",
    "claim_payment",
    "upload_claims",
    "upload_statement",
    "upload_activities",
];

/// One value for every argument name any server function takes, of a type that parses for all of
/// them, so that each call reaches the function's own checks. The ids point at real objects of
/// the demo creditor where that matters (case 1, debtor 1, class 1, plan 1 …).
const FIELDS: &[(&str, &str)] = &[
    ("accept", "yes"),
    ("active", "no"),
    ("amount", "10,00"),
    ("answer", "x"),
    ("approval_id", "1"),
    ("approval_note", "x"),
    ("assignee", "me"),
    ("back", "/staff"),
    ("band", "0"),
    ("body", "x"),
    ("case_id", "1"),
    ("channel", "email"),
    ("city", "Berlin"),
    ("claim_id", "1"),
    ("class", "strict"),
    ("class_id", "1"),
    ("class_key", "standard"),
    ("code", "123456"),
    ("comment", "x"),
    ("consent_days", "10"),
    ("count", "6"),
    ("current_password", "x"),
    ("days", "5"),
    ("debtor_id", "1"),
    ("decision", "approve"),
    ("delivery_id", "1"),
    ("display_name", "x"),
    ("dispute_id", "1"),
    ("down_payment", ""),
    ("email", "x@example.org"),
    ("entry_id", "1"),
    ("escalation_after", "10"),
    ("final_after", "10"),
    ("first_after", "10"),
    ("first_due", "2027-01-15"),
    ("form_key", "matrix"),
    ("further", "1"),
    ("further_after", "10"),
    ("grace_days", "5"),
    ("instalment_reminder_days", "3"),
    ("item_id", "1"),
    ("job_id", "1"),
    ("key", "reply"),
    ("key_id", "1"),
    ("kind", "plan"),
    ("lang", "en"),
    ("language", "de"),
    ("max_count", "12"),
    ("max_deferral_days", "30"),
    ("max_months", "12"),
    ("min_instalment", "10"),
    ("misses_to_break", "2"),
    ("name", "x"),
    ("new_password", "ein neues langes passwort"),
    ("note", "x"),
    ("on", "2027-01-15"),
    ("outcome", "rejected"),
    ("page", "1"),
    ("password", "x"),
    ("phone", ""),
    ("plan_id", "1"),
    ("postcode", "10115"),
    ("reason", "hardship"),
    ("recommendation", "approve"),
    ("reference", "AKTE-2026-000101"),
    ("repeat_password", "ein neues langes passwort"),
    ("reply_days", "5"),
    ("return_to", "/"),
    ("role", "handler"),
    ("score", "5"),
    ("session_handle", "x"),
    ("staff_id", "1"),
    ("street", "Lindenweg 3"),
    ("title", "x"),
    ("token", "x"),
    ("tone", "neutral"),
    ("until", "2027-01-15"),
    ("url", "https://example.org/hook"),
    ("user_id", "1"),
];

fn allowed(who: Who, visitor: Who) -> bool {
    use Who::*;
    matches!(
        (who, visitor),
        (Public, _)
            | (Debtor, Debtor)
            | (Handler, Handler | Supervisor | Admin)
            | (Supervisor, Supervisor | Admin)
            | (Admin, Admin)
            | (Viewer, Viewer | Owner)
            | (Owner, Owner)
    )
}

/// The answer a visitor without the right must get: 403 when signed in to the same part with a
/// lower role, else 401.
fn refusal(who: Who, visitor: Option<Who>) -> StatusCode {
    use Who::*;
    let same_part = matches!(
        (who, visitor),
        (Supervisor | Admin, Some(Handler | Supervisor)) | (Owner, Some(Viewer))
    );
    if same_part {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::UNAUTHORIZED
    }
}

async fn call(client: &reqwest::Client, app: &TestApp, name: &str) -> StatusCode {
    let url = app.url(&format!("/api/{name}"));
    let request = if MULTIPART.contains(&name) {
        client
            .post(url)
            .multipart(reqwest::multipart::Form::new().text("form_key", "matrix"))
    } else {
        client.post(url).form(FIELDS)
    };
    request.send().await.expect("sent").status()
}

async fn every_server_function_refuses_visitors_without_the_right(app: &TestApp) {
    // The matrix names every registered server function, and nothing else.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let classified: BTreeSet<String> = MATRIX.iter().map(|(n, _, _)| n.to_string()).collect();
    let unclassified: Vec<&String> = registered.difference(&classified).collect();
    assert!(
        unclassified.is_empty(),
        "classify these server functions in the access matrix: {unclassified:?}"
    );
    let gone: Vec<&String> = classified.difference(&registered).collect();
    assert!(gone.is_empty(), "no longer registered: {gone:?}");

    creditor_accounts(app).await;
    let nobody = Desk::new(app);
    let debtor = Desk::new(app);
    let token = app.token(0);
    let verified = debtor
        .client
        .post(app.url("/api/verify_link"))
        .form(&[
            ("token", token.as_str()),
            ("postcode", app.debtor(0).postcode.as_str()),
        ])
        .send()
        .await
        .expect("sent");
    assert!(verified.status().is_redirection() || verified.status().is_success());
    let handler = Desk::signed_in(app, ("handler@demo.example", "demo-handler-2026")).await;
    let viewer = Desk::creditor(app, VIEWER).await;
    let visitors: [(Option<Who>, &Desk); 4] = [
        (None, &nobody),
        (Some(Who::Debtor), &debtor),
        (Some(Who::Handler), &handler),
        (Some(Who::Viewer), &viewer),
    ];
    let mut wrong = Vec::new();
    for (name, who, _) in MATRIX {
        if *who == Who::Public {
            continue;
        }
        for (visitor, desk) in &visitors {
            if visitor.is_some_and(|v| allowed(*who, v)) {
                continue;
            }
            let expected = refusal(*who, *visitor);
            let got = call(&desk.client, app, name).await;
            if got != expected {
                wrong.push(format!("{name} as {visitor:?}: {got}, expected {expected}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
on_both_backends!(
    access_matrix,
    every_server_function_refuses_visitors_without_the_right
);

async fn another_tenants_objects_do_not_exist(app: &TestApp) {
    creditor_accounts(app).await;
    // Another agency with an admin, another creditor's owner, another case's debtor.
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
    let other_staff = Desk::signed_in(app, ("other@other.example", "other-agency-password")).await;
    let other_creditor = Desk::creditor(app, crate::helpers::OTHER).await;
    let other_debtor = Desk::new(app);
    let verified = other_debtor
        .client
        .post(app.url("/api/verify_link"))
        .form(&[
            ("token", app.token(1).as_str()),
            ("postcode", app.debtor(1).postcode.as_str()),
        ])
        .send()
        .await
        .expect("sent");
    assert!(verified.status().is_redirection() || verified.status().is_success());
    let mut wrong = Vec::new();
    for (name, who, names_an_object) in MATRIX {
        if !names_an_object {
            continue;
        }
        let desk = match who {
            Who::Debtor => &other_debtor,
            Who::Handler | Who::Supervisor | Who::Admin => &other_staff,
            Who::Viewer | Who::Owner => &other_creditor,
            Who::Public => continue,
        };
        let got = call(&desk.client, app, name).await;
        if got != StatusCode::NOT_FOUND {
            wrong.push(format!("{name}: {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Nothing of the demo creditor's changed.
    assert_eq!(
        crate::helpers::scalar(app, "SELECT COUNT(*) FROM staff_actions").await,
        0
    );
}
on_both_backends!(cross_tenant, another_tenants_objects_do_not_exist);

async fn every_api_operation_needs_a_key(app: &TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    let mut wrong = Vec::new();
    for (path, operations) in paths {
        let concrete = placeholders_filled(path);
        for method in operations.as_object().expect("operations").keys() {
            for key in [None, Some("rk_not_a_real_key_0000000000000000")] {
                let url = app.url(&concrete);
                let mut request = match method.as_str() {
                    "get" => app.client.get(url),
                    "post" => app.client.post(url).json(&serde_json::json!({})),
                    "put" => app.client.put(url).json(&serde_json::json!({})),
                    "delete" => app.client.delete(url),
                    other => panic!("unexpected method {other} for {path}"),
                };
                if let Some(key) = key {
                    request = request.bearer_auth(key);
                }
                let status = request.send().await.expect("sent").status();
                if status != StatusCode::UNAUTHORIZED {
                    wrong.push(format!("{method} {path} with key {key:?}: {status}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
on_both_backends!(api_needs_a_key, every_api_operation_needs_a_key);

/// Every `{placeholder}` of a path becomes `1`.
fn placeholders_filled(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push('1');
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}
