//! The creditor's REST API under `/api/v1`: claims handed over as JSON, authenticated by the
//! creditor's API keys, checked by exactly the rules of the CSV import, created idempotently by the
//! creditor's own external id. Errors are `application/problem+json` (RFC 9457) naming every bad
//! field. Another creditor's claim is "not found", never "forbidden". The OpenAPI 3.1 document is
//! generated from this code and served at `/api/v1/openapi.json`.

use crate::db::Db;
use crate::intake::{Known, References, StoredClaim};
use app::domain::intake::{check_row, ClaimRow, IntakeProblem, COLUMNS};
use app::domain::{Currency, Money};
use app::server::ports::{CasePages, Clock};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

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
    paths(create_claim, list_claims, get_claim, list_classes, activities::create_activity),
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

fn problem(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Response {
    problem_with(status, kind, title, detail, Vec::new())
}

fn problem_with(
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

fn internal(e: impl std::fmt::Display) -> Response {
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
async fn creditor(state: &RestState, headers: &HeaderMap) -> Result<i64, Response> {
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

/// A claim to hand over. The fields are those of the CSV import, with the same rules.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read field by field from JSON, so that every bad field can be named
pub struct ClaimInput {
    /// Your own id of the claim; sending it again creates nothing new.
    #[schema(example = "INV-2026-0042", min_length = 1, max_length = 64)]
    external_id: String,
    /// Your customer number: claims with the same number belong to the same debtor.
    #[schema(example = "K-10042", min_length = 1, max_length = 64)]
    customer_number: String,
    /// `consumer` (default) or `business`.
    #[schema(example = "consumer")]
    debtor_kind: Option<String>,
    #[schema(example = "Erika Mustermann", min_length = 1, max_length = 200)]
    debtor_name: String,
    /// Street and house number.
    #[schema(example = "Heidestraße 17", min_length = 1, max_length = 200)]
    street: String,
    /// Five digits in Germany.
    #[schema(example = "51147", min_length = 1)]
    postcode: String,
    #[schema(example = "Köln", min_length = 1, max_length = 100)]
    city: String,
    /// ISO code; `DE` when missing.
    #[schema(example = "DE")]
    country: Option<String>,
    #[schema(example = "erika@example.org")]
    email: Option<String>,
    #[schema(example = "+49 221 123456", max_length = 40)]
    phone: Option<String>,
    /// `de` (default) or `en`.
    #[schema(example = "de")]
    language: Option<String>,
    /// The debtor's account, to recognise their payments.
    #[schema(example = "DE89370400440532013000")]
    iban: Option<String>,
    /// The key of one of your treatment classes (`standard` when missing); see `GET /api/v1/treatment-classes`.
    #[schema(example = "standard")]
    treatment_class: Option<String>,
    /// What the claim is for (the contract's subject).
    #[schema(
        example = "Stromlieferung Oktober 2026",
        min_length = 1,
        max_length = 300
    )]
    subject: String,
    /// `YYYY-MM-DD` (or `DD.MM.YYYY`).
    #[schema(
        example = "2026-09-01",
        pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\.[0-9]{2}\.[0-9]{4})\s*$"
    )]
    contract_date: String,
    /// `YYYY-MM-DD` (or `DD.MM.YYYY`); not before the contract date.
    #[schema(
        example = "2026-10-15",
        pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\.[0-9]{2}\.[0-9]{4})\s*$"
    )]
    due_date: String,
    /// The principal in euro, as a decimal string.
    #[schema(
        example = "149.90",
        pattern = r"^\s*[0-9]{1,3}([.,]?[0-9]{3})*([.,][0-9]{1,2})?\s*$"
    )]
    principal: String,
    /// `true` when the debtor's address was not given by you but researched (by you or the
    /// agency): the debtor is told so, as § 13a (1) no. 7 RDG requires. `false` when missing.
    #[schema(example = false)]
    address_researched: Option<bool>,
    /// Default interest you charged up to the hand-over, in euro as a decimal string; with
    /// `interest_rate`, `interest_from` and `interest_to` (all four or none). Not charged when
    /// the treatment class waives interest.
    #[schema(
        example = "4.37",
        pattern = r"^\s*([0-9]{1,3}([.,]?[0-9]{3})*([.,][0-9]{1,2})?)?\s*$"
    )]
    interest: Option<String>,
    /// The interest rate in percent a year (more than 0, at most 30).
    #[schema(
        example = "9.12",
        pattern = r"^\s*([0-9]{1,2}([.,][0-9]{1,2})?\s*%?)?\s*$"
    )]
    interest_rate: Option<String>,
    /// The first day interest ran; after the due date.
    #[schema(
        example = "2026-10-16",
        pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\.[0-9]{2}\.[0-9]{4})?\s*$"
    )]
    interest_from: Option<String>,
    /// The last day interest ran.
    #[schema(
        example = "2026-11-30",
        pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\.[0-9]{2}\.[0-9]{4})?\s*$"
    )]
    interest_to: Option<String>,
    /// Costs you charged (e.g. reminder fees), in euro as a decimal string; with
    /// `costs_description`. Not charged when the treatment class waives costs.
    #[schema(
        example = "5.00",
        pattern = r"^\s*([0-9]{1,3}([.,]?[0-9]{3})*([.,][0-9]{1,2})?)?\s*$"
    )]
    costs: Option<String>,
    /// What the costs are for, as the debtor reads it.
    #[schema(example = "Mahngebühren 2 × 2,50 €", max_length = 200)]
    costs_description: Option<String>,
}

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

