//! The claims of the REST API: hand over one, read one, list them, and the creditor's classes.

use super::claim_input::{json_body, read_claim, ClaimInput};
use super::{creditor, internal, problem, problem_with, FieldError, ProblemDetails, RestState};
use crate::db::claims::ClaimRecord;
use crate::intake::StoredClaim;
use app::domain::intake::ClaimRow;
use app::domain::{Currency, Money};
use app::server::ports::CasePages;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A claim as the agency holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimOut {
    #[schema(example = "INV-2026-0042")]
    external_id: String,
    /// The agency's reference of the case the claim belongs to; the debtor sees it.
    #[schema(example = "AKTE-2026-000123")]
    case_reference: String,
    /// The case's state, e.g. `open`, `disputed`, `plan_agreed`, `paid`, `closed`.
    #[schema(example = "open")]
    case_state: String,
    /// What the whole case still owes today (all its claims, interest and fees), in euro.
    #[schema(example = "149.90")]
    case_balance: Option<String>,
    #[schema(example = "Stromlieferung Oktober 2026")]
    subject: String,
    #[schema(example = "2026-10-15")]
    due_date: String,
    #[schema(example = "149.90")]
    principal: String,
    #[schema(example = "EUR")]
    currency: String,
    #[schema(example = "K-10042")]
    customer_number: String,
    #[schema(example = "Erika Mustermann")]
    debtor_name: String,
    #[schema(example = "standard")]
    treatment_class: Option<String>,
    /// When the claim was handed over (RFC 3339).
    #[schema(example = "2026-11-22T09:30:00Z")]
    created_at: String,
}

/// The answer to a hand-over.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimCreated {
    /// `false` when a claim with this external id was handed over before: nothing was changed.
    created: bool,
    claim: ClaimOut,
}

/// One page of claims.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimList {
    claims: Vec<ClaimOut>,
    page: u32,
    per_page: u32,
    /// All claims of the creditor.
    total: i64,
}

/// A treatment class of the creditor.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClassOut {
    #[schema(example = "key_account")]
    key: String,
    #[schema(example = "Key account")]
    name: String,
}

/// Which page of claims.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// From 1 (at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    page: Option<u32>,
    /// At most 100.
    #[param(minimum = 1, maximum = 100, example = 50)]
    per_page: Option<u32>,
}

/// A claim for the answer; `balances` keeps each case's balance, so that a page with several
/// claims of one case computes it once.
async fn claim_out(
    state: &RestState,
    row: ClaimRecord,
    balances: &mut std::collections::HashMap<i64, Option<String>>,
) -> Result<ClaimOut, Response> {
    let case_id = row.case_id;
    let today = chrono::DateTime::from_timestamp_millis(state.clock.now_ms())
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let balance = match balances.get(&case_id) {
        Some(known) => known.clone(),
        None => {
            let computed = state
                .db
                .case_view(case_id, today)
                .await
                .map_err(internal)?
                .map(|v| v.summary.balance.decimal());
            balances.insert(case_id, computed.clone());
            computed
        }
    };
    Ok(ClaimOut {
        external_id: row.external_id.unwrap_or_default(),
        case_reference: row.case_reference,
        case_state: row.case_state,
        case_balance: balance,
        subject: row.subject,
        due_date: row.due_date,
        principal: Money::new(row.principal_minor, Currency::EUR).decimal(),
        currency: "EUR".into(),
        customer_number: row.customer_number,
        debtor_name: row.debtor_name,
        treatment_class: row.class_key,
        created_at: chrono::DateTime::from_timestamp_millis(row.created_at)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
    })
}

async fn load_claim(
    state: &RestState,
    creditor_id: i64,
    external_id: &str,
) -> Result<Option<ClaimOut>, Response> {
    let row = state
        .db
        .claim_by_external_id(creditor_id, external_id)
        .await
        .map_err(internal)?;
    match row {
        Some(row) => Ok(Some(claim_out(state, row, &mut Default::default()).await?)),
        None => Ok(None),
    }
}

