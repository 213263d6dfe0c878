//! Downloads that are not pages: documents, exports and reports, each checked against the
//! signed-in person's case, agency or creditor, and audited.

use crate::db::Db;
use app::server::AppState;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;

/// The statement of claim of the session's own case as a PDF, in the request's language.
pub(crate) async fn download_statement(
    state: AppState,
    session: tower_sessions::Session,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let now = state.clock.now_ms();
    let Ok(debtor) = app::server::session::current_debtor(
        &session,
        now,
        state.settings.debtor_session_absolute_ms,
    )
    .await
    else {
        return not_found();
    };
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let lang =
        app::i18n::language_from_headers(header(header::COOKIE), header(header::ACCEPT_LANGUAGE));
    let Some(today) = chrono::DateTime::from_timestamp_millis(now).map(|t| t.date_naive()) else {
        return internal_error();
    };
    match state.store.case_view(debtor.case_id, today).await {
        Ok(Some(mut case)) => {
            case.supervisory_authority = state.settings.agency.supervisory_authority.clone();
            let pdf = crate::statement::pdf(&case, &state.settings.agency, lang);
            let name = format!(
                "{}-{}.pdf",
                app::i18n::tr(lang).statement_title,
                case.reference
            );
            generated_download("application/pdf", name, pdf)
        }
        Ok(None) => not_found(),
        Err(_) => internal_error(),
    }
}

/// Sends a document of the session's own case, always as a download with its sniffed type. Any
/// other id (another case's, or none) gets the same 404 as a missing one.
pub(crate) async fn download_document(
    state: AppState,
    session: tower_sessions::Session,
    id: i64,
) -> axum::response::Response {
    let now = state.clock.now_ms();
    let Ok(debtor) = app::server::session::current_debtor(
        &session,
        now,
        state.settings.debtor_session_absolute_ms,
    )
    .await
    else {
        return not_found();
    };
    attachment_response(state.store.attachment(debtor.case_id, id).await)
}

/// Sends a document of a case of the staff member's agency, as a download. Without a staff
/// session, or for a document of another agency, the answer is the same 404.
pub(crate) async fn download_staff_document(
    state: AppState,
    session: tower_sessions::Session,
    id: i64,
) -> axum::response::Response {
    use app::domain::work::Role;
    let Ok(staff) = app::server::staff::current_staff(&state, &session, Role::Handler).await else {
        return not_found();
    };
    let found = state.store.staff_attachment(staff.agency_id, id).await;
    if matches!(found, Ok(Some(_)))
        && !audited(
            &state,
            "staff",
            staff.id,
            "document.downloaded",
            serde_json::json!({ "attachment_id": id }),
        )
        .await
    {
        return internal_error();
    }
    attachment_response(found)
}

/// Writes the audit entry of a download before the download is served; false when it could not
/// be written (and then nothing is served).
async fn audited(
    state: &AppState,
    actor_kind: &'static str,
    actor_id: i64,
    action: &'static str,
    detail: serde_json::Value,
) -> bool {
    state
        .store
        .append_audit(app::server::ports::AuditEntry {
            at_ms: state.clock.now_ms(),
            actor_kind,
            actor_id: Some(actor_id.to_string()),
            case_id: None,
            action,
            detail: detail.to_string(),
            request_id: None,
        })
        .await
        .is_ok()
}

/// Everything held about the debtor of a case as JSON (Art. 15 GDPR), for supervisors and admins
/// of the case's agency; every export is audited. Anyone else gets 404.
pub(crate) async fn download_personal_data(
    state: AppState,
    db: Db,
    session: tower_sessions::Session,
    id: i64,
) -> axum::response::Response {
    use app::domain::work::Role;
    let Ok(staff) = app::server::staff::current_staff(&state, &session, Role::Supervisor).await
    else {
        return not_found();
    };
    let doc = match crate::privacy::export(&db, staff.agency_id, id).await {
        Ok(Some(doc)) => doc,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "personal data export failed");
            return internal_error();
        }
    };
    let audited = state
        .store
        .append_audit(app::server::ports::AuditEntry {
            at_ms: state.clock.now_ms(),
            actor_kind: "staff",
            actor_id: Some(staff.id.to_string()),
            case_id: Some(id),
            action: "debtor.exported",
            detail: "{}".into(),
            request_id: None,
        })
        .await;
    match (audited, serde_json::to_vec_pretty(&doc)) {
        (Ok(()), Ok(body)) => generated_download(
            "application/json",
            format!("personal-data-case-{id}.json"),
            body,
        ),
        _ => internal_error(),
    }
}

/// The signed-in member of a creditor (any role), or none: the creditor's downloads then answer 404.
async fn creditor_member(
    state: &AppState,
    session: &tower_sessions::Session,
) -> Option<app::dto::CreditorMember> {
    use app::domain::work::CreditorRole;
    app::server::consent::current_creditor(state, session, CreditorRole::Viewer)
        .await
        .ok()
}

