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
    let h = response.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"));
    // Forms post to us only, or redirect to the payment provider's hosted checkout (Stripe is
    // configured in the test app); browsers would otherwise block that redirect.
    assert!(
        csp.contains("form-action 'self' https://checkout.stripe.com"),
        "{csp}"
    );
    // Scripts run only with this response's nonce: the one the hydration script carries.
    let html = response.text().await.expect("body");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce in the policy");
    assert!(
        html.contains(&format!(r#"nonce="{nonce}""#)),
        "the page's scripts carry it"
    );
    assert!(csp.contains("'wasm-unsafe-eval'") && !csp.contains("'unsafe-inline'"));
    let again = app.get("/").await;
    let other = again.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(!other.contains(nonce), "a new nonce for every response");
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
}

async fn state_changing_requests_from_other_sites_are_refused(app: &TestApp) {
    use reqwest::StatusCode;
    let post = |headers: Vec<(&'static str, &'static str)>| {
        let mut request = app
            .client
            .post(app.url("/api/choose_reason"))
            .form(&[("reason", "forgot")]);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    let cross = post(vec![("sec-fetch-site", "cross-site")])
        .await
        .expect("sent");
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let same_site = post(vec![("sec-fetch-site", "same-site")])
        .await
        .expect("sent");
    assert_eq!(
        same_site.status(),
        StatusCode::FORBIDDEN,
        "a sibling subdomain is another site"
    );
    let foreign_origin = post(vec![("origin", "https://evil.example")])
        .await
        .expect("sent");
    assert_eq!(foreign_origin.status(), StatusCode::FORBIDDEN);
    // The portal's own pages pass (here: not signed in, so the answer is 401, not 403).
    let own = post(vec![("sec-fetch-site", "same-origin")])
        .await
        .expect("sent");
    assert_eq!(own.status(), StatusCode::UNAUTHORIZED);
    let host = app.address.trim_start_matches("http://").to_string();
    let own_origin = app
        .client
        .post(app.url("/api/choose_reason"))
        .header("origin", app.address.clone())
        .header("host", host)
        .form(&[("reason", "forgot")])
        .send()
        .await
        .expect("sent");
    assert_eq!(own_origin.status(), StatusCode::UNAUTHORIZED);
    // Webhooks come from other sites by design and are checked by their signature instead.
    let webhook = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("sec-fetch-site", "cross-site")
        .body("{}")
        .send()
        .await
        .expect("sent");
    assert_eq!(webhook.status(), StatusCode::BAD_REQUEST);
}
on_both_backends!(csrf, state_changing_requests_from_other_sites_are_refused);
on_both_backends!(security_headers, pages_carry_the_security_headers);
