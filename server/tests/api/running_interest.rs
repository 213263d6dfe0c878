//! Default interest that runs until paid, through the HTTP layer: the case page, the pay page,
//! the statement PDF and the creditor's API show the same figure on the same day; nothing is
//! guessed for a half-year without a base rate; a payment in full on the value date closes the
//! case with nothing left over; a write-off is a ledger entry of everything open.

use crate::helpers::{case_id, case_state, creditor_accounts, scalar, Desk, TestApp, OWNER};
use crate::on_both_backends;
use app::domain::{Currency, Money};
use app::server::ports::{CasePages, Dunning};
use chrono::NaiveDate;
use serde_json::{json, Value};

const ADMIN: (&str, &str) = ("admin@demo.example", "demo-admin-2026");
const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Noon in Berlin on `date`.
fn noon(date: &str) -> i64 {
    day(date)
        .and_hms_opt(11, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp_millis()
}

/// Makes the customer group of `case` charge statutory default interest until paid.
async fn charge_statutory_interest(app: &TestApp, case: i64) {
    sqlx::query(
        "UPDATE treatment_classes SET running_interest = 1
         WHERE id = (SELECT treatment_class_id FROM cases WHERE id = $1)",
    )
    .bind(case)
    .execute(app.db.pool())
    .await
    .expect("group set");
}

/// Enters a base rate from 1 July 2026 (test data: the rate of the half-year before, 1.27 %).
async fn enter_a_rate_for_the_second_half_of_2026(app: &TestApp) {
    server::legal::set_base_rate(&app.db, day("2026-07-01"), "1.27", "test", 0)
        .await
        .expect("rate set");
}

async fn pdf_has(app: &TestApp, needle: &[u8]) -> bool {
    let pdf = app
        .get("/case/statement.pdf")
        .await
        .bytes()
        .await
        .expect("bytes");
    pdf.windows(needle.len()).any(|w| w == needle)
}

/// The API key shown once on the API keys page.
async fn api_key(app: &TestApp) -> String {
    let owner = Desk::creditor(app, OWNER).await;
    owner.post("/api/create_api_key", &[("name", "ERP")]).await;
    let page = owner.page("/creditor/api-keys?done=created").await;
    let marker = r#"<code id="new-key" class="secret">"#;
    let start = page.find(marker).expect("the new key is shown") + marker.len();
    page[start..].split('<').next().expect("key").to_string()
}

async fn api_balance(app: &TestApp, key: &str, external_id: &str) -> Value {
    let body: Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/claims/{external_id}")))
        .bearer_auth(key)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    body["case_balance"].clone()
}

async fn running_interest_is_the_same_everywhere_and_a_payment_in_full_stops_it(app: &TestApp) {
    creditor_accounts(app).await;
    // Dieter Test (demo): € 64.50 due on 1 October 2026, customer group "standard", which
    // now charges statutory default interest until paid.
    let dieter = app.debtor(3).clone();
    let case = case_id(app, &dieter.reference).await;
    charge_statutory_interest(app, case).await;
    // The same claim handed over through the API, to read its balance there.
    let key = api_key(app).await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/claims"))
        .bearer_auth(&key)
        .json(&json!({
            "external_id": "RUN-1", "customer_number": "K-RUN-1", "debtor_name": "Erika Mustermann", "street": "Heidestraße 17",
            "postcode": "51147", "city": "Köln", "treatment_class": "standard",
            "subject": "Fahrradhelm", "contract_date": "2026-09-01", "due_date": "2026-10-01", "principal": "64.50"
        }))
        .send()
        .await
        .expect("sent");
    let status = response.status();
    assert_eq!(
        status,
        reqwest::StatusCode::CREATED,
        "{}",
        response.text().await.unwrap_or_default()
    );

    app.set_now(noon("2026-11-02"));
    app.verify_by_link(3).await;
    // No base rate is known from 1 July 2026 on (the migration's table ends with 2026-01-01):
    // nothing is guessed, and the page says until when interest is computed (the claim fell
    // due on 1 October, so none of it).
    let page = app.page("/case").await;
    assert!(page.contains("bis einschließlich 01.10.2026"), "{page}");
    // The administrators are told on their settings page.
    let settings = Desk::signed_in(app, ADMIN)
        .await
        .page("/staff/settings")
        .await;
    assert!(
        settings.contains("Der Basiszinssatz ab 01.07.2026 fehlt"),
        "{settings}"
    );
    assert!(page.contains("64,50\u{a0}€"));
    assert!(pdf_has(app, b"Offener Betrag: 64,50 \x80").await);

    // The rate entered (test data: the rate of the half-year before).
    enter_a_rate_for_the_second_half_of_2026(app).await;
    // 2 October – 1 November: 31 days on 64.50 at 1.27 + 5 = 6.27 %:
    // 6,450 × 627 × 31 / 3,650,000 = 34.35 cents, rounded half up to 0.34.
    let page = app.page("/case").await;
    for expected in [
        "6,27 % jährlich auf 64,50\u{a0}€ vom 02.10.2026 bis 01.11.2026 (31 Tage)",
        "0,34\u{a0}€",
        "64,84\u{a0}€",
        "§§ 286, 288 BGB",
    ] {
        assert!(page.contains(expected), "case page shows {expected:?}");
    }
    assert!(!page.contains("bis einschließlich"));
    assert!(app.page("/case/pay").await.contains("64,84\u{a0}€"));
    assert!(pdf_has(app, b"Offener Betrag: 64,84 \x80").await);
    assert_eq!(api_balance(app, &key, "RUN-1").await, "64.84");
    // The lists show it too: the creditor's case list (and its CSV) and the dunning engine's
    // view, from which reminders take their amount.
    let owner = Desk::creditor(app, OWNER).await;
    let overview = owner
        .page(&format!("/creditor/overview?q={}", dieter.reference))
        .await;
    assert!(overview.contains("64,84\u{a0}€"), "{overview}");
    let csv = owner
        .page(&format!("/creditor/overview.csv?q={}", dieter.reference))
        .await;
    assert!(csv.contains("64.84") || csv.contains("64,84"), "{csv}");
    let engine = app
        .db
        .dunning_case_by_id(case, day("2026-11-02"))
        .await
        .expect("reads")
        .expect("the case");
    assert_eq!(engine.balance, Money::new(6484, Currency::EUR));
    let settings = Desk::signed_in(app, ADMIN)
        .await
        .page("/staff/settings")
        .await;
    assert!(
        !settings.contains("Der Basiszinssatz ab"),
        "the rate is known for this half-year"
    );

    // A day later, a day more: 32 days = 35.46 cents.
    app.set_now(noon("2026-11-03"));
    app.verify_by_link(3).await; // the session of the day before has expired
    assert!(app.page("/case").await.contains("64,85\u{a0}€"));
    assert_eq!(api_balance(app, &key, "RUN-1").await, "64.85");
    // Interest stops when a case ends (here: written off).
    sqlx::query(
        "UPDATE cases SET state = 'closed'
         WHERE id = (SELECT case_id FROM claims WHERE external_id = 'RUN-1')",
    )
    .execute(app.db.pool())
    .await
    .expect("closed");
    assert_eq!(
        crate::helpers::text(
            app,
            "SELECT c.state FROM cases c JOIN claims cl ON cl.case_id = c.id WHERE cl.external_id = 'RUN-1'"
        )
        .await,
        "closed"
    );
    assert_eq!(api_balance(app, &key, "RUN-1").await, "64.50");

    // Paid in full with value date 2 November: interest up to 1 November, nothing for the day
    // of payment, and nothing left over.
    let mut tx = app.db.pool().begin().await.expect("tx");
    server::db::book_transfer(
        &mut tx,
        case,
        Money::new(6484, Currency::EUR),
        day("2026-11-02"),
        "test:running-interest",
        app.clock_now(),
        "http://localhost",
    )
    .await
    .expect("booked");
    tx.commit().await.expect("commit");
    assert_eq!(case_state(app, &dieter.reference).await, "closed");
    let charged = format!(
        "SELECT CAST(COALESCE(SUM(i.amount_minor), 0) AS BIGINT) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
         WHERE cl.case_id = {case} AND i.accrued = 'interest'"
    );
    assert_eq!(scalar(app, &charged).await, 34, "charged before allocating");
    let to_interest = format!(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payment_allocations WHERE case_id = {case} AND kind = 'interest'"
    );
    assert_eq!(scalar(app, &to_interest).await, 34, "§ 367: interest first");
    let page = app.page("/case").await;
    assert!(page.contains("0,00\u{a0}€"), "nothing left over");
    assert!(
        page.contains("vom 02.10.2026 bis 01.11.2026 (31 Tage)"),
        "the charged interest keeps its calculation"
    );
}
on_both_backends!(
    running_interest,
    running_interest_is_the_same_everywhere_and_a_payment_in_full_stops_it
);

async fn a_write_off_is_a_ledger_entry_of_everything_open_with_its_reason(app: &TestApp) {
    // Ben Muster (demo): € 230.00 due on 1 August 2026 and a reminder fee of € 2.50, customer
    // group "strict", which now charges statutory default interest until paid.
    let ben = app.debtor(1).clone();
    let case = case_id(app, &ben.reference).await;
    charge_statutory_interest(app, case).await;
    enter_a_rate_for_the_second_half_of_2026(app).await;
    app.set_now(noon("2026-11-02"));
    // 2 August – 1 November: 92 days on 230.00 at 6.27 % = 3.6349, so 3.63.
    let before = app
        .db
        .case_view(case, day("2026-11-02"))
        .await
        .expect("reads")
        .expect("the case");
    assert_eq!(before.summary.interest, Money::new(363, Currency::EUR));
    assert_eq!(
        before.summary.balance,
        Money::new(23_000 + 250 + 363, Currency::EUR)
    );

    let desk = Desk::signed_in(app, HANDLER).await;
    let key = desk.form_key(case).await;
    desk.post(
        "/api/staff_finish",
        &[
            ("case_id", &case.to_string()),
            ("form_key", &key),
            ("outcome", "write_off"),
            ("note", "Uneinbringlich: Verbraucherinsolvenz"),
        ],
    )
    .await;
    assert_eq!(case_state(app, &ben.reference).await, "closed");
    // The interest up to the day before was charged, then every open amount written down with
    // the handler's reason: ledger entries, no payment.
    let sum = |sql: &str| {
        let sql = sql.replace("{case}", &case.to_string());
        async move { scalar(app, &sql).await }
    };
    assert_eq!(
        sum("SELECT CAST(SUM(i.amount_minor) AS BIGINT) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
             WHERE cl.case_id = {case} AND i.accrued = 'interest'")
        .await,
        363
    );
    assert_eq!(
        sum("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM write_downs WHERE case_id = {case}")
            .await,
        23_613
    );
    assert_eq!(
        sum("SELECT COUNT(*) FROM write_downs WHERE case_id = {case} AND reason = 'Uneinbringlich: Verbraucherinsolvenz'
             AND value_date = '2026-11-02'")
        .await,
        3,
        "one per item: principal, reminder fee, interest"
    );
    assert_eq!(
        sum("SELECT COUNT(*) FROM payments WHERE case_id = {case}").await,
        0
    );
    // Nothing is open and nothing runs on: the case view nets each kind to zero.
    let after = app
        .db
        .case_view(case, day("2026-12-01"))
        .await
        .expect("reads")
        .expect("the case");
    let zero = Money::new(0, Currency::EUR);
    assert_eq!(
        (
            after.summary.principal,
            after.summary.interest,
            after.summary.costs,
            after.summary.balance
        ),
        (zero, zero, zero, zero)
    );
}
on_both_backends!(
    write_off,
    a_write_off_is_a_ledger_entry_of_everything_open_with_its_reason
);

async fn the_demo_runs_annas_interest_as_far_as_base_rates_are_known(app: &TestApp) {
    // Anna's first claim came with interest up to 17 October 2026, her second fell due on 29
    // September; the demo's standard group charges statutory interest after that, but no base
    // rate is known from 1 July 2026 on: the page names the earliest day computed up to.
    app.set_now(noon("2026-11-19"));
    app.verify_by_link(0).await;
    let page = app.page("/case").await;
    assert!(
        page.contains("Verzugszinsen sind bis einschließlich 29.09.2026 berechnet"),
        "{page}"
    );
    assert!(page.contains("272,23\u{a0}€"), "nothing guessed");
    enter_a_rate_for_the_second_half_of_2026(app).await;
    let page = app.page("/case").await;
    assert!(!page.contains("bis einschließlich"));
    assert!(page.contains("Verzugszinsen (gesetzlich, bis zur Zahlung)"));
    assert!(
        page.contains("auf 149,90\u{a0}€ vom 18.10.2026 bis"),
        "the first claim from the day after the interest handed over"
    );
    assert!(
        page.contains("auf 89,95\u{a0}€ vom 30.09.2026 bis"),
        "the second claim from the day after it fell due"
    );
    assert!(!page.contains("272,23\u{a0}€"), "the balance grew");
}
on_both_backends!(
    demo_interest,
    the_demo_runs_annas_interest_as_far_as_base_rates_are_known
);
