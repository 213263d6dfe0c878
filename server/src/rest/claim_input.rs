//! A claim as a creditor's system sends it: read field by field from JSON so that every bad
//! field is named in the answer.

use super::fields::JsonFields;
use super::{problem, FieldError};
use app::domain::intake::{check_row, ClaimRow, IntakeProblem, COLUMNS};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

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

const CLAIM_FIELDS: JsonFields = JsonFields {
    known: &COLUMNS,
    unknown: "is not a field of a claim",
    number: "principal",
    flag: Some("address_researched"),
};

/// Reads the JSON object field by field, so that every bad field is named: unknown fields,
/// values that are not strings, and then the rules of the CSV import.
pub(crate) fn read_claim(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::openapi;
    use std::collections::BTreeMap;

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
