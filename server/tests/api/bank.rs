//! Bank statements: camt.053 and camt.054 of several versions and namespace styles, batch bookings,
//! reversals, duplicates and overlapping statements, hostile XML, the agency's own cases only, and
//! the handler's decisions on what could not be matched.

use crate::camt_fixture::{
    file, rf_for, Entry, Tx, CAMT053_V02, CAMT053_V08_PREFIXED, CAMT054_V08,
};
use crate::helpers::{case_id, case_state, location, scalar, text, Desk, TestApp, BROWSER_ACCEPT};
use crate::on_both_backends;
use reqwest::header::{ACCEPT, REFERER};
use server::db::bank::{import_statement, BankError, ImportReport};

const ACCOUNT: &str = "DE89370400440532013000";
const HANDLER: (&str, &str) = ("handler@demo.example", "demo-handler-2026");

async fn import(app: &TestApp, name: &str, xml: String) -> Result<ImportReport, BankError> {
    let bytes = xml.into_bytes();
    import_statement(
        &app.db,
        &app::server::ports::StatementAccount {
            agency_id: 1,
            iban: Some("DE89370400440532013000".into()),
        },
        name,
        move || Ok(std::io::Cursor::new(bytes.clone())),
        "test",
        app.clock_now(),
        &app.address,
    )
    .await
}

/// What is still open on a case (items minus payments), in cents.
async fn balance(app: &TestApp, reference: &str) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT CAST((SELECT COALESCE(SUM(i.amount_minor), 0) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
                          JOIN cases c ON c.id = cl.case_id WHERE c.reference = '{reference}')
                       - (SELECT COALESCE(SUM(p.amount_minor), 0) FROM payments p JOIN cases c ON c.id = p.case_id
                          WHERE c.reference = '{reference}') AS BIGINT)"
        ),
    )
    .await
}

async fn paid(app: &TestApp, reference: &str) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM payments p JOIN cases c ON c.id = p.case_id
             WHERE c.reference = '{reference}'"
        ),
    )
    .await
}

fn tx_rf(amount: Option<i64>, reference: &str) -> Tx {
    Tx {
        amount,
        rf: Some(rf_for(reference)),
        payer: Some("Someone".into()),
        ..Tx::default()
    }
}

fn tx_text(amount: Option<i64>, text: &str) -> Tx {
    Tx {
        amount,
        text: text.into(),
        payer: Some("Someone".into()),
        ..Tx::default()
    }
}

/// A statement with one of every kind of entry.
fn mixed(anna: &str, ben: &str) -> Vec<Entry> {
    let mut debit = Entry::credit(1_000, "2027-01-04", "E-3", tx_rf(None, anna));
    debit.credit = false;
    let mut pending = Entry::credit(500, "2027-01-04", "E-4", tx_rf(None, anna));
    pending.status = "PDNG";
    let mut reversal = Entry::credit(1_200, "2027-01-04", "E-7", tx_rf(None, anna));
    reversal.reversal = true;
    let batch = Entry {
        txs: vec![
            tx_rf(Some(1_000), anna),
            tx_text(Some(2_000), &format!("Rechnung {ben}")),
            tx_text(Some(3_000), "Danke"),
        ],
        ..Entry::credit(6_000, "2027-01-05", "E-8", Tx::default())
    };
    let broken_batch = Entry {
        txs: vec![tx_rf(Some(3_000), anna), tx_rf(Some(4_000), ben)],
        ..Entry::credit(7_500, "2027-01-05", "E-9", Tx::default())
    };
    // Two equal payments without a bank reference: two payments, not one.
    let twin = Entry {
        bank_ref: None,
        ..Entry::credit(100, "2027-01-05", "", tx_rf(None, anna))
    };
    vec![
        Entry::credit(5_000, "2027-01-04", "E-1", tx_rf(None, anna)),
        // The case reference in free text, split by the bank into 35-character chunks.
        Entry::credit(
            2_000,
            "2027-01-04",
            "E-2",
            tx_text(
                None,
                &format!(
                    "Zahlung fuer Ihre Forderung Aktenzeichen {} vielen Dank",
                    ben.to_lowercase()
                ),
            ),
        ),
        debit,
        pending,
        Entry::credit(
            700,
            "2027-01-04",
            "E-5",
            Tx {
                payer: Some("Dieter Test".into()),
                text: "Überweisung".into(),
                ..Tx::default()
            },
        ),
        Entry::credit(999, "2027-01-04", "E-6", tx_text(None, "Miete Januar")),
        reversal,
        batch,
        broken_batch,
        twin.clone(),
        twin,
    ]
}

