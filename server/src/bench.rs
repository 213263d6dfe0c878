//! A realistic volume of data for the benchmarks (`server bench-seed`, used by `./dev bench`):
//! creditors with their classes, and cases spread over them, each with a debtor, a claim and its
//! principal; every tenth case with a debtor's message and its work item, every fifth with a
//! payment. Written in transactions of 1,000 cases. Never for a production database: the debtors
//! are invented.

use crate::db::Db;
use crate::intake::{create_creditor, NewCreditor};

/// What seeding made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub creditors: usize,
    pub cases: usize,
}

/// Adds `creditors` creditors and `cases` cases (with debtors, claims, messages, payments).
pub async fn seed(
    db: &Db,
    creditors: usize,
    cases: usize,
    now: i64,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<Seeded> {
    anyhow::ensure!(creditors > 0, "at least one creditor");
    let mut ids = Vec::with_capacity(creditors);
    for n in 0..creditors {
        let id = create_creditor(
            db,
            &NewCreditor {
                name: format!("Benchmark-Gläubiger {n:02} GmbH"),
                street: format!("Lastweg {n}"),
                postcode: "20095".into(),
                city: "Hamburg".into(),
                country: "Deutschland".into(),
                email: None,
                website: None,
            },
            now,
        )
        .await?;
        let class: i64 = sqlx::query_scalar(
            "SELECT id FROM treatment_classes WHERE creditor_id = $1 AND key = 'standard'",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await?;
        ids.push((id, class));
    }
    let start: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM cases")
        .fetch_one(db.pool())
        .await?;
    let mut done = 0;
    while done < cases {
        let batch = (cases - done).min(1_000);
        let mut tx = db.pool().begin().await?;
        for i in done..done + batch {
            let (creditor, class) = ids[i % ids.len()];
            let n = start as usize + i + 1;
            let debtor: i64 = sqlx::query_scalar(
                "INSERT INTO debtors (creditor_id, customer_number, kind, name, street, postcode, city, country,
                                      email, language, created_at, updated_at)
                 VALUES ($1, $2, 'consumer', $3, $4, '10115', 'Berlin', 'Deutschland', $5, 'de', $6, $6) RETURNING id",
            )
            .bind(creditor)
            .bind(format!("B-{n:07}"))
            .bind(format!("Kundin Nummer {n}"))
            .bind(format!("Lindenweg {}", n % 200 + 1))
            .bind(format!("kundin{n}@bench.example"))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let case: i64 = sqlx::query_scalar(
                "INSERT INTO cases (reference, creditor_id, debtor_id, currency, state, treatment_class_id, created_at, updated_at)
                 VALUES ($1, $2, $3, 'EUR', 'open', $4, $5, $5) RETURNING id",
            )
            .bind(format!("BENCH-{n:08}"))
            .bind(creditor)
            .bind(debtor)
            .bind(class)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let claim: i64 = sqlx::query_scalar(
                "INSERT INTO claims (case_id, creditor_id, external_id, subject, contract_date, invoice_number, due_date,
                                     created_at, updated_at)
                 VALUES ($1, $2, $3, 'Stromlieferung', '2026-08-01', $3, '2026-09-01', $4, $4) RETURNING id",
            )
            .bind(case)
            .bind(creditor)
            .bind(format!("RE-{n:08}"))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO claim_items (claim_id, kind, description, item_date, amount_minor, currency, created_at, updated_at)
                 VALUES ($1, 'principal', 'Rechnung', '2026-08-01', $2, 'EUR', $3, $3)",
            )
            .bind(claim)
            .bind(5_000 + (n as i64 % 50) * 1_000)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if n.is_multiple_of(10) {
                sqlx::query(
                    "INSERT INTO messages (case_id, author_kind, body, submission_key, created_at, updated_at)
                     VALUES ($1, 'debtor', 'Ich melde mich wegen einer Ratenzahlung.', $2, $3, $3)",
                )
                .bind(case)
                .bind(format!("bench-{n}"))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at)
                     VALUES ($1, 'message', $2, $2, $2)",
                )
                .bind(case)
                .bind(now + 2 * 86_400_000)
                .execute(&mut *tx)
                .await?;
            }
            if n.is_multiple_of(5) {
                sqlx::query(
                    "INSERT INTO payments (case_id, amount_minor, currency, value_date, method, created_at, updated_at)
                     VALUES ($1, 1000, 'EUR', '2026-10-01', 'transfer', $2, $2)",
                )
                .bind(case)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        done += batch;
        progress(done);
    }
    Ok(Seeded { creditors, cases })
}
