//! The debtor's way in: link + postcode, reference + access code + postcode, the uniform failure
//! message, the lockout, session cycling and the audit trail.

use crate::helpers::{location, TestApp, BROWSER_ACCEPT};
use crate::on_both_backends;
use reqwest::header::{ACCEPT, COOKIE};
use reqwest::StatusCode;

const NOT_VERIFIED_DE: &str = "Die Angaben konnten nicht bestätigt werden.";

async fn verify_attempts(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'debtor.verify'")
        .fetch_one(app.db.pool())
        .await
        .expect("count audit rows")
}

async fn link_then_postcode_opens_the_case_and_the_token_leaves_the_url(app: &TestApp) {
    let token = app.token(0);
    let page = app.get(&format!("/c/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(
        html.contains(r#"name="postcode""#),
        "the page asks for the postcode"
    );
    assert!(html.contains(r#"lang="de""#));

    let response = app
        .post_form(
            "/api/verify_link",
            &[("token", &token), ("postcode", "10115")],
            &format!("/c/{token}"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        location(response.headers()),
        "/case",
        "the token is gone from the address"
    );

    let case = app.get("/case").await;
    assert_eq!(case.status(), StatusCode::OK);
    assert_eq!(case.headers()["cache-control"], "no-store");
    let html = case.text().await.expect("body");
    for expected in [
        "AKTE-2026-000101",
        "Nordlicht Versandhandel GmbH",
        "Hafenstraße 12",
        "20457 Hamburg",
        "Bestellung 40112 – Winterjacke",
        "§ 288 Abs. 1 BGB",
        "149,90\u{a0}€",
        "20,00\u{a0}€",
        // 149.90 + 0.88 + 2.50 + 49.00 + 89.95 − 20.00
        "272,23\u{a0}€",
        "30.10.2026",
        "6,27 % jährlich auf 149,90\u{a0}€ vom 14.09.2026 bis 17.10.2026 (34 Tage)",
        "Bundesamt für Justiz",
    ] {
        assert!(html.contains(expected), "case page shows {expected:?}");
    }
    assert!(!html.contains(&token), "the token is not in the case page");
    assert!(
        !html.contains("address-researched"),
        "Anna's address came from the creditor"
    );
}
on_both_backends!(
    link_then_postcode_opens_the_case,
    link_then_postcode_opens_the_case_and_the_token_leaves_the_url
);

async fn reference_access_code_and_postcode_open_the_case(app: &TestApp) {
    let d = app.debtor(1).clone();
    let code = d.access_code.to_lowercase().replace('-', " ");
    let (status, location, html) = app
        .submit(
            "/api/verify_reference",
            &[
                ("reference", &d.reference.to_lowercase()),
                ("access_code", &code),
                ("postcode", &d.postcode),
            ],
            "/",
        )
        .await;
    assert_eq!(location, "/case");
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Bestellung 41007 – Espressomaschine"));
    assert!(html.contains("232,50\u{a0}€"), "230.00 + 2.50 reminder fee");
    // § 13a (1) no. 7 RDG: Ben's address was researched; he is told and shown where to correct it.
    assert!(
        html.contains("sie wurde ermittelt (Adressermittlung)")
            && html.contains(r#"<a href="/case/contact">Ist sie falsch"#),
        "{html}"
    );
}
on_both_backends!(
    typed_reference_opens_the_case,
    reference_access_code_and_postcode_open_the_case
);

async fn wrong_postcode_unknown_token_and_wrong_code_all_show_the_same_message(app: &TestApp) {
    let token = app.token(0);
    let referer = format!("/c/{token}");
    let (_, loc, wrong_postcode) = app
        .submit(
            "/api/verify_link",
            &[("token", &token), ("postcode", "99999")],
            &referer,
        )
        .await;
    assert!(
        loc.starts_with(&app.url(&referer)),
        "errors return to the page that posted: {loc}"
    );
    assert!(wrong_postcode.contains(NOT_VERIFIED_DE));

    let (_, _, unknown_token) = app
        .submit(
            "/api/verify_link",
            &[("token", "no-such-token"), ("postcode", "10115")],
            "/c/no-such-token",
        )
        .await;
    assert!(unknown_token.contains(NOT_VERIFIED_DE));

    let d = app.debtor(0).clone();
    let (_, _, wrong_code) = app
        .submit(
            "/api/verify_reference",
            &[
                ("reference", &d.reference),
                ("access_code", "ZZZZ-ZZZZ-ZZZZ"),
                ("postcode", &d.postcode),
            ],
            "/",
        )
        .await;
    assert!(wrong_code.contains(NOT_VERIFIED_DE));
    assert!(
        wrong_code.contains(&format!(r#"value="{}""#, d.reference)),
        "the reference is kept in the form"
    );

    let (_, _, unknown_reference) = app
        .submit(
            "/api/verify_reference",
            &[
                ("reference", "AKTE-2026-999999"),
                ("access_code", &d.access_code),
                ("postcode", &d.postcode),
            ],
            "/",
        )
        .await;
    assert!(unknown_reference.contains(NOT_VERIFIED_DE));
    assert_eq!(
        app.get("/case").await.status(),
        StatusCode::FOUND,
        "no session was opened"
    );
}
on_both_backends!(
    failures_look_alike,
    wrong_postcode_unknown_token_and_wrong_code_all_show_the_same_message
);

async fn malformed_fields_are_named_beside_the_field(app: &TestApp) {
    let (_, _, html) = app
        .submit(
            "/api/verify_reference",
            &[("reference", ""), ("access_code", "123"), ("postcode", "")],
            "/",
        )
        .await;
    assert!(html.contains("Bitte prüfen Sie die markierten Felder."));
    assert!(html.contains(r#"id="reference-error""#));
    assert!(html.contains(r#"id="access_code-error""#));
    assert!(html.contains("Diese Angabe hat nicht das erwartete Format."));
    assert!(html.contains(r#"aria-invalid="true""#));
}
on_both_backends!(
    field_errors_are_named,
    malformed_fields_are_named_beside_the_field
);

async fn five_failures_lock_the_case_for_fifteen_minutes(app: &TestApp) {
    let token = app.token(3);
    let referer = format!("/c/{token}");
    for _ in 0..4 {
        let (_, _, html) = app
            .submit(
                "/api/verify_link",
                &[("token", &token), ("postcode", "00000")],
                &referer,
            )
            .await;
        assert!(html.contains(NOT_VERIFIED_DE));
    }
    let (_, _, html) = app
        .submit(
            "/api/verify_link",
            &[("token", &token), ("postcode", "00000")],
            &referer,
        )
        .await;
    assert!(
        html.contains("für 15 Minuten gesperrt"),
        "the fifth failure locks and says so"
    );

    let right = [("token", token.as_str()), ("postcode", "50667")];
    let (_, _, html) = app.submit("/api/verify_link", &right, &referer).await;
    assert!(
        html.contains("gesperrt"),
        "even the right postcode is refused while locked"
    );
    let d = app.debtor(3).clone();
    let (_, _, html) = app
        .submit(
            "/api/verify_reference",
            &[
                ("reference", &d.reference),
                ("access_code", &d.access_code),
                ("postcode", &d.postcode),
            ],
            "/",
        )
        .await;
    assert!(
        html.contains("gesperrt"),
        "the lock holds for the typed way in too"
    );

    let tries: i64 = sqlx::query_scalar(
        "SELECT w.tries FROM attempt_windows w JOIN cases c ON w.subject = CAST(c.id AS TEXT)
         WHERE w.scope = 'second-factor' AND c.reference = $1",
    )
    .bind(&d.reference)
    .fetch_one(app.db.pool())
    .await
    .expect("the case's counter");
    assert!(
        tries > 5,
        "the lock is stored in the database, so it holds across instances"
    );

    app.advance(15 * 60_000);
    let response = app.post_form("/api/verify_link", &right, &referer).await;
    assert_eq!(
        location(response.headers()),
        "/case",
        "after 15 minutes the right answer opens the case"
    );
}
on_both_backends!(lockout, five_failures_lock_the_case_for_fifteen_minutes);

async fn verification_cycles_the_session_id_and_a_planted_id_gains_nothing(app: &TestApp) {
    let planted = "rapport_session=planted-by-an-attacker";
    let url = app.address.parse().expect("url");
    app.jar.add_cookie_str(&format!("{planted}; Path=/"), &url);
    app.verify_by_link(0).await;
    let cookies = app.cookies();
    assert!(
        cookies.contains("rapport_session="),
        "a session cookie was issued: {cookies}"
    );
    assert!(
        !cookies.contains("planted-by-an-attacker"),
        "the planted id was replaced"
    );

    let (attacker, _) = app.new_browser();
    let response = attacker
        .get(app.url("/case"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(COOKIE, planted)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(response.headers()), "/");
    assert_eq!(
        app.get("/case").await.status(),
        StatusCode::OK,
        "the debtor keeps access"
    );
}
on_both_backends!(
    session_fixation,
    verification_cycles_the_session_id_and_a_planted_id_gains_nothing
);

async fn the_case_page_without_verification_sends_to_the_start_page(app: &TestApp) {
    let response = app.get("/case").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location(response.headers()), "/");
}
on_both_backends!(
    case_needs_verification,
    the_case_page_without_verification_sends_to_the_start_page
);

async fn signing_out_ends_the_session(app: &TestApp) {
    app.verify_by_link(2).await;
    assert_eq!(app.get("/case").await.status(), StatusCode::OK);
    let response = app.post_form("/api/sign_out", &[], "/case").await;
    assert_eq!(location(response.headers()), "/");
    assert_eq!(app.get("/case").await.status(), StatusCode::FOUND);
}
on_both_backends!(sign_out, signing_out_ends_the_session);

async fn every_verification_attempt_lands_in_the_audit_log_without_secrets(app: &TestApp) {
    let before = verify_attempts(app).await;
    let token = app.token(4);
    let referer = format!("/c/{token}");
    app.post_form(
        "/api/verify_link",
        &[("token", &token), ("postcode", "1")],
        &referer,
    )
    .await;
    app.post_form(
        "/api/verify_link",
        &[("token", "nope"), ("postcode", "1")],
        "/c/nope",
    )
    .await;
    app.post_form(
        "/api/verify_reference",
        &[("reference", ""), ("access_code", ""), ("postcode", "")],
        "/",
    )
    .await;
    app.verify_by_link(4).await;
    assert_eq!(verify_attempts(app).await, before + 4);

    let rows: Vec<(Option<i64>, String, Option<String>)> =
        sqlx::query_as("SELECT case_id, detail, request_id FROM audit_log WHERE action = 'debtor.verify' ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .expect("audit rows");
    let outcomes: Vec<&str> = rows
        .iter()
        .map(|(_, d, _)| {
            d.split("\"outcome\":\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
        })
        .collect();
    assert_eq!(
        &outcomes[outcomes.len() - 4..],
        ["failed", "failed", "invalid_input", "verified"]
    );
    assert!(
        rows.iter()
            .all(|(_, d, rid)| !d.contains(&token) && rid.is_some()),
        "request ids, no tokens"
    );
}
on_both_backends!(
    audit,
    every_verification_attempt_lands_in_the_audit_log_without_secrets
);

async fn a_failed_verification_by_fetch_is_a_client_error_not_a_server_error(app: &TestApp) {
    let token = app.token(1);
    let call = |postcode: &'static str| {
        let token = token.clone();
        async move {
            app.client
                .post(app.url("/api/verify_link"))
                .header(ACCEPT, "application/json")
                .form(&[("token", token.as_str()), ("postcode", postcode)])
                .send()
                .await
                .expect("sent")
        }
    };
    let wrong = call("99999").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: app::AppError = wrong.json().await.expect("the error in the body");
    assert_eq!(
        body.message(app::domain::Language::De),
        NOT_VERIFIED_DE.to_string() + " Bitte vergleichen Sie sie mit Ihrem Schreiben."
    );
    for _ in 0..4 {
        call("99999").await;
    }
    assert_eq!(call("80331").await.status(), StatusCode::TOO_MANY_REQUESTS);
    let unauthenticated = app
        .client
        .post(app.url("/api/get_case"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
}
on_both_backends!(
    fetch_statuses,
    a_failed_verification_by_fetch_is_a_client_error_not_a_server_error
);

async fn a_debtor_session_ends_after_fifteen_idle_minutes_and_two_hours_in_all(app: &TestApp) {
    let get_case = || async {
        app.client
            .post(app.url("/api/get_case"))
            .send()
            .await
            .expect("sent")
            .status()
    };
    app.verify_by_link(0).await;
    app.advance(14 * 60_000);
    assert_eq!(
        get_case().await,
        reqwest::StatusCode::OK,
        "14 idle minutes are fine"
    );
    app.advance(16 * 60_000);
    assert_eq!(
        get_case().await,
        reqwest::StatusCode::UNAUTHORIZED,
        "16 idle minutes end the session"
    );
    app.verify_by_link(0).await;
    for _ in 0..8 {
        app.advance(14 * 60_000);
        assert_eq!(get_case().await, reqwest::StatusCode::OK);
    }
    app.advance(14 * 60_000);
    assert_eq!(
        get_case().await,
        reqwest::StatusCode::UNAUTHORIZED,
        "however active, two hours is the limit"
    );
}
on_both_backends!(
    debtor_session_timeouts,
    a_debtor_session_ends_after_fifteen_idle_minutes_and_two_hours_in_all
);
