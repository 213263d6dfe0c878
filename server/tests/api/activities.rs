//! Customer activity over the REST API: stored once per event id, matched to the creditor's own
//! debtor by customer number, every bad field named, another creditor's customers unknown.

use crate::helpers::{creditor_accounts, scalar, TestApp};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn post(app: &TestApp, key: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(app.url("/api/v1/activities"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.json(&body).send().await.expect("sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_string))
        .collect()
}

async fn activities_are_stored_once_for_the_own_customers(app: &TestApp) {
    let creditors = creditor_accounts(app).await;
    let now = app.clock_now();
    let key = server::accounts::create_api_key(&app.db, creditors.nordlicht, "CRM", now)
        .await
        .expect("key");
    let other_key = server::accounts::create_api_key(&app.db, creditors.other, "CRM", now)
        .await
        .expect("key");
    // Anna, the demo's first debtor, is Nordlicht's customer K-10001.
    let anna: i64 = scalar(
        app,
        &format!(
            "SELECT id FROM debtors WHERE creditor_id = {} AND customer_number = 'K-10001'",
            creditors.nordlicht
        ),
    )
    .await;
    let order = json!({
        "event_id": "ORD-1",
        "customer_number": "K-10001",
        "kind": "order",
        "date": "2026-11-28",
        "amount": "89,90"
    });

    let (status, _) = post(app, None, order.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, created) = post(app, Some(&key), order.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["created"], true);
    assert_eq!(created["activity"]["amount"], "89.90");
    assert_eq!(created["activity"]["kind"], "order");
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM customer_activities WHERE debtor_id = {anna} AND kind = 'order' AND amount_minor = 8990")
        )
        .await,
        1
    );

    let (status, again) = post(app, Some(&key), order.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a repeat changes nothing and says so"
    );
    assert_eq!(again["created"], false);
    let mut changed = order.clone();
    changed["amount"] = json!(99.5);
    changed["kind"] = json!("renewal");
    let (status, conflict) = post(app, Some(&key), changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(fields(&conflict), ["kind", "amount"]);
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM customer_activities").await,
        1,
        "stored once"
    );

    let (status, bad) = post(
        app,
        Some(&key),
        json!({
            "event_id": "ORD-2",
            "customer_number": "K-10001",
            "kind": "purchase",
            "date": "2999-01-01",
            "amount": "-1",
            "colour": "blue"
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&bad), ["kind", "date", "amount", "colour"]);
    assert_eq!(bad["errors"][1]["problem"], "lies in the future");

    let mut stranger = order.clone();
    stranger["event_id"] = json!("ORD-3");
    stranger["customer_number"] = json!("K-99999");
    let (status, unknown) = post(app, Some(&key), stranger).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&unknown), ["customer_number"]);

    // Another creditor cannot report for (or learn of) Nordlicht's customers.
    let (status, foreign) = post(app, Some(&other_key), order).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&foreign), ["customer_number"]);
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM customer_activities").await,
        1,
        "nothing stored for the other creditor"
    );
}
on_both_backends!(
    activities_reported_once,
    activities_are_stored_once_for_the_own_customers
);
