//! Online payment: a Stripe Checkout Session is created with an idempotency key, and the payment is
//! booked only from a correctly signed webhook, once per event, however often it arrives.

use crate::helpers::{location, scalar, TestApp};
use crate::on_both_backends;
use crate::stripe_double::WEBHOOK_SECRET;
use reqwest::StatusCode;
use server::payments::stripe::sign;

fn event(id: &str, kind: &str, session: &str, amount: i64) -> String {
    serde_json::json!({
        "id": id,
        "object": "event",
        "type": kind,
        "data": {"object": {
            "id": session,
            "object": "checkout.session",
            "payment_status": "paid",
            "amount_total": amount,
            "currency": "eur",
            "client_reference_id": "AKTE-2026-000101"
        }}
    })
    .to_string()
}

async fn deliver(app: &TestApp, body: &str, signature: &str) -> StatusCode {
    app.client
        .post(app.url("/webhooks/stripe"))
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("sent")
        .status()
}

async fn checkout_then_signed_webhook_books_the_payment_once(app: &TestApp) {
    app.verify_by_link(0).await;
    assert!(app.page("/case/pay").await.contains("Online bezahlen"));
    let response = app
        .post_form("/api/start_online_payment", &[("amount", "")], "/case/pay")
        .await;
    assert_eq!(
        location(response.headers()),
        "https://checkout.stripe.test/c/pay/cs_test_1",
        "off to the hosted page"
    );
    let request = app.stripe.received().pop().expect("Stripe was called");
    assert_eq!(request.authorization, "Bearer sk_test_rapport");
    assert_eq!(request.idempotency_key, "rapport-checkout-1");
    assert_eq!(request.form["mode"], "payment");
    assert_eq!(
        request.form["line_items[0][price_data][unit_amount]"],
        "27223"
    );
    assert_eq!(request.form["line_items[0][price_data][currency]"], "eur");
    assert_eq!(request.form["client_reference_id"], "AKTE-2026-000101");
    assert!(request.form["success_url"].ends_with("/case/pay?online=done"));
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM payments WHERE method = 'online'").await,
        0,
        "nothing is booked before the webhook"
    );

    let now = app.clock_now() / 1000;
    let body = event("evt_1", "checkout.session.completed", "cs_test_1", 27_223);
    assert_eq!(
        deliver(app, &body, &sign(body.as_bytes(), "whsec_wrong", now)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        deliver(
            app,
            &body,
            &sign(body.as_bytes(), WEBHOOK_SECRET, now - 301)
        )
        .await,
        StatusCode::BAD_REQUEST,
        "stale"
    );
    let tampered = body.replace("27223", "1");
    assert_eq!(
        deliver(app, &tampered, &sign(body.as_bytes(), WEBHOOK_SECRET, now)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM payments WHERE method = 'online'").await,
        0
    );

    let signature = sign(body.as_bytes(), WEBHOOK_SECRET, now);
    assert_eq!(deliver(app, &body, &signature).await, StatusCode::OK);
    assert_eq!(
        deliver(app, &body, &signature).await,
        StatusCode::OK,
        "a repeated delivery is acknowledged"
    );
    let async_ok = event(
        "evt_2",
        "checkout.session.async_payment_succeeded",
        "cs_test_1",
        27_223,
    );
    assert_eq!(
        deliver(
            app,
            &async_ok,
            &sign(async_ok.as_bytes(), WEBHOOK_SECRET, now)
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM payments WHERE method = 'online'").await,
        1,
        "booked exactly once"
    );
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM provider_events").await, 2);
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key = 'payment:evt_1:receipt'"
        )
        .await,
        1,
        "a receipt is queued"
    );

    let html = app.page("/case").await;
    assert!(
        html.contains("0,00\u{a0}€") && html.contains("Zahlung eingegangen"),
        "the case shows the payment"
    );
    assert!(app
        .page("/case/pay?online=done")
        .await
        .contains("Vielen Dank!"));
}
on_both_backends!(
    online_payment,
    checkout_then_signed_webhook_books_the_payment_once
);

async fn partial_amounts_are_checked_and_unknown_sessions_book_nothing(app: &TestApp) {
    app.verify_by_link(0).await;
    let response = app
        .post_form(
            "/api/start_online_payment",
            &[("amount", "100,00")],
            "/case/pay",
        )
        .await;
    assert!(location(response.headers()).starts_with("https://checkout.stripe.test/"));
    assert_eq!(
        app.stripe.received()[0].form["line_items[0][price_data][unit_amount]"],
        "10000"
    );
    let too_much = app
        .post_form(
            "/api/start_online_payment",
            &[("amount", "999,00")],
            "/case/pay",
        )
        .await;
    assert!(
        location(too_much.headers()).contains("__err="),
        "more than the balance is refused"
    );
    let body = event("evt_9", "checkout.session.completed", "cs_not_ours", 500);
    let now = app.clock_now() / 1000;
    assert_eq!(
        deliver(app, &body, &sign(body.as_bytes(), WEBHOOK_SECRET, now)).await,
        StatusCode::OK
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM payments WHERE method = 'online'").await,
        0
    );
    let (stranger, _) = app.new_browser();
    let anonymous = stranger
        .post(app.url("/api/start_online_payment"))
        .header("accept", "application/json")
        .form(&[("amount", "")])
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
on_both_backends!(
    online_payment_checks,
    partial_amounts_are_checked_and_unknown_sessions_book_nothing
);