async fn statements_of_several_versions_are_reconciled_once(app: &TestApp) {
    let anna = app.debtor(0).reference.clone();
    let ben = app.debtor(1).reference.clone();
    let dieter = app.debtor(3).reference.clone();
    let (anna_before, ben_before) = (paid(app, &anna).await, paid(app, &ben).await);

    let first = file(CAMT053_V02, "S-1", ACCOUNT, &mixed(&anna, &ben));
    let report = import(app, "s1.xml", first.clone())
        .await
        .expect("imported");
    assert_eq!(report.format, "camt.053.001.02");
    assert_eq!(
        (
            report.entries,
            report.booked,
            report.unmatched,
            report.review,
            report.duplicates,
            report.ignored
        ),
        (11, 6, 3, 2, 0, 2),
        "{report:?}"
    );
    assert_eq!(
        paid(app, &anna).await - anna_before,
        5_000 + 1_000 + 100 + 100
    );
    assert_eq!(paid(app, &ben).await - ben_before, 2_000 + 2_000);
    let how: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT entry_key, matched_by FROM bank_entries WHERE state = 'booked' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("entries");
    assert_eq!(how[0].1.as_deref(), Some("rf"));
    assert_eq!(
        how[1].1.as_deref(),
        Some("reference"),
        "found in the remittance text"
    );

    // Each booking is allocated and on the timeline with its allocation.
    assert_eq!(
        scalar(app, "SELECT COUNT(DISTINCT payment_id) FROM payment_allocations WHERE payment_id IN (SELECT payment_id FROM bank_entries WHERE state = 'booked')").await,
        6
    );
    let detail: String = sqlx::query_scalar(
        "SELECT e.detail FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE c.reference = $1 AND e.kind = 'payment_received' ORDER BY e.id LIMIT 1",
    )
    .bind(&anna)
    .fetch_one(app.db.pool())
    .await
    .expect("event");
    assert!(
        detail.contains("\"allocation\"") && detail.contains("\"amount\":\"50.00\""),
        "{detail}"
    );

    // Dieter's name matched: a suggestion, not a booking, and his case is in the work queue.
    let dieter_id = case_id(app, &dieter).await;
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM bank_entries WHERE state = 'unmatched' AND suggested_case_id = {dieter_id}")).await,
        1
    );
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM work_items WHERE case_id = {dieter_id} AND kind = 'unmatched_payment' AND done_at IS NULL")).await,
        1
    );
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM bank_entries WHERE state = 'review' AND note IN ('reversal', 'batch_sum_mismatch')").await,
        2
    );

    // The same file again books nothing.
    let again = import(app, "s1-again.xml", first).await.expect("imported");
    assert_eq!(
        (again.booked, again.duplicates, again.ignored),
        (0, 11, 2),
        "{again:?}"
    );
    // A newer statement in another version and namespace style that overlaps the first.
    let overlap = file(
        CAMT053_V08_PREFIXED,
        "S-2",
        ACCOUNT,
        &[
            Entry::credit(5_000, "2027-01-04", "E-1", tx_rf(None, &anna)),
            Entry::credit(1_500, "2027-01-06", "E-10", tx_rf(None, &ben)),
        ],
    );
    let second = import(app, "s2.xml", overlap).await.expect("imported");
    assert_eq!(second.format, "camt.053.001.08");
    assert_eq!((second.booked, second.duplicates), (1, 1), "{second:?}");
    assert_eq!(paid(app, &anna).await - anna_before, 6_200, "nothing twice");
    assert_eq!(paid(app, &ben).await - ben_before, 5_500);
}

on_both_backends!(
    several_versions_reconciled_once,
    statements_of_several_versions_are_reconciled_once
);

