//! Webhooks to the creditor's system: set up by an owner, queued with the case event in one
//! transaction, delivered signed to a real HTTP receiver on loopback, retried after a failure, given
//! up after the last attempt and sent again on request — all visible in the delivery log.

use crate::helpers::{creditor_accounts, location, scalar, text, Desk, TestApp, OWNER, VIEWER};
use crate::on_both_backends;
use reqwest::multipart::Form;
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};

/// What the receiver got: signature header, event id header, body.
type Received = Arc<Mutex<Vec<(String, String, String)>>>;

/// A receiver on loopback that answers the statuses in `answers` in turn (then 200).
async fn receiver(answers: Vec<u16>) -> (String, Received) {
    let received: Received = Arc::default();
    let answers = Arc::new(Mutex::new(answers));
    let log = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let log = log.clone();
            let answers = answers.clone();
            async move {
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                log.lock().expect("lock").push((
                    header("rapport-signature"),
                    header("rapport-event-id"),
                    body,
                ));
                let mut answers = answers.lock().expect("lock");
                let status = if answers.is_empty() {
                    200
                } else {
                    answers.remove(0)
                };
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, received)
}

async fn open_dispute(app: &TestApp) {
    app.verify_by_link(2).await; // AKTE-2026-000103
    let key = app.form_key("/case/dispute?kind=complaint").await;
    let form = Form::new()
        .text("form_key", key)
        .text("kind", "complaint")
        .text("body", "Die Gläser kamen zerbrochen an.");
    let response = app
        .post_multipart("/api/open_dispute", form, "/case/dispute?kind=complaint")
        .await;
    assert_eq!(location(response.headers()), "/case#status");
}

async fn case_events_reach_the_creditor_signed_retried_and_logged(app: &TestApp) {
    creditor_accounts(app).await;
    let (address, received) = receiver(vec![500]).await;
    let viewer = Desk::creditor(app, VIEWER).await;
    assert_eq!(
        viewer
            .call("set_webhook_url", &[("url", address.as_str())])
            .await,
        StatusCode::FORBIDDEN
    );
    let owner = Desk::creditor(app, OWNER).await;
    let plain = owner
        .post(
            "/api/set_webhook_url",
            &[("url", "http://erp.example.com/hook")],
        )
        .await;
    assert!(
        location(plain.headers()).contains("__err="),
        "plain HTTP to another machine is refused"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM creditors WHERE webhook_url IS NOT NULL"
        )
        .await,
        0
    );

    // Without an address nothing is queued.
    let client = server::webhooks::client(true);
    let saved = owner
        .post("/api/set_webhook_url", &[("url", address.as_str())])
        .await;
    assert_eq!(location(saved.headers()), "/creditor/webhooks?done=saved");
    let secret = text(
        app,
        "SELECT webhook_secret FROM creditors WHERE webhook_url IS NOT NULL",
    )
    .await;
    assert!(secret.starts_with("rws_"));
    assert!(
        owner.page("/creditor/webhooks").await.contains(&secret),
        "owners see the secret"
    );
    assert!(
        !viewer.page("/creditor/webhooks").await.contains(&secret),
        "viewers do not"
    );

    open_dispute(app).await;
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM webhook_deliveries WHERE event_type = 'dispute.opened' AND state = 'pending'").await,
        1,
        "queued with the dispute"
    );

    let now = app.clock_now();
    assert_eq!(
        server::webhooks::deliver_due(&app.db, &client, now)
            .await
            .expect("relay"),
        1
    );
    assert_eq!(
        text(app, "SELECT state || ':' || CAST(attempts AS TEXT) || ':' || CAST(last_status AS TEXT) FROM webhook_deliveries").await,
        "pending:1:500",
        "a 500 is retried later"
    );
    assert_eq!(
        server::webhooks::deliver_due(&app.db, &client, now + 1_000)
            .await
            .expect("relay"),
        0,
        "not before the backoff"
    );
    assert_eq!(
        server::webhooks::deliver_due(&app.db, &client, now + 61_000)
            .await
            .expect("relay"),
        1
    );
    assert_eq!(
        text(app, "SELECT state FROM webhook_deliveries").await,
        "delivered"
    );
    assert_eq!(
        server::webhooks::deliver_due(&app.db, &client, now + 3_600_000)
            .await
            .expect("relay"),
        0,
        "delivered once"
    );

    let got = received.lock().expect("lock").clone();
    assert_eq!(got.len(), 2);
    let (signature, event_id, body) = &got[1];
    assert_eq!(got[0].1, *event_id, "the retry carries the same event id");
    let payload: serde_json::Value = serde_json::from_str(body).expect("json");
    assert_eq!(payload["type"], "dispute.opened");
    assert_eq!(payload["id"], event_id.as_str());
    assert_eq!(payload["data"]["case_reference"], "AKTE-2026-000103");
    assert_eq!(payload["data"]["case_state"], "disputed");
    let timestamp: i64 = signature
        .split(',')
        .next()
        .and_then(|t| t.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .expect("timestamp");
    assert_eq!(
        *signature,
        server::webhooks::signature(&secret, timestamp, body),
        "signed with the creditor's secret over timestamp and body"
    );
    let log = owner.page("/creditor/webhooks").await;
    assert!(log.contains("dispute.opened") && log.contains("zugestellt"));
}
on_both_backends!(
    webhook_delivery,
    case_events_reach_the_creditor_signed_retried_and_logged
);

