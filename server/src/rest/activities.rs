//! `POST /api/v1/activities`: the creditor reports what a customer did (retention).

use super::{
    creditor, internal, json_body, problem_with, FieldError, JsonFields, ProblemDetails, RestState,
};
use crate::db::activities::{report_activity, ActivityRecord, Reported};
use app::domain::activity::{check_activity, Activity, ActivityProblem, FIELDS};
use app::domain::{Currency, Money};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Something a customer did at your company: the basis of the retention figures.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // read field by field from JSON, so that every bad field can be named
pub struct ActivityInput {
    /// Your own id of the event; sending it again stores nothing new.
    #[schema(example = "ORD-2026-77812", min_length = 1, max_length = 64)]
    event_id: String,
    /// Your customer number, as in the claims you handed over.
    #[schema(example = "K-10042", min_length = 1, max_length = 64)]
    customer_number: String,
    /// `order`, `renewal` (a contract renewed or extended), `paid_on_time` (an invoice paid by its
    /// due date) or `account_closed`.
    #[schema(example = "order")]
    kind: String,
    /// When it happened: `YYYY-MM-DD` (or `DD.MM.YYYY`), not in the future.
    #[schema(
        example = "2026-11-28",
        pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\.[0-9]{2}\.[0-9]{4})\s*$"
    )]
    date: String,
    /// The order's or contract's value in euro, as a decimal string; optional (missing, `null` or
    /// empty: no amount).
    #[schema(
        example = "89.90",
        pattern = r"^\s*([0-9]{1,3}([.,]?[0-9]{3})*([.,][0-9]{1,2})?)?\s*$"
    )]
    amount: Option<String>,
}

/// An activity as the agency holds it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    #[schema(example = "ORD-2026-77812")]
    event_id: String,
    #[schema(example = "K-10042")]
    customer_number: String,
    #[schema(example = "order")]
    kind: String,
    #[schema(example = "2026-11-28")]
    date: String,
    #[schema(example = "89.90")]
    amount: Option<String>,
    #[schema(example = "EUR")]
    currency: Option<String>,
    /// When it was reported (RFC 3339).
    #[schema(example = "2026-11-29T07:00:00Z")]
    received_at: String,
}

/// The answer to a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityReported {
    /// `false` when this event id was reported before: nothing was changed.
    created: bool,
    activity: ActivityOut,
}

fn out(r: ActivityRecord) -> ActivityOut {
    ActivityOut {
        amount: r.amount_minor.map(|m| {
            let currency = r
                .currency
                .as_deref()
                .and_then(|c| Currency::parse(c).ok())
                .unwrap_or(Currency::EUR);
            Money::new(m, currency).decimal()
        }),
        received_at: chrono::DateTime::from_timestamp_millis(r.created_at_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        event_id: r.event_id,
        customer_number: r.customer_number,
        kind: r.kind,
        date: r.date,
        currency: r.currency,
    }
}

const ACTIVITY_FIELDS: JsonFields = JsonFields {
    known: &FIELDS,
    unknown: "is not a field of an activity",
    number: "amount",
    flag: None,
};

/// Reads the JSON object field by field so that every bad field is named.
fn read(body: &serde_json::Value, today: chrono::NaiveDate) -> Result<Activity, Vec<FieldError>> {
    let (values, errors) = ACTIVITY_FIELDS.read(body)?;
    let checked = check_activity(&values, today);
    let rules = checked
        .as_ref()
        .err()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let errors = ACTIVITY_FIELDS.finish(errors, rules, ActivityProblem::describe);
    match checked {
        Ok(a) if errors.is_empty() => Ok(a),
        _ => Err(errors),
    }
}

/// Report what a customer did.
///
/// Matched to the debtor by your customer number. Sending the same `event_id` again stores
/// nothing: the answer is `200` with `created: false`, or `409` naming the fields that differ.
#[utoipa::path(
    post,
    path = "/api/v1/activities",
    request_body = ActivityInput,
    responses(
        (status = 201, description = "The activity is stored.", body = ActivityReported),
        (status = 200, description = "Reported before with the same data; nothing changed.", body = ActivityReported),
        (status = 400, description = "The body is not JSON.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests of the creditor within a minute (1,200 unless the agency set another limit).", body = ProblemDetails, content_type = "application/problem+json",
         headers(("retry-after" = String, description = "Seconds to wait"))),
        (status = 409, description = "Reported before with different data.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Fields are missing or invalid, or no claim of this customer was handed over; each field is listed.", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    tag = "activities"
)]
pub(super) async fn create_activity(
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
    let now = state.clock.now_ms();
    let today = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let invalid = |errors: Vec<FieldError>| {
        let detail = format!(
            "The activity was not stored: {} field(s) have problems.",
            errors.len()
        );
        problem_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-activity",
            "Invalid activity",
            detail,
            errors,
        )
    };
    let activity = match read(&value, today) {
        Ok(a) => a,
        Err(errors) => return invalid(errors),
    };
    match report_activity(&state.db, creditor_id, &activity, now).await {
        Ok(Reported::Created(r)) => (
            StatusCode::CREATED,
            Json(ActivityReported {
                created: true,
                activity: out(r),
            }),
        )
            .into_response(),
        Ok(Reported::Same(r)) => (
            StatusCode::OK,
            Json(ActivityReported {
                created: false,
                activity: out(r),
            }),
        )
            .into_response(),
        Ok(Reported::Differs(_, fields)) => problem_with(
            StatusCode::CONFLICT,
            "event-id-taken",
            "Reported before with different data",
            format!(
                "An activity with event_id {} was reported before with different data; nothing was changed.",
                activity.event_id
            ),
            fields
                .into_iter()
                .map(|f| FieldError {
                    field: f.into(),
                    problem: "differs from the activity reported before under this event_id".into(),
                })
                .collect(),
        ),
        Ok(Reported::UnknownCustomer) => invalid(vec![FieldError {
            field: "customer_number".into(),
            problem: "no claim of a customer with this number was handed over".into(),
        }]),
        Err(e) => internal(e),
    }
}
