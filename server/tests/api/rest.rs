//! The creditor's REST API over HTTP: keys made and revoked in the portal, every endpoint refused
//! without a live key, every bad field named in problem+json, hand-over idempotent by the external
//! id, and another creditor's claims "not found".

use crate::helpers::{creditor_accounts, location, scalar, text, Desk, TestApp, OWNER, VIEWER};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn claim(external_id: &str) -> Value {
    json!({
        "external_id": external_id,
        "customer_number": "K-API-1",
        "debtor_name": "Erika Mustermann",
        "street": "Heidestraße 17",
        "postcode": "51147",
        "city": "Köln",
        "email": "erika@example.org",
        "treatment_class": "strict",
        "subject": "Stromlieferung Oktober 2026",
        "contract_date": "2026-09-01",
        "due_date": "2026-10-15",
        "principal": "149.90"
    })
}

/// The key shown once on the API keys page.
fn shown_key(html: &str) -> Option<String> {
    let marker = r#"<code id="new-key" class="secret">"#;
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('<').next()?.to_string())
}

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, String, Value) {
    let mut request = reqwest::Client::new().request(method, app.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

async fn keys_are_made_shown_once_and_revoked_in_the_portal(app: &TestApp) {
    creditor_accounts(app).await;
    let viewer = Desk::creditor(app, VIEWER).await;
    assert_eq!(
        viewer.call("create_api_key", &[("name", "ERP")]).await,
        StatusCode::FORBIDDEN,
        "viewers do not make keys"
    );

    let owner = Desk::creditor(app, OWNER).await;
    let empty = owner.post("/api/create_api_key", &[("name", "  ")]).await;
    assert!(
        location(empty.headers()).contains("__err="),
        "a name is required"
    );
    let made = owner.post("/api/create_api_key", &[("name", "ERP")]).await;
    assert_eq!(location(made.headers()), "/creditor/api-keys?done=created");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM sessions WHERE data LIKE '%rpk_%'"
        )
        .await,
        0,
        "until its page shows it, the new key waits sealed in the session row"
    );
    let page = owner.page("/creditor/api-keys?done=created").await;
    let key = shown_key(&page).expect("the new key is shown");
    assert!(key.starts_with("rpk_"));
    assert!(
        shown_key(&owner.page("/creditor/api-keys").await).is_none(),
        "shown only once"
    );
    assert_eq!(
        scalar(
            app,
            &format!(
                "SELECT COUNT(*) FROM api_keys WHERE key_hash = '{}'",
                app::server::credentials::hash_token(&key)
            )
        )
        .await,
        1,
        "stored as its hash"
    );
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM api_keys WHERE key_hash = '{key}' OR prefix = '{key}'")
        )
        .await,
        0,
        "never in clear"
    );

    let (status, _, _) = api(
        app,
        reqwest::Method::GET,
        "/api/v1/claims",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text(app, "SELECT CAST(last_used_at AS TEXT) FROM api_keys")
            .await
            .parse::<i64>()
            .is_ok(),
        "use is noted"
    );

    let id = scalar(app, "SELECT id FROM api_keys").await.to_string();
    let revoked = owner
        .post("/api/revoke_api_key", &[("key_id", id.as_str())])
        .await;
    assert_eq!(
        location(revoked.headers()),
        "/creditor/api-keys?done=revoked"
    );
    let (status, content_type, body) = api(
        app,
        reqwest::Method::GET,
        "/api/v1/claims",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked key is refused");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["detail"], "The API key is unknown or revoked.");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('api_key.created', 'api_key.revoked')"
        )
        .await,
        2
    );
}
on_both_backends!(api_keys, keys_are_made_shown_once_and_revoked_in_the_portal);

async fn every_endpoint_needs_a_live_key(app: &TestApp) {
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/claims"),
        (reqwest::Method::POST, "/api/v1/claims"),
        (reqwest::Method::GET, "/api/v1/claims/INV-1"),
        (reqwest::Method::GET, "/api/v1/treatment-classes"),
    ] {
        for key in [None, Some("rpk_not-a-key"), Some("Basic abc")] {
            let body = (method == reqwest::Method::POST).then(|| claim("X-1"));
            let (status, content_type, problem) = api(app, method.clone(), path, key, body).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {key:?}"
            );
            assert_eq!(content_type, "application/problem+json");
            assert_eq!(problem["status"], 401);
        }
    }
    let response = reqwest::get(app.url("/api/v1/claims")).await.expect("sent");
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM claims WHERE external_id = 'X-1'").await,
        0
    );

    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0", "the document is public");
    assert!(doc["paths"]["/api/v1/claims"]["post"].is_object());
}
on_both_backends!(api_auth, every_endpoint_needs_a_live_key);

