//! Bank statements: camt.053 and camt.054 of several versions and namespace styles, batch bookings,
//! reversals, duplicates and overlapping statements, hostile XML, the agency's own cases only, and
//! the handler's decisions on what could not be matched.

use crate::camt_fixture::{
    file, rf_for, Entry, Tx, CAMT053_V02, CAMT053_V08_PREFIXED, CAMT054_V08,
};
use crate::helpers::{case_id, case_state, scalar, TestApp};
use crate::on_both_backends;
use server::db::bank::{import_statement, BankError, ImportReport};

pub(super) const ACCOUNT: &str = "DE89370400440532013000";

pub(super) async fn import(
    app: &TestApp,
    name: &str,
    xml: String,
) -> Result<ImportReport, BankError> {
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
pub(super) async fn balance(app: &TestApp, reference: &str) -> i64 {
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

pub(super) async fn paid(app: &TestApp, reference: &str) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM payments p JOIN cases c ON c.id = p.case_id
             WHERE c.reference = '{reference}'"
        ),
    )
    .await
}

pub(super) fn tx_rf(amount: Option<i64>, reference: &str) -> Tx {
    Tx {
        amount,
        rf: Some(rf_for(reference)),
        payer: Some("Someone".into()),
        ..Tx::default()
    }
}

pub(super) fn tx_text(amount: Option<i64>, text: &str) -> Tx {
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