async fn another_agencys_case_is_never_booked_from_this_agencys_statement(app: &TestApp) {
    sqlx::query("INSERT INTO agencies (id, name, reply_days, created_at, updated_at) VALUES (2, 'Other', 2, 0, 0)")
        .execute(app.db.pool())
        .await
        .expect("agency");
    let anna = app.debtor(0).reference.clone();
    // Anna's creditor now belongs to the other agency.
    sqlx::query("UPDATE creditors SET agency_id = 2")
        .execute(app.db.pool())
        .await
        .expect("move");
    let before = paid(app, &anna).await;
    let report = import(
        app,
        "s.xml",
        file(
            CAMT054_V08,
            "N-1",
            ACCOUNT,
            &[Entry::credit(
                1_000,
                "2027-01-04",
                "X-1",
                tx_rf(None, &anna),
            )],
        ),
    )
    .await
    .expect("imported");
    assert_eq!((report.booked, report.unmatched), (0, 1));
    assert_eq!(paid(app, &anna).await, before);
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM bank_entries WHERE suggested_case_id IS NOT NULL"
        )
        .await,
        0,
        "not even suggested"
    );
}

on_both_backends!(
    another_agencys_case,
    another_agencys_case_is_never_booked_from_this_agencys_statement
);

async fn hostile_and_broken_files_are_refused_whole(app: &TestApp) {
    let anna = app.debtor(0).reference.clone();
    let before = paid(app, &anna).await;
    let good = file(
        CAMT054_V08,
        "H-1",
        ACCOUNT,
        &[Entry::credit(
            1_000,
            "2027-01-04",
            "H-1",
            tx_rf(None, &anna),
        )],
    );
    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n{}",
        good.split_once("?>\n").expect("declaration").1.replace("<Ustrd>", "<Ustrd>&lol2;")
    );
    let external = good.replacen(
        "?>\n",
        "?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n",
        1,
    );
    let deep = format!(
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">{}{}</Document>",
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    let not_camt = good.replace("camt.054.001.08", "pain.001.001.09");
    let truncated = good[..good.len() / 2].to_string();
    // A bad amount in the third entry: the two good ones before it are not booked either.
    let bad_amount = file(
        CAMT054_V08,
        "H-2",
        ACCOUNT,
        &[
            Entry::credit(1_000, "2027-01-04", "H-2a", tx_rf(None, &anna)),
            Entry::credit(1_000, "2027-01-04", "H-2b", tx_rf(None, &anna)),
            Entry::credit(1_000, "2027-01-04", "H-2c", tx_rf(None, &anna)),
        ],
    )
    .replacen("<Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2027-01-04</Dt></BookgDt><ValDt><DtTm>2027-01-04T09:30:00+01:00</DtTm></ValDt><AcctSvcrRef>H-2c", "<Amt Ccy=\"EUR\">10,00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2027-01-04</Dt></BookgDt><ValDt><DtTm>2027-01-04T09:30:00+01:00</DtTm></ValDt><AcctSvcrRef>H-2c", 1);
    assert!(
        bad_amount.contains("10,00"),
        "the fixture breaks the third amount"
    );
    let bad_date = good.replace("<Dt>2027-01-04</Dt>", "<Dt>04.01.2027</Dt>");
    let huge_text = good.replace("Someone", &"x".repeat(10_000));
    let empty = "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/></Document>".to_string();
    let cases: Vec<(&str, String, &str)> = vec![
        ("billion laughs", laughs, "DOCTYPE"),
        ("external entity", external, "DOCTYPE"),
        ("deep nesting", deep, "deeper"),
        ("not camt", not_camt, "not a camt.053 or camt.054"),
        ("truncated", truncated, "not well-formed"),
        ("bad amount", bad_amount, "entry 3: the amount"),
        ("bad date", bad_date, "the date"),
        ("huge text", huge_text, "longer than"),
        ("empty", empty, "no statement"),
    ];
    for (what, xml, says) in cases {
        let result = import(app, what, xml).await;
        let Err(BankError::File(e)) = result else {
            panic!("{what}: refused as a file, got {result:?}");
        };
        assert!(e.to_string().contains(says), "{what}: {e}");
    }
    assert_eq!(paid(app, &anna).await, before, "nothing booked");
    assert_eq!(scalar(app, "SELECT COUNT(*) FROM bank_entries").await, 0);
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM bank_imports WHERE state = 'failed'"
        )
        .await,
        9
    );
    // The good file still goes in afterwards.
    assert_eq!(import(app, "good.xml", good).await.expect("ok").booked, 1);
}