/// An object's values as text, and the problems named while reading them.
type ReadFields = (BTreeMap<String, String>, Vec<FieldError>);

/// How the fields of one kind of JSON object are read.
struct JsonFields {
    /// The documented fields, in their order.
    known: &'static [&'static str],
    /// What an unknown field is told: "is not a field of a claim".
    unknown: &'static str,
    /// A field that may also be a JSON number (an amount); its decimal text is read like a string.
    number: &'static str,
    /// A field that may also be a JSON boolean.
    flag: Option<&'static str>,
}

impl JsonFields {
    /// The object's values as text, and the fields named already: unknown ones and values of the
    /// wrong JSON type. `null` is an empty value.
    fn read(&self, body: &serde_json::Value) -> Result<ReadFields, Vec<FieldError>> {
        let Some(object) = body.as_object() else {
            return Err(vec![FieldError {
                field: "(body)".into(),
                problem: "must be a JSON object".into(),
            }]);
        };
        let mut errors = Vec::new();
        let mut values = BTreeMap::new();
        for (field, value) in object {
            if !self.known.contains(&field.as_str()) {
                errors.push(FieldError {
                    field: field.clone(),
                    problem: self.unknown.into(),
                });
                continue;
            }
            let is_flag = self.flag == Some(field.as_str());
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) if field == self.number => n.to_string(),
                serde_json::Value::Bool(b) if is_flag => b.to_string(),
                _ => {
                    errors.push(FieldError {
                        field: field.clone(),
                        problem: if is_flag {
                            "must be true or false".into()
                        } else {
                            "must be a string".into()
                        },
                    });
                    continue;
                }
            };
            values.insert(field.clone(), text);
        }
        Ok((values, errors))
    }

    /// Adds the rules' problems of fields not named yet, and puts every problem in the documented
    /// order of the fields (unknown ones last), each once.
    fn finish<P>(
        &self,
        mut errors: Vec<FieldError>,
        rules: &[(String, P)],
        describe: impl Fn(&P) -> String,
    ) -> Vec<FieldError> {
        // A field of the wrong type is missing to the rules; it is named once.
        let named: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        errors.extend(
            rules
                .iter()
                .filter(|(field, _)| !named.contains(field))
                .map(|(field, p)| FieldError {
                    field: field.clone(),
                    problem: describe(p),
                }),
        );
        errors.sort_by_key(|e| {
            self.known
                .iter()
                .position(|c| *c == e.field)
                .unwrap_or(usize::MAX)
        });
        errors.dedup();
        errors
    }
}

const CLAIM_FIELDS: JsonFields = JsonFields {
    known: &COLUMNS,
    unknown: "is not a field of a claim",
    number: "principal",
    flag: Some("address_researched"),
};

