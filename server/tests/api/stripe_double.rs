//! A stand-in for Stripe's API on loopback, speaking its wire format: `POST /v1/checkout/sessions`
//! with bearer authentication and a form-encoded body, answered with a Checkout Session as JSON;
//! the same Idempotency-Key gets the same session, as Stripe replays it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Form, Json, Router};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const SECRET_KEY: &str = "sk_test_rapport";
pub const WEBHOOK_SECRET: &str = "whsec_rapport_test";

/// One request the double received: its headers of interest and form fields.
#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: String,
    pub idempotency_key: String,
    pub form: HashMap<String, String>,
}

#[derive(Clone, Default)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    sessions: Arc<Mutex<HashMap<String, String>>>,
}

pub struct StripeDouble {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl StripeDouble {
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

async fn create_session(
    State(s): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let received = Received {
        authorization: header("authorization"),
        idempotency_key: header("idempotency-key"),
        form,
    };
    s.received.lock().expect("lock").push(received.clone());
    if received.authorization != format!("Bearer {SECRET_KEY}") {
        let error = serde_json::json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}});
        return (StatusCode::UNAUTHORIZED, Json(error)).into_response();
    }
    let mut sessions = s.sessions.lock().expect("lock");
    let next = sessions.len() + 1;
    let id = sessions
        .entry(received.idempotency_key.clone())
        .or_insert_with(|| format!("cs_test_{next}"))
        .clone();
    Json(serde_json::json!({
        "id": id,
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "unpaid",
        "status": "open",
        "url": format!("https://checkout.stripe.test/c/pay/{id}"),
        "amount_total": received.form.get("line_items[0][price_data][unit_amount]").and_then(|a| a.parse::<i64>().ok()),
        "currency": received.form.get("line_items[0][price_data][currency]"),
        "client_reference_id": received.form.get("client_reference_id"),
    }))
    .into_response()
}

/// Starts the double on a free loopback port.
pub async fn start() -> StripeDouble {
    let shared = Shared::default();
    let received = shared.received.clone();
    let app = Router::new()
        .route("/v1/checkout/sessions", post(create_session))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    StripeDouble { base, received }
}