on_both_backends!(
    hostile_files_refused,
    hostile_and_broken_files_are_refused_whole
);

async fn a_payment_of_the_whole_balance_closes_the_case_with_thanks(app: &TestApp) {
    let ben = app.debtor(1).reference.clone();
    let open = balance(app, &ben).await;
    assert!(open > 0);
    let report = import(
        app,
        "full.xml",
        file(
            CAMT054_V08,
            "F-1",
            ACCOUNT,
            &[Entry::credit(open, "2027-01-04", "F-1", tx_rf(None, &ben))],
        ),
    )
    .await
    .expect("imported");
    assert_eq!(report.booked, 1);
    assert_eq!(case_state(app, &ben).await, "closed");
    let thanks: String = sqlx::query_scalar(
        "SELECT o.payload FROM outbox o JOIN cases c ON c.id = o.case_id WHERE c.reference = $1 AND o.dedupe_key LIKE '%paid_in_full'",
    )
    .bind(&ben)
    .fetch_one(app.db.pool())
    .await
    .expect("a thank-you email");
    assert!(
        thanks.contains("https://nordlicht.demo.example"),
        "links to the creditor's site"
    );
    // Money for a closed case is never booked on it automatically: a person looks.
    let late = import(
        app,
        "late.xml",
        file(
            CAMT054_V08,
            "F-2",
            ACCOUNT,
            &[Entry::credit(500, "2027-01-05", "F-2", tx_rf(None, &ben))],
        ),
    )
    .await
    .expect("imported");
    assert_eq!((late.booked, late.review), (0, 1));
    assert_eq!(balance(app, &ben).await, 0);
}

on_both_backends!(
    paid_in_full_closes,
    a_payment_of_the_whole_balance_closes_the_case_with_thanks
);

