//! Storage facts that hold for both backends: identical migration folders, idempotent demo data.

use crate::helpers::TestApp;
use crate::on_both_backends;
use server::db::migration_versions;
use server::demo::ensure_demo;

#[test]
fn both_migration_folders_list_the_same_versions() {
    let (sqlite, postgres) = migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

async fn seeding_the_demo_twice_changes_nothing(app: &TestApp) {
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM staff_users)",
        )
        .fetch_one(app.db.pool())
        .await
        .expect("count")
    };
    let before = count().await;
    let again = ensure_demo(&app.db, &app.address, app_now(app))
        .await
        .expect("seed again");
    assert!(!again.created);
    assert_eq!(count().await, before);
    assert_eq!(before, 26 + 3);
    assert_eq!(
        again.debtors[0].access_code, app.demo.debtors[0].access_code,
        "the same codes are printed"
    );
}
on_both_backends!(demo_is_idempotent, seeding_the_demo_twice_changes_nothing);

fn app_now(app: &TestApp) -> i64 {
    use app::server::ports::Clock;
    app.clock.now_ms()
}

async fn the_seeded_legal_tables_compute_interest_and_can_be_extended(app: &TestApp) {
    use app::domain::interest::{
        default_interest, parameters_on, BaseRateTable, Conventions, DebtorKind, InterestError,
        PrincipalFrom,
    };
    use app::domain::{Currency, Money};
    use app::server::ports::LegalTables;
    use chrono::NaiveDate;

    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let table = BaseRateTable::new(app.db.base_rates().await.expect("rates load"))
        .expect("the seed is a valid table");
    assert_eq!(table.rate_on(d("2020-05-01")), Ok(-88));
    assert_eq!(table.rate_on(d("2025-07-01")), Ok(127));
    let params = app
        .db
        .statutory_parameters()
        .await
        .expect("parameters load");
    let margin = parameters_on(&params, d("2026-01-01"))
        .expect("known")
        .margin_bp(DebtorKind::Business);
    assert_eq!(margin, 900);

    let history = [PrincipalFrom {
        date: d("2026-06-01"),
        principal: Money::new(100_000, Currency::EUR),
    }];
    let until = d("2026-08-01");
    let before = default_interest(&table, margin, &history, until, Conventions::default());
    assert_eq!(
        before,
        Err(InterestError::NoBaseRate(d("2026-07-01"))),
        "no guess for an unpublished half-year"
    );

    server::legal::set_base_rate(&app.db, d("2026-07-01"), "1.27", "test", 0)
        .await
        .expect("a new half-year");
    assert!(
        server::legal::set_base_rate(&app.db, d("2026-08-01"), "1.27", "test", 0)
            .await
            .is_err(),
        "not a half-year"
    );
    let table =
        BaseRateTable::new(app.db.base_rates().await.expect("rates load")).expect("still valid");
    let calc = default_interest(&table, margin, &history, until, Conventions::default())
        .expect("now known");
    assert_eq!(calc.lines.len(), 2, "split at 1 July");
    assert!(server::legal::list_base_rates(&app.db)
        .await
        .expect("list")
        .contains("2026-07-01"));
}
on_both_backends!(
    legal_tables,
    the_seeded_legal_tables_compute_interest_and_can_be_extended
);

async fn every_demo_interest_item_is_what_the_interest_engine_computes(app: &TestApp) {
    use app::domain::interest::{segment_interest, Conventions};
    use app::domain::{Currency, Money};
    use chrono::NaiveDate;
    let rows: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
        "SELECT amount_minor, interest_base_minor, interest_rate_bp, period_start, period_end
         FROM claim_items WHERE kind = 'interest'",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("interest items");
    assert!(!rows.is_empty());
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    for (amount, base, rate, from, to) in rows {
        let computed = segment_interest(
            Money::new(base, Currency::EUR),
            i32::try_from(rate).expect("bp"),
            d(&from),
            d(&to) + chrono::Days::new(1), // the period's last day is charged
            Conventions::default(),
        )
        .expect("computes");
        assert_eq!(
            computed.minor, amount,
            "{base} at {rate} bp from {from} to {to}"
        );
    }
}
on_both_backends!(
    demo_interest,
    every_demo_interest_item_is_what_the_interest_engine_computes
);