async fn a_receiver_that_keeps_failing_is_given_up_and_can_be_retried(app: &TestApp) {
    creditor_accounts(app).await;
    let (address, received) = receiver(vec![503; 8]).await;
    let owner = Desk::creditor(app, OWNER).await;
    owner
        .post("/api/set_webhook_url", &[("url", address.as_str())])
        .await;
    open_dispute(app).await;
    let client = server::webhooks::client(true);
    let mut now = app.clock_now();
    for _ in 0..8 {
        assert_eq!(
            server::webhooks::deliver_due(&app.db, &client, now)
                .await
                .expect("relay"),
            1
        );
        now += 7 * 3_600_000;
    }
    assert_eq!(
        text(app, "SELECT state FROM webhook_deliveries").await,
        "dead"
    );
    assert_eq!(
        server::webhooks::deliver_due(&app.db, &client, now)
            .await
            .expect("relay"),
        0,
        "given up"
    );
    assert!(owner
        .page("/creditor/webhooks")
        .await
        .contains("aufgegeben nach 8 Versuchen"));

    let id = scalar(app, "SELECT id FROM webhook_deliveries")
        .await
        .to_string();
    let again = owner
        .post("/api/retry_webhook", &[("delivery_id", id.as_str())])
        .await;
    assert_eq!(location(again.headers()), "/creditor/webhooks?done=retried");
    assert_eq!(
        server::webhooks::deliver_due(&app.db, &client, app.clock_now())
            .await
            .expect("relay"),
        1
    );
    assert_eq!(
        text(app, "SELECT state FROM webhook_deliveries").await,
        "delivered"
    );
    assert_eq!(received.lock().expect("lock").len(), 9);
}
on_both_backends!(
    webhook_given_up,
    a_receiver_that_keeps_failing_is_given_up_and_can_be_retried
);

async fn webhooks_never_go_into_the_agencys_own_network(app: &TestApp) {
    creditor_accounts(app).await;
    let owner = Desk::creditor(app, OWNER).await;
    for private in [
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "https://198.18.0.10/hook",
    ] {
        let refused = owner
            .post("/api/set_webhook_url", &[("url", private)])
            .await;
        assert!(
            location(refused.headers()).contains("__err="),
            "{private} refused when saved"
        );
    }
    // An address that reached the database anyway (written directly here) is checked again at
    // delivery and not connected to; host names are resolved then and every address must be public.
    sqlx::query(
        "UPDATE creditors SET webhook_url = 'https://10.1.2.3/hook', webhook_secret = 'rws_test'",
    )
    .execute(app.db.pool())
    .await
    .expect("address");
    open_dispute(app).await;
    let client = server::webhooks::client(true);
    assert_eq!(
        server::webhooks::deliver_due(&app.db, &client, app.clock_now())
            .await
            .expect("relay"),
        1
    );
    let outcome = text(
        app,
        "SELECT state || ': ' || last_error FROM webhook_deliveries",
    )
    .await;
    assert_eq!(
        outcome, "pending: not delivered",
        "the creditor learns that it failed, not what the agency's network looks like"
    );
}
on_both_backends!(
    webhook_private_network,
    webhooks_never_go_into_the_agencys_own_network
);

