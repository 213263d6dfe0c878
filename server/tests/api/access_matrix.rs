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

const MATRIX: &[(&str, Who)] = &[
    ("set_language", Who::Public),
    ("check_reference", Who::Public),
    ("verify_link", Who::Public),
    ("verify_reference", Who::Public),
    ("sign_out", Who::Public),
    ("staff_login", Who::Public),
    ("staff_logout", Who::Public),
    ("creditor_login", Who::Public),
    ("creditor_logout", Who::Public),
    ("get_case", Who::Debtor),
    ("choose_reason", Who::Debtor),
    ("answer_fairness", Who::Debtor),
    ("get_dialogue", Who::Debtor),
    ("send_message", Who::Debtor),
    ("open_dispute", Who::Debtor),
    ("claim_payment", Who::Debtor),
    ("get_payment_details", Who::Debtor),
    ("get_plan_page", Who::Debtor),
    ("propose_plan", Who::Debtor),
    ("answer_counter_offer", Who::Debtor),
    ("get_contact", Who::Debtor),
    ("update_contact", Who::Debtor),
    ("start_online_payment", Who::Debtor),
    ("get_queue", Who::Handler),
    ("assign_work", Who::Handler),
    ("get_staff_case", Who::Handler),
    ("staff_reply", Who::Handler),
    ("staff_ask_plan_approval", Who::Handler),
    ("staff_decide_plan", Who::Handler),
    ("staff_counter_plan", Who::Handler),
    ("staff_correct_item", Who::Handler),
    ("staff_resolve_dispute", Who::Handler),
    ("staff_payment_claim", Who::Handler),
    ("staff_hold", Who::Handler),
    ("staff_resume", Who::Handler),
    ("staff_escalate", Who::Handler),
    ("staff_record_contact", Who::Handler),
    ("staff_finish", Who::Handler),
    ("get_account", Who::Handler),
    ("change_password", Who::Handler),
    ("set_digest", Who::Handler),
    ("get_payments", Who::Handler),
    ("upload_statement", Who::Handler),
    ("assign_bank_entry", Who::Handler),
    ("dismiss_bank_entry", Who::Handler),
    ("get_staff_list", Who::Supervisor),
    ("create_staff_account", Who::Supervisor),
    ("set_staff_active", Who::Supervisor),
    ("get_templates", Who::Supervisor),
    ("save_template", Who::Supervisor),
    ("get_settings", Who::Admin),
    ("set_reply_days", Who::Admin),
    ("get_consent_inbox", Who::Viewer),
    ("get_classes", Who::Viewer),
    ("get_creditor_overview", Who::Viewer),
    ("get_retention", Who::Viewer),
    ("get_customer", Who::Viewer),
    ("get_remittances", Who::Viewer),
    ("get_webhooks", Who::Viewer),
    ("get_imports", Who::Viewer),
    ("get_import", Who::Viewer),
    ("decide_consent", Who::Owner),
    ("decide_plan_approval", Who::Owner),
    ("get_api_keys", Who::Owner),
    ("create_api_key", Who::Owner),
    ("revoke_api_key", Who::Owner),
    ("update_class_settings", Who::Owner),
    ("update_class_reminders", Who::Owner),
    ("update_class_band", Who::Owner),
    ("upload_activities", Who::Owner),
    ("move_case_class", Who::Owner),
    ("pause_case", Who::Owner),
    ("set_webhook_url", Who::Owner),
    ("renew_webhook_secret", Who::Owner),
    ("retry_webhook", Who::Owner),
    ("upload_claims", Who::Owner),
    ("get_creditor_team", Who::Owner),
    ("create_creditor_user", Who::Owner),
    ("set_creditor_user_active", Who::Owner),
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
    let classified: BTreeSet<String> = MATRIX.iter().map(|(n, _)| n.to_string()).collect();
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
    for (name, who) in MATRIX {
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