/// The debtor's case page reads its lists as JSON built by the database (one statement per
/// part of the page). What a person wrote must come back exactly: quotes, backslashes, line
/// breaks, umlauts, emoji and markup, and integers beyond a double's 53 bits without rounding.
async fn text_and_numbers_come_back_exactly_through_the_case_pages_lists(app: &TestApp) {
    use app::server::ports::{CasePages, Dialogue};
    let case = crate::helpers::case_id(app, "AKTE-2026-000101").await;
    let written = "Grüße \"zitiert\" \\ rück\\\\wärts\nzweite Zeile\ttab 😀 </script><b>&amp;";
    let huge: i64 = (1 << 53) + 1;
    sqlx::query(
        "INSERT INTO messages (case_id, author_kind, body, submission_key, created_at, updated_at)
         VALUES ($1, 'handler', $2, 'exact-1', $3, $3)",
    )
    .bind(case)
    .bind(written)
    .bind(huge)
    .execute(app.db.pool())
    .await
    .expect("message");
    sqlx::query(
        "INSERT INTO disputes (case_id, kind, body, answer_due_on, submission_key, created_at, updated_at, answer)
         VALUES ($1, 'complaint', $2, '2026-12-31', 'exact-2', 1, 1, $2)",
    )
    .bind(case)
    .bind(written)
    .execute(app.db.pool())
    .await
    .expect("dispute");
    sqlx::query(
        "UPDATE claims SET subject = $2 WHERE id = (SELECT MIN(id) FROM claims WHERE case_id = $1)",
    )
    .bind(case)
    .bind(written)
    .execute(app.db.pool())
    .await
    .expect("claim");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");

    let dialogue = app.db.dialogue(case, today).await.expect("dialogue");
    let message = dialogue
        .messages
        .iter()
        .find(|m| m.at_ms == huge)
        .expect("the message, with its exact instant");
    assert_eq!(message.body, written);
    let dispute = dialogue.disputes.last().expect("the dispute");
    assert_eq!(dispute.body, written);
    assert_eq!(dispute.answer.as_deref(), Some(written));
    assert_eq!(
        dispute.answer_due_on,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")
    );

    let view = app
        .db
        .case_view(case, today)
        .await
        .expect("case view")
        .expect("the case");
    assert!(
        view.claims.iter().any(|c| c.subject == written),
        "the claim's subject as written"
    );
    assert!(view.claims.iter().all(|c| !c.items.is_empty()));
}
on_both_backends!(
    json_lists_are_exact,
    text_and_numbers_come_back_exactly_through_the_case_pages_lists
);

/// The case page reads the case, its dialogue and the engine's view of it on one connection; what
/// it reads is what the three reads on their own give, for a case with messages, a dispute, a
/// hold and payments, and nothing for a case that does not exist.
async fn the_case_page_reads_what_the_three_reads_give(app: &TestApp) {
    use app::server::ports::{CasePages, Dialogue, Dunning};
    let case = crate::helpers::case_id(app, "AKTE-2026-000101").await;
    sqlx::query(
        "INSERT INTO messages (case_id, author_kind, body, submission_key, created_at, updated_at)
         VALUES ($1, 'debtor', 'Bitte um Rückruf', 'page-1', 5, 5)",
    )
    .bind(case)
    .execute(app.db.pool())
    .await
    .expect("message");
    sqlx::query(
        "INSERT INTO holds (case_id, reason, from_date, until_date, created_at, updated_at)
         VALUES ($1, 'dispute', '2026-11-20', '2026-12-20', 5, 5)",
    )
    .bind(case)
    .execute(app.db.pool())
    .await
    .expect("hold");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let page = app
        .db
        .case_page(case, today)
        .await
        .expect("case page")
        .expect("the case");
    assert_eq!(
        Some(page.case),
        app.db.case_view(case, today).await.expect("case view")
    );
    assert_eq!(
        page.dialogue,
        app.db.dialogue(case, today).await.expect("dialogue")
    );
    assert!(page.dialogue.on_hold, "the hold is counted");
    assert!(page
        .dialogue
        .messages
        .iter()
        .any(|m| m.body == "Bitte um Rückruf"));
    let dunning = app
        .db
        .dunning_case_by_id(case, today)
        .await
        .expect("dunning case");
    assert_eq!(page.dunning, dunning);
    assert_eq!(
        dunning.expect("the engine's view").pauses.len(),
        1,
        "the hold pauses the clock"
    );
    assert!(app
        .db
        .case_page(i64::MAX, today)
        .await
        .expect("no error")
        .is_none());
}
on_both_backends!(
    case_page_in_one_go,
    the_case_page_reads_what_the_three_reads_give
);