/// The entries of one statement are booked together (one statement per table), but each as if
/// alone after the ones before it: allocated to what is still open, closing the case once, and
/// reported to the creditor's webhook with the case as it was at that moment.
async fn payments_on_one_case_in_one_statement_each_see_the_ones_before(app: &TestApp) {
    let ben = app.debtor(1).reference.clone();
    let ben_id = case_id(app, &ben).await;
    let state_before = case_state(app, &ben).await;
    sqlx::query(
        "UPDATE creditors SET webhook_url = 'https://hooks.example/rapport', webhook_secret = 'rws_test'
         WHERE id = (SELECT creditor_id FROM cases WHERE id = $1)",
    )
    .bind(ben_id)
    .execute(app.db.pool())
    .await
    .expect("webhook address");
    let open = balance(app, &ben).await;
    assert!(open > 1_000, "{open}");
    let entries = [
        Entry::credit(1_000, "2027-01-04", "O-1", tx_rf(None, &ben)),
        Entry::credit(open - 1_000, "2027-01-04", "O-2", tx_rf(None, &ben)),
        Entry::credit(500, "2027-01-04", "O-3", tx_rf(None, &ben)),
    ];
    let report = import(app, "o.xml", file(CAMT053_V02, "O", ACCOUNT, &entries))
        .await
        .expect("imported");
    assert_eq!((report.booked, report.review), (2, 1), "{report:?}");
    assert_eq!(balance(app, &ben).await, 0);
    assert_eq!(case_state(app, &ben).await, "closed");
    assert_eq!(
        text(
            app,
            "SELECT note FROM bank_entries WHERE entry_key LIKE '%:O-3'"
        )
        .await,
        "case_closed",
        "the third payment finds the case closed by the second"
    );
    // Allocated to what was still open: no item received more than it asked for.
    assert_eq!(
        scalar(
            app,
            &format!(
                "SELECT COUNT(*) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id WHERE cl.case_id = {ben_id}
                   AND i.amount_minor < (SELECT COALESCE(SUM(a.amount_minor), 0) FROM payment_allocations a WHERE a.item_id = i.id)"
            )
        )
        .await,
        0
    );
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM payment_allocations WHERE case_id = {ben_id} AND kind = 'credit'")).await,
        0,
        "nothing kept as credit"
    );
    // Every payment's allocation adds up to the payment.
    assert_eq!(
        scalar(
            app,
            &format!(
                "SELECT COUNT(*) FROM payments p WHERE p.case_id = {ben_id}
                   AND p.amount_minor <> (SELECT COALESCE(SUM(a.amount_minor), 0) FROM payment_allocations a WHERE a.payment_id = p.id)
                   AND EXISTS (SELECT 1 FROM payment_allocations a WHERE a.payment_id = p.id)"
            )
        )
        .await,
        0
    );
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM case_events WHERE case_id = {ben_id} AND kind = 'case_closed'")).await,
        1
    );
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM outbox WHERE case_id = {ben_id} AND dedupe_key LIKE 'payment:bank:%:receipt'")).await,
        2,
        "a receipt per booked payment"
    );
    assert_eq!(
        scalar(app, &format!("SELECT COUNT(*) FROM outbox WHERE case_id = {ben_id} AND dedupe_key LIKE '%paid_in_full'")).await,
        1
    );
    let hooks: Vec<(String, String)> = sqlx::query_as(
        "SELECT event_type, payload FROM webhook_deliveries WHERE case_id = $1 ORDER BY id",
    )
    .bind(ben_id)
    .fetch_all(app.db.pool())
    .await
    .expect("deliveries");
    let hooks: Vec<(String, serde_json::Value)> = hooks
        .into_iter()
        .map(|(t, p)| (t, serde_json::from_str(&p).expect("json")))
        .collect();
    let types: Vec<&str> = hooks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["payment.received", "payment.received", "case.closed"]
    );
    let first = &hooks[0].1["data"];
    assert_eq!(first["case_reference"], ben.as_str());
    assert_eq!(first["case_state"], state_before.as_str());
    assert_eq!(first["payment"]["amount"], "10.00");
    assert_eq!(first["payment"]["method"], "transfer");
    let eur = |m: i64| format!("{}.{:02}", m / 100, m % 100);
    assert_eq!(hooks[1].1["data"]["payment"]["amount"], eur(open - 1_000));
    let allocated: i64 = ["costs", "interest", "principal", "credit"]
        .iter()
        .map(|k| {
            let v = hooks[1].1["data"]["payment"]["allocation"][k]
                .as_str()
                .expect("amount");
            let (units, cents) = v.split_once('.').expect("decimal");
            units.parse::<i64>().expect("units") * 100 + cents.parse::<i64>().expect("cents")
        })
        .sum();
    assert_eq!(
        allocated,
        open - 1_000,
        "the webhook reports the allocation"
    );
    assert_eq!(hooks[2].1["data"]["case_state"], "closed");
}
on_both_backends!(
    one_statement_books_in_order,
    payments_on_one_case_in_one_statement_each_see_the_ones_before
);

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

/// Puts trigger `name` on payments of `amount` (`when`: BEFORE or AFTER the insert), running the
/// statement `pg` on PostgreSQL or `sqlite` on SQLite; returns the statements that remove it.
async fn on_payment_of(
    app: &TestApp,
    (name, when, amount): (&str, &str, i64),
    pg: &str,
    sqlite: &str,
) -> Vec<String> {
    let (create, drop) = if app.db.backend() == server::config::Backend::Postgres {
        (
            vec![
                format!(
                    "CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN
                       IF NEW.amount_minor = {amount} THEN {pg}; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                ),
                format!("CREATE TRIGGER {name} {when} INSERT ON payments FOR EACH ROW EXECUTE FUNCTION {name}()"),
            ],
            vec![format!("DROP TRIGGER {name} ON payments"), format!("DROP FUNCTION {name}()")],
        )
    } else {
        (
            vec![format!(
                "CREATE TRIGGER {name} {when} INSERT ON payments WHEN NEW.amount_minor = {amount}
                 BEGIN {sqlite}; END"
            )],
            vec![format!("DROP TRIGGER {name}")],
        )
    };
    run_all(app, &create).await;
    drop
}

async fn run_all(app: &TestApp, statements: &[String]) {
    for sql in statements {
        sqlx::query(sql)
            .execute(app.db.pool())
            .await
            .expect("statement");
    }
}

