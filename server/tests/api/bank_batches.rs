//! Statements in batches: bookings in order within one statement, a failed batch, a race between imports, statements larger than one SQL statement.

use super::bank::{balance, import, paid, tx_rf, ACCOUNT};
use crate::camt_fixture::{file, rf_for, Entry, Tx, CAMT053_V02};
use crate::helpers::{case_id, case_state, scalar, text, TestApp};
use crate::on_both_backends;

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
