//! The debtor's dialogue over HTTP: reason first, messages with documents, disputes, reported
//! payments, the pay page, downloads and the public reference check, with their authorisation.

use crate::helpers::{case_state, location, scalar, TestApp};
use crate::on_both_backends;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";

fn file(name: &str, content: &[u8]) -> Part {
    Part::bytes(content.to_vec())
        .file_name(name.to_string())
        .mime_str("application/octet-stream")
        .expect("mime")
}

async fn the_reason_is_stored_and_opens_its_path(app: &TestApp) {
    app.verify_by_link(0).await;
    let html = app.page("/case").await;
    assert!(html.contains("Warum ist die Forderung noch offen?"));
    for (reason, path) in [
        ("forgot", "/case/pay"),
        ("temporary_shortage", "/case/plan"),
        ("complaint", "/case/dispute?kind=complaint"),
        ("claim_wrong", "/case/dispute?kind=claim_wrong"),
        ("already_paid", "/case/paid"),
        ("not_my_debt", "/case/dispute?kind=not_my_debt"),
        ("other", "/case/message"),
    ] {
        let response = app
            .post_form("/api/choose_reason", &[("reason", reason)], "/case")
            .await;
        assert_eq!(location(response.headers()), path, "{reason}");
    }
    let html = app.page("/case").await;
    assert!(
        html.contains("Ihre letzte Antwort") && html.contains("Etwas anderes"),
        "the last answer is shown"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'debtor.reason'"
        )
        .await,
        7
    );
    let stored: String =
        sqlx::query_scalar("SELECT reason FROM cases WHERE reference = 'AKTE-2026-000101'")
            .fetch_one(app.db.pool())
            .await
            .expect("reason");
    assert_eq!(stored, "other");
    let bad = app
        .post_form("/api/choose_reason", &[("reason", "lazy")], "/case")
        .await;
    assert!(
        location(bad.headers()).contains("__err="),
        "an unknown reason is refused"
    );
}
on_both_backends!(reason_first, the_reason_is_stored_and_opens_its_path);