async fn claims_are_handed_over_once_with_every_bad_field_named(app: &TestApp) {
    let nordlicht = creditor_accounts(app).await.nordlicht;
    let key = server::accounts::create_api_key(&app.db, nordlicht, "ERP", app.clock_now())
        .await
        .expect("key");
    let claims_before = scalar(app, "SELECT COUNT(*) FROM claims").await;

    let mut bad = claim("API-2");
    bad["postcode"] = json!("5114");
    bad["principal"] = json!("zwölf");
    bad["email"] = json!(17);
    bad["treatment_class"] = json!("vip");
    bad["address_researched"] = json!(3);
    bad["colour"] = json!("blue");
    bad.as_object_mut().expect("object").remove("subject");
    let (status, content_type, problem) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&key),
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(content_type, "application/problem+json");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "postcode",
            "email",
            "treatment_class",
            "subject",
            "principal",
            "address_researched",
            "colour"
        ]
    );
    let flag = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["field"] == "address_researched")
        .expect("named");
    assert_eq!(flag["problem"], "must be true or false");
    let (status, _, problem) = reqwest::Client::new()
        .post(app.url("/api/v1/claims"))
        .bearer_auth(&key)
        .body("{not json")
        .send()
        .await
        .map(|r| (r.status(), (), r))
        .expect("sent");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        problem.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM claims").await,
        claims_before,
        "nothing written"
    );

    let created = reqwest::Client::new()
        .post(app.url("/api/v1/claims"))
        .bearer_auth(&key)
        .json(&claim("API-1"))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["location"], "/api/v1/claims/API-1");
    let created: Value = created.json().await.expect("json");
    assert_eq!(created["created"], true);
    let reference = created["claim"]["case_reference"]
        .as_str()
        .expect("reference")
        .to_string();
    assert_eq!(created["claim"]["case_state"], "open");
    assert_eq!(created["claim"]["principal"], "149.90");
    assert_eq!(created["claim"]["treatment_class"], "strict");

    let (status, _, again) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&key),
        Some(claim("API-1")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a repeat changes nothing and says so"
    );
    assert_eq!(again["created"], false);
    assert_eq!(again["claim"]["case_reference"], reference.as_str());
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM claims").await,
        claims_before + 1
    );

    let mut changed = claim("API-1");
    changed["principal"] = json!("150.00");
    let (status, _, conflict) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&key),
        Some(changed),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(conflict["errors"][0]["field"], "principal");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM claim_items ci JOIN claims c ON c.id = ci.claim_id WHERE c.external_id = 'API-1' AND ci.amount_minor = 14990").await,
        1,
        "the claim held is unchanged"
    );

    // A second claim of the same customer joins the running case.
    let (status, _, second) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&key),
        Some(claim("API-3")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["claim"]["case_reference"], reference.as_str());
    assert_eq!(second["claim"]["case_balance"], "299.80");

    let (status, _, one) = api(
        app,
        reqwest::Method::GET,
        "/api/v1/claims/API-1",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["debtor_name"], "Erika Mustermann");
    let (status, _, list) = api(
        app,
        reqwest::Method::GET,
        "/api/v1/claims?per_page=1",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], claims_before + 2);
    assert_eq!(list["claims"][0]["external_id"], "API-3", "newest first");
    assert_eq!(list["claims"].as_array().map(Vec::len), Some(1));
    let (status, _, _) = api(
        app,
        reqwest::Method::GET,
        "/api/v1/claims?per_page=1000",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, classes) = api(
        app,
        reqwest::Method::GET,
        "/api/v1/treatment-classes",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(classes.as_array().map(Vec::len), Some(3));

    // § 13a (1) no. 7 RDG: a researched address is said so, and the debtor is told.
    let mut researched = claim("API-4");
    researched["customer_number"] = json!("K-API-2");
    researched["address_researched"] = json!(true);
    let (status, _, _) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&key),
        Some(researched),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        scalar(
            app,
            "SELECT address_researched FROM debtors WHERE customer_number = 'K-API-2'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            app,
            "SELECT address_researched FROM debtors WHERE customer_number = 'K-API-1'"
        )
        .await,
        0,
        "the creditor's address unless said"
    );
}
on_both_backends!(
    api_claims,
    claims_are_handed_over_once_with_every_bad_field_named
);