async fn a_booking_that_fails_keeps_the_entries_before_it_and_books_nothing_twice(app: &TestApp) {
    let anna = app.debtor(0).reference.clone();
    let ben = app.debtor(1).reference.clone();
    let anna_before = paid(app, &anna).await;
    let ben_before = paid(app, &ben).await;
    // The database refuses one payment (42.42), as a full disk or a lost connection would refuse
    // a write in the middle of a statement's batch.
    let drop = on_payment_of(
        app,
        ("refuse_4242", "BEFORE", 4_242),
        "RAISE EXCEPTION 'refused for the test'",
        "SELECT RAISE(ABORT, 'refused for the test')",
    )
    .await;
    let tx = |reference: &str| Tx {
        rf: Some(rf_for(reference)),
        ..Tx::default()
    };
    let entries = [
        Entry::credit(1_000, "2026-11-20", "F-1", tx(&anna)),
        Entry::credit(4_242, "2026-11-20", "F-2", tx(&ben)),
        Entry::credit(2_000, "2026-11-20", "F-3", tx(&ben)),
    ];
    let xml = file(CAMT053_V02, "F", ACCOUNT, &entries);
    let failed = import(app, "f.xml", xml.clone()).await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(
        paid(app, &anna).await - anna_before,
        1_000,
        "the entry before is booked"
    );
    assert_eq!(
        paid(app, &ben).await,
        ben_before,
        "nothing of or after the failure"
    );
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(*) FROM bank_entries WHERE entry_key LIKE '%F-%'"
        )
        .await,
        1,
        "no half-booked entry"
    );

    run_all(app, &drop).await;
    let report = import(app, "f.xml", xml).await.expect("imported again");
    assert_eq!((report.booked, report.duplicates), (2, 1), "{report:?}");
    assert_eq!(paid(app, &anna).await - anna_before, 1_000, "booked once");
    assert_eq!(paid(app, &ben).await - ben_before, 4_242 + 2_000);
}
on_both_backends!(
    a_failed_batch_loses_nothing,
    a_booking_that_fails_keeps_the_entries_before_it_and_books_nothing_twice
);

async fn an_entry_another_import_stores_meanwhile_is_not_booked_twice(app: &TestApp) {
    let anna = app.debtor(0).reference.clone();
    let ben = app.debtor(1).reference.clone();
    let anna_before = paid(app, &anna).await;
    let ben_before = paid(app, &ben).await;
    // While this import books the payment of 43.43, "another import" stores the same entry (a
    // trigger plays it): the entry was not stored when this import looked, and is when it stores.
    let store_it = "INSERT INTO bank_entries (import_id, agency_id, entry_key, part, value_date, amount_minor, currency,
                                              remittance, state, note, created_at, updated_at)
                    SELECT MAX(id), 1, 'DE89370400440532013000:R-2', 0, '2026-11-20', 4343, 'EUR', 'other import',
                           'unmatched', '', 0, 0 FROM bank_imports";
    let drop = on_payment_of(app, ("store_it", "AFTER", 4_343), store_it, store_it).await;
    let tx = |reference: &str| Tx {
        rf: Some(rf_for(reference)),
        ..Tx::default()
    };
    let entries = [
        Entry::credit(1_000, "2026-11-20", "R-1", tx(&anna)),
        Entry::credit(4_343, "2026-11-20", "R-2", tx(&ben)),
    ];
    let report = import(app, "r.xml", file(CAMT053_V02, "R", ACCOUNT, &entries))
        .await
        .expect("imported");
    assert_eq!((report.booked, report.duplicates), (1, 1), "{report:?}");
    assert_eq!(paid(app, &anna).await - anna_before, 1_000);
    assert_eq!(
        paid(app, &ben).await,
        ben_before,
        "the entry the other import stored is not booked here as well"
    );
    run_all(app, &drop).await;
}
on_both_backends!(
    a_race_books_nothing_twice,
    an_entry_another_import_stores_meanwhile_is_not_booked_twice
);