pub(crate) fn not_found() -> axum::response::Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

fn internal_error() -> axum::response::Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// A file made for the signed-in user as a download, never cached.
fn generated_download(
    content_type: &'static str,
    filename: String,
    body: impl Into<Body>,
) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body.into(),
    )
        .into_response()
}

/// The creditor's overview as CSV, filtered like the page. Without a creditor session: 404.
pub(crate) async fn download_overview(
    state: AppState,
    session: tower_sessions::Session,
    query: std::collections::HashMap<String, String>,
) -> axum::response::Response {
    let Some(member) = creditor_member(&state, &session).await else {
        return not_found();
    };
    let get = |k: &str| query.get(k).cloned();
    let filter = app::server::overview::filter(get("state"), get("class"), get("q"), None);
    let Some(today) = chrono::DateTime::from_timestamp_millis(state.clock.now_ms()) else {
        return internal_error();
    };
    let rows = match state
        .store
        .overview_rows(member.creditor_id, &filter, None, today.date_naive())
        .await
    {
        Ok((rows, _)) => rows,
        Err(_) => return internal_error(),
    };
    let detail = serde_json::json!({ "creditor_id": member.creditor_id, "rows": rows.len() });
    if !audited(&state, "creditor", member.id, "overview.exported", detail).await {
        return internal_error();
    }
    match crate::exports::overview_csv(&rows) {
        Ok(csv) => generated_download("text/csv; charset=utf-8", "rapport-cases.csv".into(), csv),
        Err(_) => internal_error(),
    }
}

/// The retention figures as CSV, filtered like the dashboard. Without a creditor session: 404.
pub(crate) async fn download_retention(
    state: AppState,
    session: tower_sessions::Session,
    query: std::collections::HashMap<String, String>,
) -> axum::response::Response {
    let Some(member) = creditor_member(&state, &session).await else {
        return not_found();
    };
    let get = |k: &str| query.get(k).cloned();
    let filter = app::server::retention::filter(get("from"), get("to"), get("class"));
    let Ok(report) = app::server::retention::report(&state, &member, &filter).await else {
        return internal_error();
    };
    let detail = serde_json::json!({ "creditor_id": member.creditor_id });
    if !audited(&state, "creditor", member.id, "retention.exported", detail).await {
        return internal_error();
    }
    match crate::exports::retention_csv(&report) {
        Ok(csv) => generated_download(
            "text/csv; charset=utf-8",
            "rapport-retention.csv".into(),
            csv,
        ),
        Err(_) => internal_error(),
    }
}

/// One of the creditor's remittance reports as CSV, a line per payment. Without a session, or for
/// another creditor's report: 404.
pub(crate) async fn download_remittance(
    state: AppState,
    session: tower_sessions::Session,
    id: i64,
) -> axum::response::Response {
    let Some(member) = creditor_member(&state, &session).await else {
        return not_found();
    };
    match state.store.remittance(member.creditor_id, id).await {
        Ok(Some(_))
            if !audited(
                &state,
                "creditor",
                member.id,
                "remittance.exported",
                serde_json::json!({ "creditor_id": member.creditor_id, "remittance_id": id }),
            )
            .await =>
        {
            internal_error()
        }
        Ok(Some((report, lines))) => match crate::exports::remittance_csv(&report, &lines) {
            Ok(csv) => generated_download(
                "text/csv; charset=utf-8",
                format!("remittance-{}.csv", report.period),
                csv,
            ),
            Err(_) => internal_error(),
        },
        Ok(None) => not_found(),
        Err(_) => internal_error(),
    }
}

/// The full report of one of the creditor's imports, as plain text. Without a session, or for
/// another creditor's import: 404.
pub(crate) async fn download_import_report(
    state: AppState,
    session: tower_sessions::Session,
    id: i64,
) -> axum::response::Response {
    let Some(member) = creditor_member(&state, &session).await else {
        return not_found();
    };
    match app::server::imports::job(&state, &member, id).await {
        Ok(job) => generated_download(
            "text/plain; charset=utf-8",
            format!("import-{id}-report.txt"),
            job.report,
        ),
        Err(app::AppError::NotFound) => not_found(),
        Err(_) => internal_error(),
    }
}

/// A stored document as a download: its sniffed type, never rendered inline, sandboxed.
fn attachment_response(
    found: app::server::ports::StoreResult<Option<(String, String, Vec<u8>)>>,
) -> axum::response::Response {
    match found {
        Ok(Some((filename, content_type, content))) => {
            let disposition = format!("attachment; filename=\"{}\"", filename.replace('"', ""));
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "sandbox; default-src 'none'".to_string(),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                content,
            )
                .into_response()
        }
        Ok(None) => not_found(),
        Err(_) => internal_error(),
    }
}