/// The fields of a repeated hand-over that differ from the claim held.
async fn differences(
    state: &RestState,
    claim_id: i64,
    row: &ClaimRow,
) -> Result<Vec<FieldError>, Response> {
    let held = state.db.held_claim(claim_id).await.map_err(internal)?;
    let held = (
        held.subject,
        held.contract_date,
        held.due_date,
        held.principal_minor,
        held.customer_number,
    );
    let sent = (
        row.subject.clone(),
        row.contract_date.format("%Y-%m-%d").to_string(),
        row.due_date.format("%Y-%m-%d").to_string(),
        row.principal.minor,
        row.customer_number.clone(),
    );
    let mut out = Vec::new();
    for (field, differs) in [
        ("customer_number", held.4 != sent.4),
        ("subject", held.0 != sent.0),
        ("contract_date", held.1 != sent.1),
        ("due_date", held.2 != sent.2),
        ("principal", held.3 != sent.3),
    ] {
        if differs {
            out.push(FieldError {
                field: field.into(),
                problem: "differs from the claim handed over before under this external_id".into(),
            });
        }
    }
    Ok(out)
}

/// Hand over a claim.
///
/// Creates the claim (with its debtor and case, or joined to the debtor's running case). Sending
/// the same `external_id` again creates nothing: the answer is `200` with `created: false`, or
/// `409` naming the fields that differ from the claim handed over before.
#[utoipa::path(
    post,
    path = "/api/v1/claims",
    request_body = ClaimInput,
    responses(
        (status = 201, description = "The claim is handed over.", body = ClaimCreated,
         headers(("location" = String, description = "The claim's address"))),
        (status = 200, description = "Handed over before with the same data; nothing changed.", body = ClaimCreated),
        (status = 400, description = "The body is not JSON.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests of the creditor within a minute (1,200 unless the agency set another limit).", body = ProblemDetails, content_type = "application/problem+json",
         headers(("retry-after" = String, description = "Seconds to wait"))),
        (status = 409, description = "Handed over before with different data.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing or invalid; each one is listed.", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    tag = "claims"
)]
pub(crate) async fn create_claim(
    State(state): State<RestState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let creditor_id = match creditor(&state, &headers).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let value = match json_body(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let classes = match state.db.class_ids(creditor_id).await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let row = match read_claim(&value, &classes) {
        Ok(row) => row,
        Err(errors) => {
            let detail = format!(
                "The claim was not handed over: {} field(s) have problems.",
                errors.len()
            );
            return problem_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-claim",
                "Invalid claim",
                detail,
                errors,
            );
        }
    };
    // Two requests at once may pick the same new case reference; the loser tries again.
    let mut attempt = 0;
    let stored = loop {
        attempt += 1;
        match store_one(&state, creditor_id, &classes, &row).await {
            Ok(stored) => break stored,
            Err(e) if attempt < 3 && crate::db::is_unique_violation(&e) => continue,
            Err(e) => return internal(e),
        }
    };
    let (status, created) = match stored {
        StoredClaim::Existing { claim_id } => {
            let differing = match differences(&state, claim_id, &row).await {
                Ok(d) => d,
                Err(r) => return r,
            };
            if !differing.is_empty() {
                return problem_with(
                    StatusCode::CONFLICT,
                    "external-id-taken",
                    "Handed over before with different data",
                    format!(
                        "A claim with external_id {} was handed over before with different data; nothing was changed. Corrections go through the case handlers.",
                        row.external_id
                    ),
                    differing,
                );
            }
            (StatusCode::OK, false)
        }
        StoredClaim::Created { .. } => (StatusCode::CREATED, true),
    };
    let claim = match load_claim(&state, creditor_id, &row.external_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return internal("stored claim not found"),
        Err(r) => return r,
    };
    let location = format!("/api/v1/claims/{}", url_escape(&row.external_id));
    let mut response = (status, Json(ClaimCreated { created, claim })).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

fn url_escape(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn store_one(
    state: &RestState,
    creditor_id: i64,
    classes: &BTreeMap<String, i64>,
    row: &ClaimRow,
) -> Result<StoredClaim, sqlx::Error> {
    let class_id = classes.get(&row.treatment_class).copied();
    state
        .db
        .store_api_claim(creditor_id, class_id, row, state.clock.now_ms())
        .await
}

/// A claim by your external id.
#[utoipa::path(
    get,
    path = "/api/v1/claims/{external_id}",
    params(("external_id" = String, Path, description = "Your id of the claim")),
    responses(
        (status = 200, description = "The claim.", body = ClaimOut),
        (status = 401, description = "No valid API key.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests of the creditor within a minute (1,200 unless the agency set another limit).", body = ProblemDetails, content_type = "application/problem+json",
         headers(("retry-after" = String, description = "Seconds to wait"))),
        (status = 404, description = "You handed over no claim with this id.", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    tag = "claims"
)]
pub(crate) async fn get_claim(
    State(state): State<RestState>,
    headers: HeaderMap,
    Path(external_id): Path<String>,
) -> Response {
    let creditor_id = match creditor(&state, &headers).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    match load_claim(&state, creditor_id, &external_id).await {
        Ok(Some(claim)) => Json(claim).into_response(),
        Ok(None) => problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            "You handed over no claim with this external_id.",
        ),
        Err(r) => r,
    }
}

/// Your claims, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/claims",
    params(Paging),
    responses(
        (status = 200, description = "One page of claims.", body = ClaimList),
        (status = 400, description = "The paging parameters are invalid.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests of the creditor within a minute (1,200 unless the agency set another limit).", body = ProblemDetails, content_type = "application/problem+json",
         headers(("retry-after" = String, description = "Seconds to wait"))),
    ),
    tag = "claims"
)]
pub(crate) async fn list_claims(
    State(state): State<RestState>,
    headers: HeaderMap,
    paging: Result<Query<Paging>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let creditor_id = match creditor(&state, &headers).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Ok(Query(paging)) = paging else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-paging",
            "Invalid paging",
            "page and per_page must be whole numbers from 1 (per_page at most 100).",
        );
    };
    let page = paging.page.unwrap_or(1);
    let per_page = paging.per_page.unwrap_or(50);
    if page == 0 || page > 1_000_000 || per_page == 0 || per_page > 100 {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-paging",
            "Invalid paging",
            "page and per_page must be whole numbers from 1 (per_page at most 100).",
        );
    }
    let (rows, total) = match state.db.claims_page(creditor_id, page, per_page).await {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let mut claims = Vec::with_capacity(rows.len());
    let mut balances = std::collections::HashMap::new();
    for row in rows {
        match claim_out(&state, row, &mut balances).await {
            Ok(c) => claims.push(c),
            Err(r) => return r,
        }
    }
    Json(ClaimList {
        claims,
        page,
        per_page,
        total,
    })
    .into_response()
}

/// Your treatment classes: the values `treatment_class` accepts.
#[utoipa::path(
    get,
    path = "/api/v1/treatment-classes",
    responses(
        (status = 200, description = "The classes.", body = [ClassOut]),
        (status = 401, description = "No valid API key.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests of the creditor within a minute (1,200 unless the agency set another limit).", body = ProblemDetails, content_type = "application/problem+json",
         headers(("retry-after" = String, description = "Seconds to wait"))),
    ),
    tag = "claims"
)]
pub(crate) async fn list_classes(State(state): State<RestState>, headers: HeaderMap) -> Response {
    let creditor_id = match creditor(&state, &headers).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let rows = match state.db.class_names(creditor_id).await {
        Ok(rows) => rows,
        Err(e) => return internal(e),
    };
    Json(
        rows.into_iter()
            .map(|(key, name)| ClassOut { key, name })
            .collect::<Vec<_>>(),
    )
    .into_response()
}
