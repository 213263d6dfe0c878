//! `/healthz` reports whether the database answers; every response carries a request id.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::StatusCode;

async fn health_is_ok_while_the_database_answers_and_503_after(app: &TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    app.db.close().await;
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}
on_both_backends!(
    healthz,
    health_is_ok_while_the_database_answers_and_503_after
);

async fn unknown_pages_answer_404_with_a_way_back(app: &TestApp) {
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.expect("body");
    assert!(html.contains("Seite nicht gefunden"));
    assert!(html.contains(r#"href="/""#));
}
on_both_backends!(not_found, unknown_pages_answer_404_with_a_way_back);

async fn pages_carry_the_security_headers(app: &TestApp) {
    let response = app.get("/").await;
    let h = response.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'"));
    // Forms post to us only, or redirect to the payment provider's hosted checkout (Stripe is
    // configured in the test app); browsers would otherwise block that redirect.
    assert!(
        csp.contains("form-action 'self' https://checkout.stripe.com"),
        "{csp}"
    );
}
on_both_backends!(security_headers, pages_carry_the_security_headers);
