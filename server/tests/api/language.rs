//! German and English: chosen by the browser, switched by a form, remembered in a cookie, and
//! applied to texts, amounts and dates.

use crate::helpers::{location, TestApp, BROWSER_ACCEPT};
use crate::on_both_backends;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, SET_COOKIE};
use reqwest::StatusCode;

async fn the_browser_language_is_used_until_the_debtor_switches(app: &TestApp) {
    let english = app
        .client
        .get(app.url("/"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(english.contains(r#"lang="en""#));
    assert!(english.contains("Open your case"));

    let response = app
        .post_form(
            "/api/set_language",
            &[("lang", "de"), ("return_to", "/")],
            "/",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(response.headers()), "/");
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(cookie.starts_with("rapport_lang=de;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"));

    let german = app
        .client
        .get(app.url("/"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        german.contains("Ihren Fall aufrufen"),
        "the cookie wins over the browser"
    );
}
on_both_backends!(
    language_choice,
    the_browser_language_is_used_until_the_debtor_switches
);

async fn amounts_and_dates_follow_the_language(app: &TestApp) {
    app.verify_by_link(0).await;
    app.post_form(
        "/api/set_language",
        &[("lang", "en"), ("return_to", "/case")],
        "/case",
    )
    .await;
    let html = app.get("/case").await.text().await.expect("body");
    assert!(html.contains("Balance outstanding"));
    assert!(html.contains("€272.23"));
    assert!(html.contains("30 Oct 2026"));
    assert!(!html.contains("Offener Betrag"));
}
on_both_backends!(english_case_page, amounts_and_dates_follow_the_language);

async fn the_language_switch_never_redirects_off_site(app: &TestApp) {
    let response = app
        .post_form(
            "/api/set_language",
            &[("lang", "en"), ("return_to", "https://evil.example/")],
            "/",
        )
        .await;
    assert_eq!(location(response.headers()), "/");
}
on_both_backends!(
    no_open_redirect,
    the_language_switch_never_redirects_off_site
);