async fn a_large_statement_refreshes_the_planner_statistics_as_it_grows(app: &TestApp) {
    let entries: Vec<Entry> = (0..1_000)
        .map(|n| {
            Entry::credit(
                500,
                "2026-11-21",
                &format!("L-{n:04}"),
                Tx {
                    text: "Zahlung ohne Angabe".into(),
                    ..Tx::default()
                },
            )
        })
        .collect();
    let report = import(app, "l.xml", file(CAMT053_V02, "L", ACCOUNT, &entries))
        .await
        .expect("imported");
    assert_eq!(
        (report.entries, report.unmatched),
        (1_000, 1_000),
        "{report:?}"
    );
    if app.db.backend() == server::config::Backend::Postgres {
        // Analysed during the import (the tests' database is new, and nothing else analyses it).
        assert_eq!(
            scalar(
                app,
                "SELECT COUNT(*) FROM pg_stat_user_tables
                 WHERE relname = 'bank_entries' AND last_analyze IS NOT NULL"
            )
            .await,
            1
        );
    }
}
/// A batch booking of 3,200 payments is one batch of 3,200 parts, 21 values each: more than one
/// statement takes on either database (SQLite 32,766, PostgreSQL 65,535). All of it is stored
/// (in several statements; the unit tests of `db` check the splitting itself).
async fn a_batch_booking_larger_than_one_statement_is_stored_whole(app: &TestApp) {
    let txs: Vec<Tx> = (0..3_200)
        .map(|n| Tx {
            amount: Some(100),
            text: format!("Sammelzahlung Teil {n}"),
            ..Tx::default()
        })
        .collect();
    let entry = Entry {
        txs,
        ..Entry::credit(320_000, "2026-11-22", "BIG-1", Tx::default())
    };
    let report = import(app, "big.xml", file(CAMT053_V02, "BIG", ACCOUNT, &[entry]))
        .await
        .expect("imported");
    assert_eq!((report.entries, report.unmatched), (1, 3_200), "{report:?}");
    assert_eq!(
        scalar(
            app,
            "SELECT COUNT(DISTINCT part) FROM bank_entries WHERE entry_key LIKE '%:BIG-1'"
        )
        .await,
        3_200
    );
}
on_both_backends!(
    batch_larger_than_a_statement,
    a_batch_booking_larger_than_one_statement_is_stored_whole
);

on_both_backends!(
    large_statement_statistics,
    a_large_statement_refreshes_the_planner_statistics_as_it_grows
);

async fn a_statement_of_another_account_or_without_one_configured_books_nothing(app: &TestApp) {
    let anna = app.debtor(0).reference.clone();
    let before = paid(app, &anna).await;
    let statement = |account: &str| {
        file(
            CAMT053_V02,
            "A-1",
            account,
            &[Entry::credit(
                2_500,
                "2027-01-04",
                "A-1",
                tx_rf(None, &anna),
            )],
        )
        .into_bytes()
    };
    let run = |iban: Option<&str>, bytes: Vec<u8>| {
        let to = app::server::ports::StatementAccount {
            agency_id: 1,
            iban: iban.map(str::to_string),
        };
        async move {
            import_statement(
                &app.db,
                &to,
                "a.xml",
                move || Ok(std::io::Cursor::new(bytes.clone())),
                "test",
                app.clock_now(),
                &app.address,
            )
            .await
        }
    };
    let foreign = run(Some(ACCOUNT), statement("DE02120300000000202051")).await;
    assert!(
        matches!(&foreign, Err(BankError::ForeignAccount { found: Some(f) }) if f == "DE02120300000000202051"),
        "{foreign:?}"
    );
    let unconfigured = run(None, statement(ACCOUNT)).await;
    assert!(
        matches!(unconfigured, Err(BankError::NoAccount)),
        "{unconfigured:?}"
    );
    assert_eq!(paid(app, &anna).await, before, "nothing was booked");
    assert_eq!(
        scalar(app, "SELECT COUNT(*) FROM bank_entries").await,
        0,
        "nothing of either file was stored"
    );
    let ours = run(Some(ACCOUNT), statement(ACCOUNT))
        .await
        .expect("imported");
    assert_eq!(ours.booked, 1, "the agency's own statement books");
}
on_both_backends!(
    statement_account,
    a_statement_of_another_account_or_without_one_configured_books_nothing
);
