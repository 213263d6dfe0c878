//! The creditor's REST API under `/api/v1`: claims handed over as JSON, authenticated by the
//! creditor's API keys, checked by exactly the rules of the CSV import, created idempotently by the
//! creditor's own external id. Errors are `application/problem+json` (RFC 9457) naming every bad
//! field. Another creditor's claim is "not found", never "forbidden". The OpenAPI 3.1 document is
//! generated from this code and served at `/api/v1/openapi.json`.

use crate::db::Db;
use app::server::ports::Clock;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use claim_input::{json_body, ClaimInput};
use claims::{
    create_claim, get_claim, list_claims, list_classes, ClaimCreated, ClaimList, ClaimOut, ClassOut,
};
use fields::JsonFields;
use serde::Serialize;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
mod claim_input;
mod claims;
mod fields;

mod activities;

/// What the API's handlers share.
#[derive(Clone)]
pub struct RestState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// Requests per creditor ([`app::server::limits::api_requests`]), counted in the database so
    /// that the limit holds across instances.
    pub limit: app::server::limits::Limit,
}

/// The routes, to be nested under `/api/v1` (unknown paths there answer in problem+json).
pub fn routes(state: RestState) -> Router {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/claims", get(list_claims).post(create_claim))
        .route("/claims/{external_id}", get(get_claim))
        .route("/treatment-classes", get(list_classes))
        .route(
            "/activities",
            axum::routing::post(activities::create_activity),
        )
        .fallback(not_found)
        .with_state(state)
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport creditor API",
        version = "1",
        description = "Hand over claims to the collection agency and follow them. Authenticate with an API key created in the creditor portal (API keys page) as `Authorization: Bearer rpk_…`. Every error is `application/problem+json`; a validation error lists each bad field under `errors`."
    ),
    paths(claims::create_claim, claims::list_claims, claims::get_claim, claims::list_classes, activities::create_activity),
    components(schemas(ClaimInput, ClaimOut, ClaimCreated, ClaimList, ClassOut, ProblemDetails, FieldError,
                       activities::ActivityInput, activities::ActivityOut, activities::ActivityReported)),
    modifiers(&BearerAuth),
    security(("api_key" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rpk_…")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of this API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}

/// An error as RFC 9457 describes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "urn:rapport:problem:invalid-claim")]
    kind: String,
    /// The kind of problem in words.
    title: String,
    /// The HTTP status code.
    status: u16,
    /// This occurrence in words.
    detail: String,
    /// Every bad field with its problem (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

/// One bad field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name, as in the request.
    #[schema(example = "principal")]
    field: String,
    /// What is wrong with it.
    #[schema(example = "is not a positive amount in euro (e.g. 149.90)")]
    problem: String,
}

pub(super) fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: impl Into<String>,
) -> Response {
    problem_with(status, kind, title, detail, Vec::new())
}

pub(super) fn problem_with(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: impl Into<String>,
    errors: Vec<FieldError>,
) -> Response {
    let body = ProblemDetails {
        kind: format!("urn:rapport:problem:{kind}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail: detail.into(),
        errors,
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

pub(super) fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "api request failed");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        "Something failed on our side; it is logged. Please try again later.",
    )
}

async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "There is no such resource in this API; see /api/v1/openapi.json.",
    )
}

/// The creditor of the request's API key, or the 401 answer.
pub(super) async fn creditor(state: &RestState, headers: &HeaderMap) -> Result<i64, Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let found = app::server::api_keys::authenticate(&state.db, authorization, state.clock.now_ms())
        .await
        .map_err(internal)?;
    let now = state.clock.now_ms();
    if let Some(creditor_id) = found {
        let key = creditor_id.to_string();
        let counted = app::server::limits::reserve(&state.db, state.limit, &key, now)
            .await
            .map_err(|_| internal("the API limit could not be counted"))?;
        if !counted.allowed() {
            let seconds = counted.seconds_left();
            let mut response = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                "Too many requests of this creditor within a minute; please slow down and try again.",
            );
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Err(response);
        }
    }
    found.ok_or_else(|| {
        let detail = if authorization.is_none() {
            "Send an API key as `Authorization: Bearer rpk_…`; owners create keys in the creditor portal."
        } else {
            "The API key is unknown or revoked."
        };
        let mut response = problem(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Not authenticated",
            detail,
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    })
}