async fn another_creditors_claims_are_not_found(app: &TestApp) {
    let crate::helpers::Creditors { nordlicht, other } = creditor_accounts(app).await;
    let ours = server::accounts::create_api_key(&app.db, nordlicht, "ERP", app.clock_now())
        .await
        .expect("key");
    let theirs = server::accounts::create_api_key(&app.db, other, "SAP", app.clock_now())
        .await
        .expect("key");
    let (status, _, _) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&ours),
        Some(claim("SHARED-1")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let demo_claim = text(
        app,
        &format!(
            "SELECT external_id FROM claims WHERE creditor_id = {nordlicht} ORDER BY id LIMIT 1"
        ),
    )
    .await;

    for id in ["SHARED-1", demo_claim.as_str()] {
        let (status, content_type, _) = api(
            app,
            reqwest::Method::GET,
            &format!("/api/v1/claims/{id}"),
            Some(&theirs),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id} is not theirs");
        assert_eq!(content_type, "application/problem+json");
    }
    let (_, _, list) = api(
        app,
        reqwest::Method::GET,
        "/api/v1/claims",
        Some(&theirs),
        None,
    )
    .await;
    assert_eq!(list["total"], 0);
    // The same external id at another creditor is another claim.
    let (status, _, created) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&theirs),
        Some(claim("SHARED-1")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["created"], true);
    assert_eq!(
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM debtors WHERE creditor_id = {other}")
        )
        .await,
        1
    );
}
on_both_backends!(api_tenancy, another_creditors_claims_are_not_found);

async fn a_runaway_client_is_slowed_down(app: &TestApp) {
    let nordlicht = creditor_accounts(app).await.nordlicht;
    let key = server::accounts::create_api_key(&app.db, nordlicht, "ERP", app.clock_now())
        .await
        .expect("key");
    let client = reqwest::Client::new();
    let get = || {
        client
            .get(app.url("/api/v1/treatment-classes"))
            .bearer_auth(&key)
            .send()
    };
    for n in 0..60 {
        assert_eq!(
            get().await.expect("sent").status(),
            StatusCode::OK,
            "request {n}"
        );
    }
    let limited = get().await.expect("sent");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait} seconds");
    assert_eq!(
        limited.headers()["content-type"],
        "application/problem+json"
    );
    app.advance(61_000);
    assert_eq!(
        get().await.expect("sent").status(),
        StatusCode::OK,
        "the minute passed"
    );
}
on_both_backends!(api_rate_limit, a_runaway_client_is_slowed_down);

async fn interest_and_costs_come_with_their_rate_period_and_description(app: &TestApp) {
    let crate::helpers::Creditors { nordlicht, .. } = creditor_accounts(app).await;
    let key = server::accounts::create_api_key(&app.db, nordlicht, "ERP", app.clock_now())
        .await
        .expect("key");
    let mut incomplete = claim("INT-1");
    incomplete["interest"] = json!("2.15");
    incomplete["costs"] = json!("5.00");
    let (status, _, body) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&key),
        Some(incomplete),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for field in [
        "interest_rate",
        "interest_from",
        "interest_to",
        "costs_description",
    ] {
        assert!(fields.contains(&field), "{field} in {body}");
    }
    let mut complete = claim("INT-2");
    complete["treatment_class"] = json!("standard");
    complete["interest"] = json!("2.15");
    complete["interest_rate"] = json!("9.12");
    complete["interest_from"] = json!("2026-10-16");
    complete["interest_to"] = json!("2026-11-30");
    complete["costs"] = json!("5.00");
    complete["costs_description"] = json!("Mahngebühren 2 × 2,50 €");
    let (status, _, body) = api(
        app,
        reqwest::Method::POST,
        "/api/v1/claims",
        Some(&key),
        Some(complete),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["claim"]["case_balance"], "157.05",
        "principal 149.90, interest 2.15 and costs 5.00"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id WHERE cl.external_id = 'INT-2'"
        )
        .await,
        3
    );
}
on_both_backends!(
    api_interest_and_costs,
    interest_and_costs_come_with_their_rate_period_and_description
);