/// Reads the JSON object field by field, so that every bad field is named: unknown fields,
/// values that are not strings, and then the rules of the CSV import.
fn read_claim(
    body: &serde_json::Value,
    classes: &BTreeMap<String, i64>,
) -> Result<ClaimRow, Vec<FieldError>> {
    let (values, mut errors) = CLAIM_FIELDS.read(body)?;
    let class = values
        .get("treatment_class")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .unwrap_or("standard");
    if !classes.contains_key(class) {
        errors.push(FieldError {
            field: "treatment_class".into(),
            problem: IntakeProblem::UnknownClass.describe(),
        });
    }
    let checked = check_row(&values);
    let rules = checked
        .as_ref()
        .err()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let errors = CLAIM_FIELDS.finish(errors, rules, IntakeProblem::describe);
    match checked {
        Ok(row) if errors.is_empty() => Ok(row),
        _ => Err(errors),
    }
}

async fn classes_of(db: &Db, creditor_id: i64) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT key, id FROM treatment_classes WHERE creditor_id = $1")
            .bind(creditor_id)
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().collect())
}

const CLAIM_COLUMNS: &str = "cl.id, cl.external_id, c.id, c.reference, c.state, cl.subject, cl.due_date,
     (SELECT CAST(COALESCE(SUM(ci.amount_minor), 0) AS BIGINT) FROM claim_items ci WHERE ci.claim_id = cl.id AND ci.kind = 'principal'),
     d.customer_number, d.name, tc.key, cl.created_at";
const CLAIM_JOINS: &str =
    "FROM claims cl JOIN cases c ON c.id = cl.case_id JOIN debtors d ON d.id = c.debtor_id
     LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id";

type ClaimRowDb = (
    i64,
    Option<String>,
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    i64,
);

/// A claim for the answer; `balances` keeps each case's balance, so that a page with several
/// claims of one case computes it once.
async fn claim_out(
    state: &RestState,
    row: ClaimRowDb,
    balances: &mut std::collections::HashMap<i64, Option<String>>,
) -> Result<ClaimOut, Response> {
    let (
        _,
        external_id,
        case_id,
        reference,
        case_state,
        subject,
        due,
        principal,
        customer,
        name,
        class,
        created,
    ) = row;
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
        external_id: external_id.unwrap_or_default(),
        case_reference: reference,
        case_state,
        case_balance: balance,
        subject,
        due_date: due,
        principal: Money::new(principal, Currency::EUR).decimal(),
        currency: "EUR".into(),
        customer_number: customer,
        debtor_name: name,
        treatment_class: class,
        created_at: chrono::DateTime::from_timestamp_millis(created)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
    })
}

