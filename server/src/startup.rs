//! Building the application: database, state, router and layers, bound to a listener.
//! `Application::build` binds before it returns, so tests can start the real app on port 0.

use crate::config::Config;
use crate::db::{Db, SqlSessionStore};
use crate::mail::SmtpMailer;
use crate::telemetry::loggable_path;
use app::server::outbox::{relay_once, RelayPolicy};
use app::server::ports::Clock;
use app::server::{AppState, Settings};
use app::{shell, App};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// The session cookie outlives 30 idle minutes (the longest idle time of any session); each kind
/// of session checks its own idle limit by the application's clock (debtors 15 minutes, staff 30).
const COOKIE_IDLE_MINUTES: i64 = 30;
/// A debtor session ends after 2 hours in all.
const DEBTOR_ABSOLUTE_MS: i64 = 2 * 3_600_000;

/// A bound, ready-to-run application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
    clock: Arc<dyn Clock>,
    mailer: Option<SmtpMailer>,
    quiet_hours: app::server::outbox::QuietHours,
    webhook_relay: bool,
    webhook_loopback: bool,
    dunning: bool,
    scheduler: bool,
    base_url: String,
}

impl Application {
    /// Connects to and migrates the database, builds the router and binds the listener.
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        Application::build_with(config, db, Arc::new(SystemClock)).await
    }

    /// Like `build`, with an open database and a clock of the caller's choice (tests).
    pub async fn build_with(
        config: &Config,
        db: Db,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {} (RAPPORT_ADDR): {e}", config.bind))?;
        let mailer = match &config.smtp_url {
            Some(url) => Some(
                SmtpMailer::from_url(url.expose(), &config.mail_from)
                    .map_err(|e| anyhow::anyhow!(e))?,
            ),
            None => None,
        };
        let router = router(config, db.clone(), clock.clone());
        Ok(Application {
            listener,
            router,
            db,
            clock,
            mailer,
            quiet_hours: config.quiet_hours,
            webhook_relay: config.webhook_relay,
            webhook_loopback: config.webhook_loopback,
            dunning: config.dunning,
            scheduler: config.scheduler,
            base_url: config.base_url.to_string(),
        })
    }

    /// The port actually bound (useful when the configuration asked for port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The database the application uses.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until Ctrl-C / SIGTERM (or forever, in tests).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.mailer.clone() {
            Some(mailer) => {
                tokio::spawn(relay_loop(
                    self.db.clone(),
                    mailer,
                    self.clock.clone(),
                    self.quiet_hours,
                ));
            }
            None => tracing::warn!(
                "SMTP_URL is not set: emails are kept in the outbox and sent once it is configured"
            ),
        }
        if self.scheduler {
            tokio::spawn(scheduler_loop(
                self.db.clone(),
                self.clock.clone(),
                self.base_url.clone(),
                self.dunning,
            ));
        }
        match self.db.fail_interrupted_imports(self.clock.now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                imports = n,
                "imports interrupted by the last stop were marked as failed"
            ),
            Err(e) => tracing::error!(error = %e, "interrupted imports could not be marked"),
        }
        if self.webhook_relay {
            tokio::spawn(webhook_loop(
                self.db.clone(),
                self.clock.clone(),
                self.webhook_loopback,
            ));
        }
        let sessions = SqlSessionStore::new(self.db.clone());
        // Expired sessions are removed in the background so the table does not grow forever.
        tokio::spawn(async move {
            let period = std::time::Duration::from_secs(600);
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tick.tick().await;
                let _ = sessions
                    .delete_expired(chrono::Utc::now().timestamp_millis())
                    .await;
            }
        });
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    }
}

