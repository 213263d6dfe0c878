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
    // Numbered from the benchmark cases there are (not from the demo's), so that the statement of
    // `bench-files` names BENCH-00000001 … exactly the cases seeded first.
    let start: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE reference LIKE 'BENCH-%'")
            .fetch_one(db.pool())
            .await?;
    let mut done = 0;
    while done < cases {
        let batch = (cases - done).min(1_000);
        let mut tx = db.begin_write().await?;
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
    refresh_statistics(db).await?;
    Ok(Seeded { creditors, cases })
}

const RAW_INSERT: &str =
    "INSERT INTO bench_raw_inserts (id, reference, amount_minor, note, created_at)";

/// A row of the raw insert rate: id (also its amount and time) and reference.
fn bind_raw<'q>(
    q: crate::db::AnyQuery<'q>,
    (i, reference): &'q (i64, String),
) -> crate::db::AnyQuery<'q> {
    q.bind(*i)
        .bind(reference.as_str())
        .bind(1_000 + *i)
        .bind("Rohe Einfügung zum Vergleich")
        .bind(*i)
}

/// The database's raw insert rate, the yardstick of the batch benchmarks: `rows` narrow rows
/// (a reference, an amount, a text, a time) into a scratch table in transactions of 1,000, one
/// statement per row — or, `together`, as many rows per statement as the batch work writes
/// (`db::insert_rows`): the ceiling of what batch work that writes that way can reach. Returns
/// rows per second; the table is dropped again.
pub async fn raw_insert_rate(db: &Db, rows: usize, together: bool) -> anyhow::Result<f64> {
    sqlx::query("DROP TABLE IF EXISTS bench_raw_inserts")
        .execute(db.pool())
        .await?;
    sqlx::query(
        "CREATE TABLE bench_raw_inserts (id BIGINT PRIMARY KEY, reference TEXT NOT NULL,
                                         amount_minor BIGINT NOT NULL, note TEXT NOT NULL, created_at BIGINT NOT NULL)",
    )
    .execute(db.pool())
    .await?;
    settle(db).await?;
    let started = std::time::Instant::now();
    let mut done = 0;
    while done < rows {
        let batch: Vec<(i64, String)> = (done..(done + 1_000).min(rows))
            .map(|i| (i as i64, format!("BENCH-{i:08}")))
            .collect();
        let mut tx = db.begin_write().await?;
        if together {
            crate::db::insert_rows(&mut tx, RAW_INSERT, 5, "", &batch, bind_raw).await?;
        } else {
            let sql = format!("{RAW_INSERT} VALUES ($1, $2, $3, $4, $5)");
            for row in &batch {
                bind_raw(sqlx::query(&sql), row).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        done += batch.len();
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_raw_inserts")
        .execute(db.pool())
        .await?;
    Ok(rate)
}

/// Writes the input files of the batch benchmarks: a claim hand-over CSV of `rows` new claims
/// (new debtors, German format) and a camt.053.001.08 statement of `rows` booked credits of 10 €
/// on the account `iban`, each naming one of the seeded cases (`BENCH-…`) in its remittance text,
/// so every entry is matched and booked. Written as a stream.
pub fn write_files(
    rows: usize,
    cases: usize,
    iban: &str,
    claims: &std::path::Path,
    statement: &std::path::Path,
) -> anyhow::Result<()> {
    use std::io::Write;
    anyhow::ensure!(cases > 0, "the statement needs seeded cases to name");
    let mut csv = std::io::BufWriter::new(std::fs::File::create_new(claims)?);
    writeln!(
        csv,
        "external_id;customer_number;debtor_name;street;postcode;city;email;treatment_class;subject;contract_date;due_date;principal"
    )?;
    for n in 0..rows {
        writeln!(
            csv,
            "IMP-{n:08};IK-{n:07};Importkunde {n};Birkenweg {};20095;Hamburg;import{n}@bench.example;standard;Gaslieferung Oktober 2026;2026-10-01;2026-11-01;{},{:02}",
            n % 300 + 1,
            40 + n % 60,
            n % 100
        )?;
    }
    csv.flush()?;
    let mut xml = std::io::BufWriter::new(std::fs::File::create_new(statement)?);
    let iban = iban.replace(' ', "");
    write!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>BENCH-MSG</MsgId><CreDtTm>2026-12-01T10:00:00</CreDtTm></GrpHdr>\
         <Stmt><Id>BENCH-STMT</Id><Acct><Id><IBAN>{iban}</IBAN></Id></Acct>"
    )?;
    for n in 0..rows {
        let case = n % cases + 1;
        write!(
            xml,
            "<Ntry><Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\
             <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>BENCH-BANK-{n:08}</AcctSvcrRef>\
             <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>Kundin Nummer {case}</Nm></Pty></Dbtr></RltdPties>\
             <RmtInf><Ustrd>Zahlung BENCH-{case:08}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )?;
    }
    writeln!(xml, "</Stmt></BkToCstmrStmt></Document>")?;
    xml.flush()?;
    Ok(())
}

/// PostgreSQL plans with statistics that autovacuum refreshes some time after a bulk load; until
/// then a table loaded with 100,000 rows counts as small and is scanned per query (a booking took
/// 44 ms instead of well under one). The benchmarks measure the steady state: they refresh the
/// statistics after seeding and before each batch step, as autovacuum would.
async fn refresh_statistics(db: &Db) -> anyhow::Result<()> {
    if db.backend() == crate::config::Backend::Postgres {
        sqlx::query("ANALYZE").execute(db.pool()).await?;
    }
    Ok(())
}

/// Writes back what earlier work left in the log (PostgreSQL's checkpoint, SQLite's WAL
/// checkpoint), so that a measurement does not pay for the writing of the one before: after
/// seeding 100,000 cases, PostgreSQL's raw insert rate measured 8,108 rows/s in one run and 13,577
/// in another on the same machine.
async fn settle(db: &Db) -> anyhow::Result<()> {
    let sql = match db.backend() {
        crate::config::Backend::Postgres => "CHECKPOINT",
        crate::config::Backend::Sqlite => "PRAGMA wal_checkpoint(TRUNCATE)",
    };
    sqlx::query(sql).execute(db.pool()).await?;
    Ok(())
}

/// How many rows all of the application's tables hold: the batch benchmarks count what a run
/// wrote (a claim writes a debtor, a case, a claim, its items and its timeline; a payment its
/// bank entry, the payment, its allocation and events), to compare rows with rows.
pub async fn total_rows(db: &Db, settle_first: bool) -> anyhow::Result<i64> {
    refresh_statistics(db).await?;
    if settle_first {
        settle(db).await?;
    }
    let list = match db.backend() {
        crate::config::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'"
        }
        crate::config::Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'"
        }
    };
    let tables: Vec<String> = sqlx::query_scalar(list).fetch_all(db.pool()).await?;
    let mut total = 0;
    for table in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\""))
            .fetch_one(db.pool())
            .await?;
        total += n;
    }
    Ok(total)
}