async fn load_claim(
    state: &RestState,
    creditor_id: i64,
    external_id: &str,
) -> Result<Option<ClaimOut>, Response> {
    let row: Option<ClaimRowDb> = sqlx::query_as(&format!(
        "SELECT {CLAIM_COLUMNS} {CLAIM_JOINS} WHERE cl.creditor_id = $1 AND cl.external_id = $2"
    ))
    .bind(creditor_id)
    .bind(external_id)
    .fetch_optional(state.db.pool())
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
    let held: (String, String, String, i64, String) = sqlx::query_as(
        "SELECT cl.subject, cl.contract_date, cl.due_date,
                (SELECT CAST(COALESCE(SUM(ci.amount_minor), 0) AS BIGINT) FROM claim_items ci WHERE ci.claim_id = cl.id AND ci.kind = 'principal'),
                d.customer_number
         FROM claims cl JOIN cases c ON c.id = cl.case_id JOIN debtors d ON d.id = c.debtor_id WHERE cl.id = $1",
    )
    .bind(claim_id)
    .fetch_one(state.db.pool())
    .await
    .map_err(internal)?;
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

/// The request body as JSON, or the problem+json answer that it is not.
#[allow(clippy::result_large_err)] // the error is the answer itself, sent at once
pub(super) fn json_body(body: &[u8]) -> Result<serde_json::Value, Response> {
    serde_json::from_slice(body).map_err(|e| {
        problem(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "The body is not JSON",
            format!("The request body cannot be read as JSON: {e}."),
        )
    })
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
async fn create_claim(
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
    let classes = match classes_of(&state.db, creditor_id).await {
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
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_write().await?;
    let mut references = References::next_free(&mut tx, now).await?;
    let class_id = classes.get(&row.treatment_class).copied();
    let mut known = Known::new(creditor_id, now);
    known.look_up(&mut tx, std::slice::from_ref(row)).await?;
    let stored = known.store(class_id, row, &mut references)?;
    known.write(&mut tx).await?;
    if let StoredClaim::Created { claim_id, .. } = &stored {
        sqlx::query(
            "INSERT INTO audit_log (occurred_at, actor_kind, actor_id, action, detail, created_at, updated_at)
             VALUES ($1, 'creditor', $2, 'claims.created_by_api', $3, $1, $1)",
        )
        .bind(now)
        .bind(format!("creditor:{creditor_id}"))
        .bind(serde_json::json!({ "claim_id": claim_id, "external_id": row.external_id }).to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(stored)
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
async fn get_claim(
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
async fn list_claims(
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
    let total: i64 = match sqlx::query_scalar("SELECT COUNT(*) FROM claims WHERE creditor_id = $1")
        .bind(creditor_id)
        .fetch_one(state.db.pool())
        .await
    {
        Ok(n) => n,
        Err(e) => return internal(e),
    };
    let rows: Vec<ClaimRowDb> = match sqlx::query_as(&format!(
        "SELECT {CLAIM_COLUMNS} {CLAIM_JOINS} WHERE cl.creditor_id = $1 ORDER BY cl.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(creditor_id)
    .bind(i64::from(per_page))
    .bind(i64::from(page - 1) * i64::from(per_page))
    .fetch_all(state.db.pool())
    .await
    {
        Ok(rows) => rows,
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
async fn list_classes(State(state): State<RestState>, headers: HeaderMap) -> Response {
    let creditor_id = match creditor(&state, &headers).await {
        Ok(id) => id,
        Err(r) => return r,
    };
    let rows: Vec<(String, String)> = match sqlx::query_as(
        "SELECT key, name_en FROM treatment_classes WHERE creditor_id = $1 ORDER BY id",
    )
    .bind(creditor_id)
    .fetch_all(state.db.pool())
    .await
    {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> BTreeMap<String, i64> {
        BTreeMap::from([("standard".to_string(), 1), ("strict".to_string(), 2)])
    }

    #[test]
    fn every_bad_field_is_named_once_in_column_order() {
        let body = serde_json::json!({
            "external_id": "A-1",
            "customer_number": 42,
            "debtor_name": "Erika",
            "street": "Weg 1",
            "postcode": "5114",
            "city": "Köln",
            "subject": "Strom",
            "contract_date": "2026-09-01",
            "due_date": "gestern",
            "principal": "-3",
            "colour": "blue",
            "treatment_class": "vip"
        });
        let errors = read_claim(&body, &classes()).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "customer_number",
                "postcode",
                "treatment_class",
                "due_date",
                "principal",
                "colour"
            ]
        );
        assert_eq!(errors[0].problem, "must be a string");
        assert_eq!(errors[5].problem, "is not a field of a claim");
    }

    #[test]
    fn a_valid_claim_reads_like_a_csv_row() {
        let body = serde_json::json!({
            "external_id": "A-1",
            "customer_number": "K-1",
            "debtor_name": "Erika Mustermann",
            "street": "Heidestraße 17",
            "postcode": "51147",
            "city": "Köln",
            "subject": "Strom",
            "contract_date": "2026-09-01",
            "due_date": "2026-10-15",
            "principal": 149.9,
            "treatment_class": "strict",
            "email": null
        });
        let row = read_claim(&body, &classes()).expect("valid");
        assert_eq!(row.principal.minor, 14_990);
        assert_eq!(row.treatment_class, "strict");
        assert_eq!(row.email, None);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_named() {
        let errors = read_claim(&serde_json::json!([1, 2]), &classes()).expect_err("array");
        assert_eq!(errors[0].field, "(body)");
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_operation() {
        let doc = serde_json::to_value(openapi()).expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/api/v1/claims",
            "/api/v1/claims/{external_id}",
            "/api/v1/treatment-classes",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} documented");
        }
        assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    }
}