/// Once a minute, whether or not mail can be sent: queues the handlers' daily digests and the
/// creditors' weekly ones, applies
/// the creditors' consent defaults whose deadline passed and takes the due dunning steps. All are
/// idempotent, so several instances may run this at once.
async fn scheduler_loop(db: Db, clock: Arc<dyn Clock>, base_url: String, dunning: bool) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = app::server::handling::queue_digests(&db, clock.now_ms(), &base_url).await {
            tracing::warn!(error = %e, "the staff digests could not be queued; retrying");
        }
        if let Err(e) =
            app::server::retention::queue_weekly_digests(&db, clock.now_ms(), &base_url).await
        {
            tracing::warn!(error = %e, "the creditors' weekly digests could not be queued; retrying");
        }
        if let Err(e) = app::server::consent::apply_defaults(&db, clock.now_ms()).await {
            tracing::warn!(error = %e, "the consent defaults could not be applied; retrying");
        }
        // Attempt windows older than a day have ended: no limit's window is that long.
        if app::server::limits::Attempts::forget_before(&db, clock.now_ms() - 24 * 3_600_000)
            .await
            .is_err()
        {
            tracing::warn!("old attempt counters could not be removed; retrying");
        }
        // The reports of the month before, once per creditor (a report that exists is kept).
        if let Some(today) = chrono::DateTime::from_timestamp_millis(clock.now_ms()) {
            let period = app::domain::remittance::Period::before(today.date_naive());
            match crate::db::remittances::make_remittances(&db, &period, clock.now_ms(), &base_url)
                .await
            {
                Ok(made) if !made.is_empty() => {
                    tracing::info!(
                        period = period.key,
                        reports = made.len(),
                        "remittance reports made"
                    )
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "remittance reports could not be made; retrying")
                }
            }
        }
        if !dunning {
            continue;
        }
        match app::server::dunning::run_due(&db, clock.now_ms(), &base_url).await {
            Ok(r) if r.total() > 0 => tracing::info!(
                reminders = r.reminders,
                final_notices = r.final_notices,
                escalations = r.escalations,
                instalment_reminders = r.instalment_reminders,
                missed = r.missed,
                broken = r.broken,
                completed = r.completed,
                letters = r.letters,
                "dunning run"
            ),
            Ok(_) => {}
            Err(_) => tracing::warn!("the dunning run could not finish; retrying"),
        }
    }
}

/// Delivers the creditors' webhooks every few seconds (leases keep several instances apart).
async fn webhook_loop(db: Db, clock: Arc<dyn Clock>, allow_loopback: bool) {
    let client = crate::webhooks::client(allow_loopback);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = crate::webhooks::deliver_due(&db, &client, clock.now_ms()).await {
            tracing::warn!(error = %e, "webhooks could not be delivered; retrying");
        }
    }
}

