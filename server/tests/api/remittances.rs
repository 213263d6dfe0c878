//! Remittance reports: per creditor and month, each payment once, principal and interest passed
//! on, costs and overpayments listed apart; in the creditor portal and as CSV, for its own creditor
//! only.

use crate::camt_fixture::{file, rf_for, Entry, Tx, CAMT054_V08};
use crate::helpers::{creditor_accounts, scalar, Desk, TestApp, OTHER, OWNER};
use crate::on_both_backends;
use app::domain::remittance::Period;
use reqwest::StatusCode;
use server::db::remittances::make_remittances;

fn at(day: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .expect("date")
        .and_hms_opt(10, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp_millis()
}

async fn pay(app: &TestApp, id: &str, reference: &str, amount: i64, booked_on: &str) {
    let xml = file(
        CAMT054_V08,
        id,
        "DE89370400440532013000",
        &[Entry::credit(
            amount,
            "2026-11-10",
            id,
            Tx {
                rf: Some(rf_for(reference)),
                ..Tx::default()
            },
        )],
    );
    let bytes = xml.into_bytes();
    let report = server::db::bank::import_statement(
        &app.db,
        &app::server::ports::StatementAccount {
            agency_id: 1,
            iban: Some("DE89370400440532013000".into()),
        },
        "s.xml",
        move || Ok(std::io::Cursor::new(bytes.clone())),
        "test",
        at(booked_on),
        &app.address,
    )
    .await
    .expect("import");
    assert_eq!(report.booked, 1);
}

async fn a_month_is_reported_once_with_what_is_passed_on(app: &TestApp) {
    creditor_accounts(app).await;
    let (anna, ben) = (
        app.debtor(0).reference.clone(),
        app.debtor(1).reference.clone(),
    );
    // The demo's own payments were booked when it was seeded (now); these in November.
    pay(app, "N-1", &anna, 3_000, "2026-11-12").await;
    pay(app, "N-2", &ben, 1_000, "2026-11-20").await;
    let november = Period::parse("2026-11").expect("month");
    let made = make_remittances(&app.db, &november, at("2026-12-01"), &app.address)
        .await
        .expect("reports");
    assert_eq!(made.len(), 1, "one creditor had payments in November");
    let r = &made[0];
    assert_eq!(r.payments, 2);
    assert_eq!(r.split.collected(), 4_000);
    // Costs are paid first (§ 367 BGB). Anna's costs (2.50 + 49.00) were 31.50 after the demo's
    // 20.00, so her 30.00 all went to costs; Ben's 10.00 paid his 2.50 and 7.50 of principal,
    // which is what is passed on.
    assert_eq!(r.split.costs, 3_250);
    assert_eq!(r.split.credit, 0);
    assert_eq!(r.split.passed_on(), 750);
    assert_eq!(
        make_remittances(&app.db, &november, at("2026-12-02"), &app.address)
            .await
            .expect("again"),
        vec![],
        "a month is reported once"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'remittance:%'"
        )
        .await,
        2,
        "both owners of the creditor are told"
    );

    // A payment booked in December goes into December's report, with the seeded ones.
    pay(app, "D-1", &anna, 500, "2026-12-02").await;
    let december = Period::parse("2026-12").expect("month");
    let made = make_remittances(&app.db, &december, at("2027-01-01"), &app.address)
        .await
        .expect("reports");
    assert_eq!(made.len(), 1);
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM payments WHERE remittance_id IS NULL"
        )
        .await,
        0,
        "every payment is in exactly one report"
    );

    // The creditor's portal: the reports, the figure, the CSV.
    let owner = Desk::creditor(app, OWNER).await;
    let page = owner.page("/creditor/remittances").await;
    assert!(
        page.contains("2026-11") && page.contains("2026-12"),
        "{page}"
    );
    assert!(page.contains("7,50\u{a0}€"), "{page}");
    let overview = owner.page("/creditor/overview").await;
    assert!(overview.contains("An Sie weitergeleitet"));
    let november_id = scalar(app, "SELECT id FROM remittances WHERE period = '2026-11'").await;
    let csv = owner
        .client
        .get(app.url(&format!("/creditor/remittances/{november_id}/report.csv")))
        .send()
        .await
        .expect("sent");
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.expect("body");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "header, two payments, total: {csv}");
    assert!(lines[0].starts_with("period;value_date;reference"));
    assert!(
        lines[1].contains(&anna) && lines[1].contains(";30,00;"),
        "{csv}"
    );
    assert!(
        lines[3].contains("total") && lines[3].ends_with(";7,50"),
        "{csv}"
    );

    // Another creditor sees none of it.
    let other = Desk::creditor(app, OTHER).await;
    let foreign = other
        .client
        .get(app.url(&format!("/creditor/remittances/{november_id}/report.csv")))
        .send()
        .await
        .expect("sent");
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    let page = other.page("/creditor/remittances").await;
    assert!(!page.contains("2026-11") && page.contains("Noch keine Abrechnung."));
    // Without a session: nothing.
    let anonymous = app
        .new_browser()
        .0
        .get(app.url(&format!("/creditor/remittances/{november_id}/report.csv")))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
}

on_both_backends!(
    a_month_reported_once,
    a_month_is_reported_once_with_what_is_passed_on
);
