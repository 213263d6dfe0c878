//! What could not be matched: handlers book it on a case or close it with a note.

use super::bank::{import, paid, tx_rf, tx_text, ACCOUNT};
use crate::camt_fixture::{file, Entry, Tx, CAMT054_V08};
use crate::helpers::{case_id, location, scalar, text, Desk, TestApp, BROWSER_ACCEPT};
use crate::on_both_backends;
use reqwest::header::{ACCEPT, REFERER};

const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");

async fn handlers_book_or_close_what_could_not_be_matched(app: &TestApp) {
    let anna = app.debtor(0).reference.clone();
    let dieter = app.debtor(3).reference.clone();
    let desk = Desk::signed_in(app, HANDLER).await;
    let statement = file(
        CAMT054_V08,
        "U-1",
        ACCOUNT,
        &[
            Entry::credit(
                700,
                "2027-01-04",
                "U-1",
                Tx {
                    payer: Some("Dieter Test".into()),
                    ..Tx::default()
                },
            ),
            Entry::credit(999, "2027-01-04", "U-2", tx_text(None, "Miete Januar")),
            Entry::credit(1_000, "2027-01-04", "U-3", tx_rf(None, &anna)),
        ],
    );
    let upload = |xml: String, name: &'static str| {
        let part = reqwest::multipart::Part::bytes(xml.into_bytes())
            .file_name(name)
            .mime_str("application/xml")
            .expect("mime");
        reqwest::multipart::Form::new().part("statement", part)
    };
    let response = desk
        .client
        .post(app.url("/api/upload_statement"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(REFERER, app.url("/staff/payments"))
        .multipart(upload(statement, "januar.xml"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        location(response.headers()),
        "/staff/payments?done=imported&booked=1&open=2&duplicates=0&entries=3"
    );
    let page = desk
        .page("/staff/payments?done=imported&booked=1&open=2&duplicates=0&entries=3")
        .await;
    assert!(
        page.contains("Eingelesen: 3 Buchungen – 1 gebucht, 2 zur Zuordnung"),
        "{page}"
    );
    assert!(page.contains("Miete Januar") && page.contains("Dieter Test"));
    assert!(page.contains(&dieter), "the suggestion is offered");
    assert!(page.contains("januar.xml (camt.054.001.08)"));

    // A hostile upload is refused with a sentence naming the problem; nothing is booked.
    let bad = desk
        .client
        .post(app.url("/api/upload_statement"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(REFERER, app.url("/staff/payments"))
        .multipart(upload("<!DOCTYPE x><x/>".into(), "evil.xml"))
        .send()
        .await
        .expect("sent");
    let back = location(bad.headers());
    assert!(back.contains("__err"), "{back}");
    let page = desk.page(back.trim_start_matches(&app.address)).await;
    assert!(page.contains("DOCTYPE-Angabe"), "{page}");

    // A statement of another account is refused whole: a handler cannot book money from a file
    // made up or taken from another customer of the bank.
    let foreign = file(
        CAMT054_V08,
        "X-1",
        "DE02120300000000202051",
        &[Entry::credit(
            5_000,
            "2027-01-04",
            "X-1",
            tx_rf(None, &anna),
        )],
    );
    let before = paid(app, &anna).await;
    let refused = desk
        .client
        .post(app.url("/api/upload_statement"))
        .header(ACCEPT, BROWSER_ACCEPT)
        .header(REFERER, app.url("/staff/payments"))
        .multipart(upload(foreign, "fremd.xml"))
        .send()
        .await
        .expect("sent");
    let back = location(refused.headers());
    assert!(back.contains("__err"), "{back}");
    let page = desk.page(back.trim_start_matches(&app.address)).await;
    assert!(
        page.contains("gehört zum Konto DE02120300000000202051, nicht zum Konto der Agentur"),
        "{page}"
    );
    assert_eq!(paid(app, &anna).await, before, "nothing was booked");

    let entry = |note: &str| {
        let note = note.to_string();
        async move {
            scalar(app, &format!("SELECT id FROM bank_entries WHERE remittance LIKE '%{note}%' OR payer_name = '{note}'")).await
        }
    };
    let dieter_entry = entry("Dieter Test").await.to_string();
    let rent = entry("Miete Januar").await.to_string();
    let dieter_before = paid(app, &dieter).await;

    // The suggestion is shown on the case page too, and booked from there.
    let dieter_id = case_id(app, &dieter).await;
    let case_page = desk.page(&format!("/staff/cases/{dieter_id}")).await;
    assert!(case_page.contains("Zahlungseingänge, die zu diesem Fall gehören könnten"));
    let wrong = desk
        .post(
            "/api/assign_bank_entry",
            &[
                ("entry_id", &dieter_entry),
                ("reference", "AKTE-0000-000000"),
                ("back", "/staff/payments"),
            ],
        )
        .await;
    assert!(location(wrong.headers()).contains("__err"));
    assert_eq!(paid(app, &dieter).await, dieter_before);
    let booked = desk
        .post(
            "/api/assign_bank_entry",
            &[
                ("entry_id", &dieter_entry),
                ("reference", &dieter.to_lowercase()),
                ("back", &format!("/staff/cases/{dieter_id}")),
            ],
        )
        .await;
    assert_eq!(
        location(booked.headers()),
        format!("/staff/cases/{dieter_id}?done=assigned")
    );
    assert_eq!(paid(app, &dieter).await - dieter_before, 700);
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM work_items WHERE case_id = {dieter_id} AND kind = 'unmatched_payment' AND done_at IS NULL")).await,
        0,
        "the queue item is done"
    );
    // Twice (a double click, or a colleague): nothing happens twice.
    let twice = desk
        .post(
            "/api/assign_bank_entry",
            &[
                ("entry_id", &dieter_entry),
                ("reference", &dieter),
                ("back", "/staff/payments"),
            ],
        )
        .await;
    assert!(location(twice.headers()).contains("__err"));
    assert_eq!(paid(app, &dieter).await - dieter_before, 700);

    // Closing without booking needs a reason.
    let no_reason = desk
        .post(
            "/api/dismiss_bank_entry",
            &[
                ("entry_id", &rent),
                ("note", " "),
                ("back", "/staff/payments"),
            ],
        )
        .await;
    assert!(location(no_reason.headers()).contains("__err"));
    let closed = desk
        .post(
            "/api/dismiss_bank_entry",
            &[
                ("entry_id", &rent),
                ("note", "Nicht unser Konto, zurücküberwiesen"),
                ("back", "/staff/payments"),
            ],
        )
        .await;
    assert_eq!(location(closed.headers()), "/staff/payments?done=dismissed");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM bank_entries WHERE state IN ('unmatched', 'review')"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM audit_log WHERE action IN ('bank_entry.assigned', 'bank_entry.dismissed')").await,
        2
    );
    assert_eq!(
        text(
            app,
            &format!("SELECT dismissal_note FROM bank_entries WHERE id = {rent}")
        )
        .await,
        "Nicht unser Konto, zurücküberwiesen",
        "the reason stays with the entry"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%zurücküberwiesen%'"
        )
        .await,
        0,
        "the append-only audit log holds no free text, which erasure could not reach"
    );
    let page = desk.page("/staff/payments").await;
    assert!(page.contains("Alle Zahlungseingänge sind zugeordnet."));

    // Another agency's staff see none of it and decide nothing.
    sqlx::query("INSERT INTO agencies (id, name, reply_days, created_at, updated_at) VALUES (2, 'Other', 2, 0, 0)")
        .execute(app.db.pool())
        .await
        .expect("agency");
    let hash = app::server::credentials::hash_access_code("other-agency-password").expect("hash");
    sqlx::query(
        "INSERT INTO staff_users (email, display_name, password_hash, role, agency_id, created_at, updated_at)
         VALUES ('other@other.example', 'Otto', $1, 'handler', 2, 0, 0)",
    )
    .bind(hash)
    .execute(app.db.pool())
    .await
    .expect("staff");
    let other = Desk::signed_in(app, ("other@other.example", "other-agency-password")).await;
    let mine = file(
        CAMT054_V08,
        "U-2",
        ACCOUNT,
        &[Entry::credit(
            333,
            "2027-01-04",
            "U-9",
            tx_text(None, "Unbekannt"),
        )],
    );
    import(app, "u2.xml", mine).await.expect("imported");
    let open_entry = scalar(app, "SELECT id FROM bank_entries WHERE state = 'unmatched'")
        .await
        .to_string();
    let foreign_page = other.page("/staff/payments").await;
    assert!(
        !foreign_page.contains("Unbekannt") && !foreign_page.contains("januar.xml"),
        "{foreign_page}"
    );
    let foreign = other
        .post(
            "/api/dismiss_bank_entry",
            &[
                ("entry_id", &open_entry),
                ("note", "mine now"),
                ("back", "/staff/payments"),
            ],
        )
        .await;
    assert!(location(foreign.headers()).contains("__err"));
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM bank_entries WHERE state = 'unmatched'"
        )
        .await,
        1
    );
}

on_both_backends!(
    handlers_decide_unmatched,
    handlers_book_or_close_what_could_not_be_matched
);
