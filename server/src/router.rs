//! The HTTP router: pages, server functions, downloads, the REST API and webhooks, with the
//! layers every request passes (client address, body limits, sessions, security headers).

use super::downloads::{
    download_document, download_import_report, download_overview, download_personal_data,
    download_remittance, download_retention, download_staff_document, download_statement,
    not_found,
};
use super::startup::BUSY_RETRY_AFTER;
use crate::config::Config;
use crate::db::{Db, SqlSessionStore};
use crate::telemetry::loggable_path;
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
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The session cookie outlives 30 idle minutes (the longest idle time of any session); each kind
/// of session checks its own idle limit by the application's clock (debtors 15 minutes, staff 30).
const COOKIE_IDLE_MINUTES: i64 = 30;

/// A debtor session ends after 2 hours in all.
const DEBTOR_ABSOLUTE_MS: i64 = 2 * 3_600_000;

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
pub(crate) async fn server_fn_status(
    response: axum::response::Response,
) -> axum::response::Response {
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