/// Delivers the outbox every few seconds. Several instances may run this at once: leases keep
/// them from sending the same message.
async fn relay_loop(
    db: Db,
    mailer: SmtpMailer,
    clock: Arc<dyn Clock>,
    quiet_hours: app::server::outbox::QuietHours,
) {
    let owner = format!("relay-{}", uuid::Uuid::new_v4().simple());
    let policy = RelayPolicy {
        quiet_hours,
        ..RelayPolicy::default()
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        match relay_once(&db, &mailer, clock.as_ref(), &policy, &owner).await {
            Ok(r) if r != Default::default() => tracing::info!(
                sent = r.sent,
                retried = r.retried,
                dead = r.dead,
                suppressed = r.suppressed,
                postponed = r.postponed,
                "outbox relay"
            ),
            Ok(_) => {}
            Err(_) => tracing::warn!("outbox relay could not reach the database; retrying"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

/// Seconds a client is asked to wait when the sign-in work queue is full.
pub const BUSY_RETRY_AFTER: &str = "5";

/// The HTTP status for an error a server function returned.
pub fn status_for(error: &app::AppError) -> StatusCode {
    use app::AppError::*;
    match error {
        Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Unauthenticated => StatusCode::UNAUTHORIZED,
        Forbidden | SetupRequired => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        Conflict => StatusCode::CONFLICT,
        RateLimited { .. } | TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        Internal | Unreachable => StatusCode::INTERNAL_SERVER_ERROR,
        Busy => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Leptos answers every error of a server function called by fetch with 500 (marking it with a
/// `serverfnerror` header); a wrong postcode is not a server failure, so the error is read back and
/// given its status. Form posts without JavaScript are answered with a redirect either way.
async fn server_fn_status(response: axum::response::Response) -> axum::response::Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<app::AppError>(&bytes) {
        parts.status = status_for(&error);
        if error == app::AppError::Busy {
            parts.headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(BUSY_RETRY_AFTER),
            );
        }
    }
    axum::response::Response::from_parts(parts, Body::from(bytes))
}

/// Stripe's webhook: verified on the raw body before anything is read, booked exactly once per
/// event. Only `checkout.session.completed` with `payment_status = paid` and
/// `checkout.session.async_payment_succeeded` book money; other verified events are acknowledged.
async fn stripe_webhook(
    state: AppState,
    secret: Option<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let Some(secret) = secret else {
        return not_found();
    };
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = state.clock.now_ms() / 1000;
    if let Err(e) = crate::payments::stripe::verify_signature(signature, &body, &secret, now) {
        tracing::warn!(error = %e, "Stripe webhook refused");
        return (StatusCode::BAD_REQUEST, "invalid signature").into_response();
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let id = event["id"].as_str().unwrap_or_default();
    let kind = event["type"].as_str().unwrap_or_default();
    let object = &event["data"]["object"];
    let paid = match kind {
        "checkout.session.completed" => object["payment_status"] == "paid",
        "checkout.session.async_payment_succeeded" => true,
        _ => false,
    };
    if !paid || id.is_empty() {
        return (StatusCode::OK, "ignored").into_response();
    }
    let session_id = object["id"].as_str().unwrap_or_default();
    match app::server::payments::book(&state, "stripe", id, kind, session_id).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        // A failure here makes Stripe deliver the event again later, which is what we want.
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response(),
    }
}

/// The statement of claim of the session's own case as a PDF, in the request's language.
async fn download_statement(
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
async fn download_document(
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
async fn download_staff_document(
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
async fn download_personal_data(
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

fn not_found() -> axum::response::Response {
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
async fn download_overview(
    state: AppState,
    session: tower_sessions::Session,
    query: std::collections::HashMap<String, String>,
) -> axum::response::Response {
    let Some(member) = creditor_member(&state, &session).await else {
        return not_found();
    };
    let get = |k: &str| query.get(k).cloned();
    let filter = app::server::overview::filter(get("state"), get("class"), get("q"), None);
    let rows = match state
        .store
        .overview_rows(member.creditor_id, &filter, None)
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
async fn download_retention(
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
async fn download_remittance(
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
async fn download_import_report(
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

async fn healthz(db: Db) -> impl IntoResponse {
    if db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// The full router with every layer.
/// The Content-Security-Policy (pages add their `script-src` with a nonce): no framing, no
/// foreign base, no plugins, and forms post only to us — or redirect to the payment provider's
/// hosted checkout when one is configured (browsers apply `form-action` to the redirect after a
/// form post, too).
fn content_security_policy(config: &Config) -> String {
    let checkout = config
        .stripe
        .as_ref()
        .map(|s| s.checkout_origin.trim_end_matches('/'))
        .filter(|o| {
            !o.is_empty()
                && o.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":/.-".contains(c))
        });
    match checkout {
        Some(origin) => {
            format!("frame-ancestors 'none'; base-uri 'self'; form-action 'self' {origin}")
        }
        None => "frame-ancestors 'none'; base-uri 'self'; form-action 'self'".to_string(),
    }
}

/// Refuses state-changing requests that a browser made on behalf of another site (CSRF): by the
/// `Sec-Fetch-Site` header where the browser sends it, else by comparing `Origin` with `Host`.
/// A request without either is not a browser's cross-site form and passes. Webhooks are signed
/// and come from other sites by design, and the REST API authenticates by a header no browser
/// adds on its own (no cookies), so both are exempt.
async fn same_origin_only(
    request: Request<Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    if safe || path.starts_with("/webhooks/") || path.starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let cross_site = match text("sec-fetch-site") {
        Some("same-origin") | Some("none") => false,
        Some(_) => true,
        None => match (text("origin"), text("host")) {
            (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
            _ => false,
        },
    };
    if cross_site {
        tracing::warn!(path = %loggable_path(request.uri().path()), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(request).await
}

pub fn router(config: &Config, db: Db, clock: Arc<dyn Clock>) -> Router {
    let rest_clock = clock.clone();
    let assets = Arc::new(
        crate::assets::Assets::load(&config.site_root.join("pkg"), "rapport").unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot read the compiled site; pages are served without it");
            crate::assets::Assets::none("rapport")
        }),
    );
    let secure = config.secure_cookies();
    let state: AppState = AppState {
        store: Arc::new(db.clone()),
        attempts: Arc::new(db.clone()),
        provider: config.stripe.as_ref().map(|s| {
            Arc::new(crate::payments::stripe::Stripe::new(
                &s.api_base,
                s.secret_key.expose(),
            )) as Arc<dyn app::server::ports::PaymentProvider>
        }),
        scanner: config.clamd.clone().map(|c| {
            tracing::info!(clamd = ?c, "uploaded documents are scanned for malware");
            Arc::new(c) as Arc<dyn app::server::ports::VirusScanner>
        }),
        clock: clock.clone(),
        settings: Arc::new(Settings {
            base_url: config.base_url.to_string(),
            debtor_session_absolute_ms: DEBTOR_ABSOLUTE_MS,
            secure_cookies: secure,
            agency: config.agency.clone(),
            content_security_policy: content_security_policy(config),
            stylesheet: assets.stylesheet.clone(),
            require_two_step: config.require_two_step,
            webhook_loopback: config.webhook_loopback,
            session_key: config
                .secret_key
                .clone()
                .unwrap_or_else(app::server::sealing::SealingKey::random),
            sealing_key: config.secret_key.clone().or_else(|| {
                if config.require_two_step {
                    tracing::warn!(
                        "RAPPORT_SECRET_KEY is not set: two-step sign-in keys are stored unsealed"
                    );
                }
                None
            }),
        }),
    };
    let hash_file = assets.write_hash_file().unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot write the static files' hash file; serving plain names");
        None
    });
    let leptos_options = LeptosOptions::builder()
        .output_name("rapport")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.bind)
        .hash_files(hash_file.is_some())
        .hash_file(
            hash_file
                .map(|p| p.to_string_lossy().to_string())
                .unwrap_or_else(|| "hash.txt".to_string())
                .into(),
        )
        .build();
    let downloads = state.clone();
    let staff_downloads = state.clone();
    let export_state = state.clone();
    let export_db = db.clone();
    let statement_state = state.clone();
    let overview_state = state.clone();
    let retention_state = state.clone();
    let report_state = state.clone();
    let remittance_state = state.clone();
    let webhook_state = state.clone();
    let webhook_secret = config
        .stripe
        .as_ref()
        .map(|s| s.webhook_secret.expose().to_string());
    let context = move || provide_context(state.clone());
    let routes = generate_route_list(App);

    let sessions = SessionManagerLayer::new(SqlSessionStore::new(db.clone()))
        // `__Host-` binds the cookie to this exact host and path `/`, and requires `Secure`.
        .with_name(if secure {
            "__Host-rapport_session"
        } else {
            "rapport_session"
        })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            COOKIE_IDLE_MINUTES,
        )));

    let pages = Router::new()
        .route(
            "/case/statement.pdf",
            get({
                let state = statement_state.clone();
                move |session: tower_sessions::Session, headers: axum::http::HeaderMap| {
                    download_statement(state.clone(), session, headers)
                }
            }),
        )
        .route(
            "/staff/cases/{id}/personal-data.json",
            get({
                let state = export_state;
                let db = export_db;
                move |session: tower_sessions::Session,
                      axum::extract::Path(id): axum::extract::Path<i64>| {
                    download_personal_data(state.clone(), db.clone(), session, id)
                }
            }),
        )
        .route(
            "/staff/documents/{id}",
            get({
                let state = staff_downloads;
                move |session: tower_sessions::Session,
                      axum::extract::Path(id): axum::extract::Path<i64>| {
                    download_staff_document(state.clone(), session, id)
                }
            }),
        )
        .route(
            "/creditor/import/{id}/report.txt",
            get({
                let state = report_state;
                move |session: tower_sessions::Session,
                      axum::extract::Path(id): axum::extract::Path<i64>| {
                    download_import_report(state.clone(), session, id)
                }
            }),
        )
        .route(
            "/creditor/remittances/{id}/report.csv",
            get({
                let state = remittance_state;
                move |session: tower_sessions::Session,
                      axum::extract::Path(id): axum::extract::Path<i64>| {
                    download_remittance(state.clone(), session, id)
                }
            }),
        )
        .route(
            "/creditor/retention.csv",
            get({
                let state = retention_state;
                move |session: tower_sessions::Session,
                      axum::extract::Query(query): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| { download_retention(state.clone(), session, query) }
            }),
        )
        .route(
            "/creditor/overview.csv",
            get({
                let state = overview_state;
                move |session: tower_sessions::Session,
                      axum::extract::Query(query): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| { download_overview(state.clone(), session, query) }
            }),
        )
        .route(
            "/case/documents/{id}",
            get(
                move |session: tower_sessions::Session,
                      axum::extract::Path(id): axum::extract::Path<i64>| {
                    download_document(downloads.clone(), session, id)
                },
            ),
        )
        .leptos_routes_with_context(&leptos_options, routes, context, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options)
        .layer(axum::middleware::map_response(server_fn_status))
        .layer(sessions)
        // Pages show personal data: no shared or browser cache may keep them.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    // Browsers remember to use HTTPS only for a portal served over HTTPS (one year); over plain
    // HTTP (local development) the header would be meaningless and is not sent.
    let https = config.secure_cookies();
    let hsts = move |_: &axum::http::Response<Body>| {
        https.then(|| HeaderValue::from_static("max-age=31536000"))
    };
    // The API's answers hold personal data, too: no cache may keep them.
    let rest = crate::rest::routes(crate::rest::RestState {
        db: db.clone(),
        clock: rest_clock,
        limit: app::server::limits::api_requests(config.api_requests_per_minute),
    })
    .layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    let request_id = HeaderName::from_static("x-request-id");
    let proxies = Arc::new(config.trusted_proxies.clone());
    Router::new()
        .route("/healthz", get(move || healthz(db.clone())))
        // The stack's ceiling for the benchmarks: the same server, middleware and headers, no
        // work (liveness without the database).
        .route("/ping", get(|| async { "pong" }))
        .route(
            "/webhooks/stripe",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    stripe_webhook(webhook_state.clone(), webhook_secret.clone(), headers, body)
                },
            ),
        )
        .route(
            "/pkg/{*path}",
            get(crate::assets::serve).with_state(assets.clone()),
        )
        .nest("/api/v1", rest)
        .merge(pages)
        .layer(
            ServiceBuilder::new()
                // The request id is ours: one a client sends is dropped, so that nobody can make
                // their audit entries carry another request's id.
                .layer(axum::middleware::map_request(
                    |mut request: Request<Body>| async move {
                        request.headers_mut().remove("x-request-id");
                        request
                    },
                ))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(axum::middleware::from_fn(move |request, next| {
                    crate::client::identify(proxies.clone(), request, next)
                }))
                .layer(axum::middleware::from_fn(crate::body_limits::bounded))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<Body>| {
                            let id = req
                                .headers()
                                .get("x-request-id")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!(
                                "request",
                                request_id = %id,
                                method = %req.method(),
                                path = %loggable_path(req.uri().path()),
                            )
                        })
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("x-content-type-options"),
                    HeaderValue::from_static("nosniff"),
                ))
                // same-origin: our own form posts need the Referer (errors return to the page that
                // posted), but no other site ever sees a URL of ours, link tokens included.
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("referrer-policy"),
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("x-frame-options"),
                    HeaderValue::from_static("DENY"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_str(&content_security_policy(config)).unwrap_or_else(|_| {
                        HeaderValue::from_static(
                            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
                        )
                    }),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    HeaderName::from_static("strict-transport-security"),
                    hsts,
                ))
                .layer(axum::middleware::from_fn(same_origin_only)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_sign_in_queue_is_answered_503_with_retry_after() {
        let body = serde_json::to_vec(&app::AppError::Busy).expect("serialises");
        let response = axum::response::Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .header("serverfnerror", "1")
            .body(Body::from(body))
            .expect("response");
        let answered = server_fn_status(response).await;
        assert_eq!(answered.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            answered.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static(BUSY_RETRY_AFTER))
        );
    }
}