async fn a_message_with_a_document_is_stored_once_redacted_and_downloadable_only_by_its_case(
    app: &TestApp,
) {
    app.verify_by_link(0).await;
    let key = app.form_key("/case/message").await;
    let form = || {
        Form::new()
            .text("form_key", key.clone())
            .text(
                "body",
                "Ich zahle per Karte 4111 1111 1111 1111, bitte melden Sie sich.",
            )
            .part("documents", file("../Beleg.pdf", PDF))
    };
    let first = app
        .post_multipart("/api/send_message", form(), "/case/message")
        .await;
    assert_eq!(first.status(), StatusCode::FOUND);
    assert_eq!(location(first.headers()), "/case/message#sent");
    let again = app
        .post_multipart("/api/send_message", form(), "/case/message")
        .await;
    assert_eq!(
        location(again.headers()),
        "/case/message#sent",
        "a second click is answered the same way"
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM messages").await,
        1,
        "but stored once"
    );
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM attachments").await, 1);
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "in_dialogue");

    let html = app.page("/case/message").await;
    assert!(
        html.contains("[card number removed]") && !html.contains("4111 1111"),
        "card numbers are never stored"
    );
    let id: i64 = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_one(app.db.pool())
        .await
        .expect("id");
    assert!(html.contains(&format!("/case/documents/{id}")));
    let download = app.get(&format!("/case/documents/{id}")).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"Beleg.pdf\""
    );
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), PDF);

    let (other, _) = app.new_browser();
    let token = app.token(1);
    other
        .post(app.url("/api/verify_link"))
        .header("accept", crate::helpers::BROWSER_ACCEPT)
        .header("referer", app.url(&format!("/c/{token}")))
        .form(&[("token", token.as_str()), ("postcode", "80331")])
        .send()
        .await
        .expect("verify");
    let foreign = other
        .get(app.url(&format!("/case/documents/{id}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        foreign.status(),
        StatusCode::NOT_FOUND,
        "another case's document is not found"
    );
    let (stranger, _) = app.new_browser();
    let anonymous = stranger
        .get(app.url(&format!("/case/documents/{id}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
}
on_both_backends!(
    messages,
    a_message_with_a_document_is_stored_once_redacted_and_downloadable_only_by_its_case
);

async fn a_dispute_pauses_reminders_and_promises_an_answer(app: &TestApp) {
    app.verify_by_link(2).await; // the key account: answers within 2 business days
    let key = app.form_key("/case/dispute?kind=complaint").await;
    let form = Form::new()
        .text("form_key", key)
        .text("kind", "complaint")
        .text("body", "Die Gläser kamen zerbrochen an, Fotos anbei.")
        .part("documents", file("foto.png", PNG))
        .part("documents", file("lieferschein.pdf", PDF));
    let response = app
        .post_multipart("/api/open_dispute", form, "/case/dispute?kind=complaint")
        .await;
    assert_eq!(location(response.headers()), "/case#status");
    assert_eq!(case_state(app, "AKTE-2026-000103").await, "disputed");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM holds WHERE reason = 'Dispute' AND until_date IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM attachments WHERE owner_kind = 'dispute'"
        )
        .await,
        2
    );
    let due: String = sqlx::query_scalar("SELECT answer_due_on FROM disputes")
        .fetch_one(app.db.pool())
        .await
        .expect("due");
    let today = chrono::DateTime::from_timestamp_millis(app.clock_now())
        .expect("now")
        .date_naive();
    let expected = app::domain::plan::add_business_days(today, 2, &[]);
    assert_eq!(due, expected.format("%Y-%m-%d").to_string());
    let html = app.page("/case").await;
    assert!(
        html.contains("Alle Mahnungen ruhen"),
        "the status says reminders are paused"
    );
    assert!(html.contains(&app::i18n::format_date(app::domain::Language::De, expected)));
    let again = app
        .post_form("/api/choose_reason", &[("reason", "forgot")], "/case")
        .await;
    assert_eq!(
        location(again.headers()),
        "/case/pay",
        "the debtor can still pay while disputing"
    );
}
on_both_backends!(disputes, a_dispute_pauses_reminders_and_promises_an_answer);

async fn uploads_are_judged_by_content_and_a_bad_one_stores_nothing(app: &TestApp) {
    app.verify_by_link(0).await;
    let key = app.form_key("/case/dispute?kind=claim_wrong").await;
    let form = Form::new()
        .text("form_key", key)
        .text("kind", "claim_wrong")
        .text("body", "Betrag stimmt nicht")
        .part(
            "documents",
            file("rechnung.pdf", b"<html><script>alert(1)</script></html>"),
        );
    let response = app
        .post_multipart("/api/open_dispute", form, "/case/dispute?kind=claim_wrong")
        .await;
    let back = location(response.headers());
    assert!(back.contains("__err="), "{back}");
    let html = app
        .client
        .get(&back)
        .header("accept", crate::helpers::BROWSER_ACCEPT)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("„rechnung.pdf“ ist kein PDF, JPEG oder PNG."),
        "the file is named in the error"
    );
    assert!(html.contains("Betrag stimmt nicht"), "the text is kept");
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM disputes").await, 0);
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM attachments").await, 0);
    assert_eq!(case_state(app, "AKTE-2026-000101").await, "open");
}
on_both_backends!(
    upload_checks,
    uploads_are_judged_by_content_and_a_bad_one_stores_nothing
);

async fn a_reported_payment_is_checked_for_date_and_amount_and_pauses_reminders(app: &TestApp) {
    app.verify_by_link(3).await;
    let key = app.form_key("/case/paid").await;
    let form = |date: &str, amount: &str| {
        Form::new()
            .text("form_key", key.clone())
            .text("paid_on", date.to_string())
            .text("amount", amount.to_string())
            .text("note", "")
    };
    let bad = app
        .post_multipart(
            "/api/claim_payment",
            form("2099-01-01", "abc"),
            "/case/paid",
        )
        .await;
    let back = location(bad.headers());
    let html = app
        .client
        .get(&back)
        .header("accept", crate::helpers::BROWSER_ACCEPT)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(html.contains("Das Datum liegt in der Zukunft."));
    assert!(html.contains("Bitte einen Betrag wie 25,00 eingeben."));
    let ok = app
        .post_multipart(
            "/api/claim_payment",
            form("2026-11-02", "64,50"),
            "/case/paid",
        )
        .await;
    assert_eq!(location(ok.headers()), "/case#status");
    assert_eq!(case_state(app, "AKTE-2026-000104").await, "on_hold");
    let html = app.page("/case").await;
    assert!(
        html.contains("Zahlung von 64,50\u{a0}€ am 02.11.2026 gemeldet"),
        "{html}"
    );
}
on_both_backends!(
    payment_claims,
    a_reported_payment_is_checked_for_date_and_amount_and_pauses_reminders
);

async fn the_pay_page_shows_the_transfer_details_and_a_qr_code(app: &TestApp) {
    app.verify_by_link(0).await;
    let html = app.page("/case/pay").await;
    for expected in [
        "Rapport Demo Inkasso GmbH",
        "DE89 3704 0044 0532 0130 00",
        "COBADEFFXXX",
        "272,23\u{a0}€",
    ] {
        assert!(html.contains(expected), "pay page shows {expected}");
    }
    let rf = app::domain::references::RfReference::for_case("AKTE-2026-000101").expect("rf");
    assert!(html.contains(&rf.paper()));
    assert!(html.contains("<svg") && html.contains(r#"role="img""#));
}
on_both_backends!(
    pay_page,
    the_pay_page_shows_the_transfer_details_and_a_qr_code
);

async fn every_dialogue_action_needs_a_verified_session(app: &TestApp) {
    for path in [
        "/case/pay",
        "/case/message",
        "/case/paid",
        "/case/dispute?kind=complaint",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(location(response.headers()), "/", "{path}");
    }
    let reason = app
        .post_form("/api/choose_reason", &[("reason", "forgot")], "/case")
        .await;
    assert!(location(reason.headers()).contains("__err="));
    let form = Form::new()
        .text("form_key", "0123456789abcdef")
        .text("kind", "complaint")
        .text("body", "x");
    let dispute = app.post_multipart("/api/open_dispute", form, "/case").await;
    assert!(location(dispute.headers()).contains("__err="));
    let msg = Form::new()
        .text("form_key", "0123456789abcdef")
        .text("body", "x");
    let message = app.post_multipart("/api/send_message", msg, "/case").await;
    assert!(location(message.headers()).contains("__err="));
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM messages").await
            + scalar(app, "SELECT COUNT(*) FROM disputes").await,
        0
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM cases WHERE reason IS NOT NULL").await,
        0
    );
}
on_both_backends!(
    dialogue_needs_session,
    every_dialogue_action_needs_a_verified_session
);

async fn the_public_check_names_the_creditor_and_nothing_else(app: &TestApp) {
    let html = app.page("/check?reference=akte-2026-000101").await;
    assert!(html.contains("Das Aktenzeichen AKTE-2026-000101 gibt es."));
    assert!(html.contains("Nordlicht Versandhandel GmbH"));
    assert!(
        html.contains("Rapport Demo Inkasso GmbH") && html.contains("service@inkasso.demo.example")
    );
    for secret in ["Anna Beispiel", "Lindenweg", "149,90", "Winterjacke"] {
        assert!(
            !html.contains(secret),
            "the check reveals nothing about the case: {secret}"
        );
    }
    let unknown = app.page("/check?reference=AKTE-2026-999999").await;
    assert!(unknown.contains("Unter diesem Aktenzeichen gibt es bei uns keinen Fall."));
}
on_both_backends!(
    genuine_check,
    the_public_check_names_the_creditor_and_nothing_else
);

async fn contact_data_is_corrected_checked_and_audited_by_field_name(app: &TestApp) {
    app.verify_by_link(0).await;
    let html = app.page("/case/contact").await;
    assert!(html.contains(r#"value="anna.beispiel@demo.example""#));
    let fields = |email: &'static str| {
        [
            ("email", email),
            ("phone", "+49 30 1234567"),
            ("street", "Lindenweg 3"),
            ("postcode", "10115"),
            ("city", "Berlin"),
            ("language", "en"),
            ("channel", "email"),
        ]
    };
    let bad = app
        .post_form("/api/update_contact", &fields("anna@"), "/case/contact")
        .await;
    let html = app
        .client
        .get(location(bad.headers()))
        .header("accept", crate::helpers::BROWSER_ACCEPT)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        html.contains(r#"id="email-error""#) && html.contains(r#"value="anna@""#),
        "the error is named and the value kept"
    );
    let ok = app
        .post_form(
            "/api/update_contact",
            &fields("anna.neu@demo.example"),
            "/case/contact",
        )
        .await;
    assert_eq!(location(ok.headers()), "/case#timeline-heading");
    let (email, phone, language): (String, String, String) =
        sqlx::query_as("SELECT email, phone, language FROM debtors WHERE name = 'Anna Beispiel'")
            .fetch_one(app.db.pool())
            .await
            .expect("row");
    assert_eq!(
        (email.as_str(), phone.as_str(), language.as_str()),
        ("anna.neu@demo.example", "+49 30 1234567", "en")
    );
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'debtor.contact'")
            .fetch_one(app.db.pool())
            .await
            .expect("audit");
    assert_eq!(
        detail, r#"{"changed":["email","phone","language"]}"#,
        "field names, never values"
    );
    assert!(app.page("/case").await.contains("Kontaktdaten geändert"));
}
on_both_backends!(
    contact_data,
    contact_data_is_corrected_checked_and_audited_by_field_name
);

async fn the_statement_downloads_as_a_pdf_of_the_own_case_in_the_chosen_language(app: &TestApp) {
    let anonymous = app.get("/case/statement.pdf").await;
    assert_eq!(
        anonymous.status(),
        StatusCode::NOT_FOUND,
        "only with a verified session"
    );
    app.verify_by_link(0).await;
    let response = app.get("/case/statement.pdf").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"Forderungsaufstellung-AKTE-2026-000101.pdf\""
    );
    let pdf = response.bytes().await.expect("bytes").to_vec();
    assert!(pdf.starts_with(b"%PDF-1.4") && server::pdf::xref_is_exact(&pdf));
    let contains = |needle: &[u8]| pdf.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"(Forderungsaufstellung) Tj"));
    assert!(contains(b"AKTE-2026-000101"));
    assert!(
        contains(b"Offener Betrag: 272,23 \x80"),
        "the balance with a WinAnsi euro sign"
    );
    assert!(contains(b"Nordlicht Versandhandel GmbH"));
    assert!(contains(b"Bundesamt f\xFCr Justiz"));
    app.post_form(
        "/api/set_language",
        &[("lang", "en"), ("return_to", "/case")],
        "/case",
    )
    .await;
    let statement = || async {
        app.get("/case/statement.pdf")
            .await
            .bytes()
            .await
            .expect("bytes")
            .to_vec()
    };
    let has = |pdf: &[u8], needle: &[u8]| pdf.windows(needle.len()).any(|w| w == needle);
    let english = statement().await;
    assert!(has(&english, b"(Statement of claim) T"));
    assert!(
        !contains(b"Adressermittlung") && !has(&english, b"researched"),
        "Anna's address came from the creditor"
    );
    // Ben's address was researched (§ 13a (1) no. 7 RDG): his statement says so.
    app.verify_by_link(1).await;
    let ben = statement().await;
    assert!(has(&ben, b"AKTE-2026-000102"));
    assert!(has(&ben, b"researched"), "in English, as chosen");
}
on_both_backends!(
    statement_pdf,
    the_statement_downloads_as_a_pdf_of_the_own_case_in_the_chosen_language
);

async fn the_public_check_is_limited_per_client_so_references_cannot_be_walked(app: &TestApp) {
    let check = |reference: String| async move {
        app.client
            .post(app.url("/api/check_reference"))
            .form(&[("reference", reference.as_str())])
            .send()
            .await
            .expect("sent")
    };
    for n in 0..30 {
        let answer = check(format!("AKTE-2026-{:06}", 900 + n)).await;
        assert_eq!(answer.status(), StatusCode::OK, "lookup {n}");
    }
    let refused = check("AKTE-2026-000101".into()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = refused.text().await.expect("body");
    assert!(body.contains("TooManyRequests"), "{body}");
    let html = app.page("/check?reference=AKTE-2026-000101").await;
    assert!(
        html.contains("Zu viele Anfragen in kurzer Zeit."),
        "the page says so in words"
    );
    app.advance(16 * 60_000);
    assert_eq!(
        check("AKTE-2026-000101".into()).await.status(),
        StatusCode::OK
    );
}
on_both_backends!(
    check_limit,
    the_public_check_is_limited_per_client_so_references_cannot_be_walked
);