async fn without_the_test_switch_webhooks_never_reach_this_machine(app: &TestApp) {
    creditor_accounts(app).await;
    let owner = Desk::creditor(app, OWNER).await;
    let (url, received) = receiver(vec![200]).await;
    for local in [
        url.as_str(),
        "http://localhost:2019/stop",
        "https://127.0.0.1:2375/x",
    ] {
        let refused = owner.post("/api/set_webhook_url", &[("url", local)]).await;
        assert!(
            location(refused.headers()).contains("__err="),
            "{local} refused when saved"
        );
    }
    // Written directly, as if it had been saved before: refused again at delivery.
    sqlx::query("UPDATE creditors SET webhook_url = $1, webhook_secret = 'rws_test'")
        .bind(&url)
        .execute(app.db.pool())
        .await
        .expect("address");
    open_dispute(app).await;
    server::webhooks::deliver_due(&app.db, &server::webhooks::client(false), app.clock_now())
        .await
        .expect("relay");
    assert_eq!(
        received.lock().expect("lock").len(),
        0,
        "nothing reached the listener"
    );
    let refused_port = "http://127.0.0.1:1/closed";
    sqlx::query("UPDATE creditors SET webhook_url = $1")
        .bind(refused_port)
        .execute(app.db.pool())
        .await
        .expect("address");
    app.advance(3_600_000);
    server::webhooks::deliver_due(&app.db, &server::webhooks::client(true), app.clock_now())
        .await
        .expect("relay");
    let errors = text(
        app,
        "SELECT COALESCE(MAX(last_error), '') FROM webhook_deliveries",
    )
    .await;
    assert_eq!(
        errors, "not delivered",
        "a closed port and a refused address read the same: no port scanning through the log"
    );
}
on_both_backends!(
    webhook_loopback,
    without_the_test_switch_webhooks_never_reach_this_machine,
    [("RAPPORT_WEBHOOK_ALLOW_LOOPBACK", "off")]
);

/// A receiver that accepts connections and never answers.
async fn tarpit() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    address
}

async fn a_slow_receiver_delays_only_its_own_deliveries(app: &TestApp) {
    let (fast, received) = receiver(vec![]).await;
    let slow = tarpit().await;
    let now = app.clock_now();
    let demo: i64 = sqlx::query_scalar("SELECT MIN(id) FROM creditors")
        .fetch_one(app.db.pool())
        .await
        .expect("the demo's creditor");
    let other: i64 = sqlx::query_scalar(
        "INSERT INTO creditors (name, street, postcode, city, country, email, website, created_at, updated_at)
         VALUES ('Zweiter Gläubiger AG', 'Weg 2', '50667', 'Köln', 'Deutschland', 'a@b.example', '', $1, $1)
         RETURNING id",
    )
    .bind(now)
    .fetch_one(app.db.pool())
    .await
    .expect("another creditor");
    let creditors = [demo, other];
    for (creditor, url) in [(creditors[0], &slow), (creditors[1], &fast)] {
        sqlx::query(
            "UPDATE creditors SET webhook_url = $1, webhook_secret = 'rws_test' WHERE id = $2",
        )
        .bind(url)
        .bind(creditor)
        .execute(app.db.pool())
        .await
        .expect("address");
    }
    // The slow creditor's event is first in line.
    for (creditor, event) in [(creditors[0], "evt_slow"), (creditors[1], "evt_fast")] {
        sqlx::query(
            "INSERT INTO webhook_deliveries (creditor_id, event_id, event_type, payload, next_attempt_at, created_at, updated_at)
             VALUES ($1, $2, 'case.closed', '{}', $3, $3, $3)",
        )
        .bind(creditor)
        .bind(event)
        .bind(now)
        .execute(app.db.pool())
        .await
        .expect("delivery");
    }
    let started = std::time::Instant::now();
    let relay = tokio::spawn({
        let db = app.db.clone();
        async move { server::webhooks::deliver_due(&db, &server::webhooks::client(true), now).await }
    });
    let deadline = started + std::time::Duration::from_secs(8);
    while received.lock().expect("lock").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the other creditor's event waited for the slow receiver"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(relay.await.expect("task").expect("relay"), 2);
    let states: Vec<(String, String)> = sqlx::query_as(
        "SELECT event_id, state FROM webhook_deliveries WHERE event_id LIKE 'evt_%' ORDER BY event_id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("states");
    assert_eq!(
        states,
        vec![
            ("evt_fast".to_string(), "delivered".to_string()),
            ("evt_slow".to_string(), "pending".to_string())
        ],
        "the slow one is retried later"
    );
}
on_both_backends!(
    webhook_slow_receiver,
    a_slow_receiver_delays_only_its_own_deliveries
);
