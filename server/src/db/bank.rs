//! Bank statement import: reads a camt.053/054 file as a stream — once to check it whole, then
//! again to reconcile its booked credits — and books what it can match, a hundred entries in a
//! transaction, each entry stored once by its key, so an import that is repeated, overlaps an
//! earlier statement or was killed half-way books every payment once, and a file with a fault
//! books nothing.
//!
//! Matching cascade, within the agency whose account the statement is: a valid RF reference in the
//! structured creditor reference, then an RF reference or a case reference in the remittance text.
//! Anything else stays unmatched for a case handler, with a suggestion (a running case whose debtor
//! has the payer's IBAN or name, which also puts the case into the work queue) but never booked on a
//! guess. Debits and entries not yet booked by the bank (`PDNG`, `INFO`) are skipped; reversals,
//! foreign currencies and batch bookings whose parts do not add up go to review.

use super::booking::{Bookings, NewPayment, Receipt};
use super::dialogue::add_work;
use super::{insert_rows, iso, placeholders, store_err, Db, MAX_BINDS};
use crate::camt::{self, CamtError, Entry, ReadError};
use app::domain::references::RfReference;
use app::domain::work::WorkKind;
use app::domain::{Currency, Money};
use app::dto::{BankEntryView, StatementImportView};
use app::error::StatementProblem;
use app::server::ports::{
    Assigned, AuditEntry, Bank, StatementAccount, StatementFailure, StoreResult,
};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::sync::Arc;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    pub format: String,
    pub entries: u32,
    pub booked: u32,
    pub unmatched: u32,
    pub review: u32,
    pub duplicates: u32,
    pub ignored: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("{0}")]
    File(#[from] camt::CamtError),
    #[error("the database failed during the import: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the statement is of the account {}, not the agency's account", found.as_deref().unwrap_or("(none named)"))]
    ForeignAccount { found: Option<String> },
    #[error("the agency has no account configured (RAPPORT_PAYEE_IBAN): statements cannot be checked against it")]
    NoAccount,
}

/// Where the payment booked for part `part` of the bank entry `key` came from (kept with the
/// payment; the same part is never booked twice).
fn payment_source(key: &str, part: i64) -> String {
    format!("bank:{key}:{part}")
}

/// One part of an entry to reconcile (a whole entry, or one payment of a batch).
struct Part {
    key: String,
    part: i64,
    entry: std::sync::Arc<Entry>,
    tx: usize,
    amount: i64,
    state: &'static str,
    note: &'static str,
}

/// The reference candidates in a remittance text: letter-digit groups joined across `-`, spaces
/// and nothing, normalised to letters and digits (`AKTE-2026-000101` → `AKTE2026000101`).
fn reference_candidates(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let tokens: Vec<&str> = upper
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = Vec::new();
    for start in 0..tokens.len() {
        let mut joined = String::new();
        for t in tokens.iter().skip(start).take(4) {
            joined.extend(t.chars().filter(char::is_ascii_alphanumeric));
            if joined.len() >= 8
                && joined.len() <= 30
                && joined.chars().any(|c| c.is_ascii_digit())
                && joined
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && !out.contains(&joined)
            {
                out.push(joined.clone());
            }
        }
    }
    out
}

/// The entry's key: our account and the bank's reference, or a digest of what the entry says
/// (`seen` numbers identical entries within one file so that two equal payments stay two).
fn entry_key(e: &Entry, seen: &mut HashMap<String, u32>) -> String {
    let account = e.account_iban.clone().unwrap_or_default();
    if let Some(r) = &e.bank_ref {
        return format!("{account}:{r}");
    }
    let mut h = Sha256::new();
    let tx = e.transactions.first();
    for part in [
        account.as_str(),
        &e.booking_date.map(|d| d.to_string()).unwrap_or_default(),
        &e.value_date.map(|d| d.to_string()).unwrap_or_default(),
        &e.amount
            .as_ref()
            .map(|a| format!("{}{}", a.minor, a.currency))
            .unwrap_or_default(),
        tx.and_then(|t| t.end_to_end_id.as_deref())
            .unwrap_or_default(),
        tx.and_then(|t| t.payer_iban.as_deref()).unwrap_or_default(),
        tx.map(|t| t.remittance.as_str()).unwrap_or_default(),
        tx.and_then(|t| t.creditor_ref.as_deref())
            .unwrap_or_default(),
        &e.additional_info,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = hex::encode(h.finalize());
    let n = seen.entry(digest.clone()).or_insert(0);
    *n += 1;
    format!("{account}:h:{}:{n}", &digest[..32])
}

/// Splits an entry into the parts to store.
fn parts(entry: Entry, seen: &mut HashMap<String, u32>) -> (Vec<Part>, bool) {
    let booked = entry.status.eq_ignore_ascii_case("BOOK");
    let credit = entry.credit == Some(true);
    if !booked || (!credit && !entry.reversal) {
        // Not money received (yet): nothing to reconcile, and nothing stored, so that the booked
        // version of a pending entry is still imported when it comes.
        return (Vec::new(), true);
    }
    let key = entry_key(&entry, seen);
    let total = entry.amount.as_ref().map_or(0, |a| a.minor);
    let entry = std::sync::Arc::new(entry);
    let whole = |state, note| Part {
        key: key.clone(),
        part: 0,
        entry: entry.clone(),
        tx: 0,
        amount: total,
        state,
        note,
    };
    if entry.reversal {
        return (vec![whole("review", "reversal")], false);
    }
    if entry.amount.as_ref().is_none_or(|a| a.currency != "EUR") {
        return (vec![whole("review", "currency")], false);
    }
    let txs = &entry.transactions;
    if txs.len() <= 1 {
        return (vec![whole("match", "")], false);
    }
    let amounts: Option<Vec<i64>> = txs
        .iter()
        .map(|t| t.amount.as_ref().map(|a| a.minor))
        .collect();
    match amounts {
        Some(a)
            if a.iter().sum::<i64>() == total
                && entry.batch_count.is_none_or(|n| n as usize == txs.len()) =>
        {
            let parts = a
                .into_iter()
                .enumerate()
                .map(|(i, amount)| Part {
                    key: key.clone(),
                    part: i as i64 + 1,
                    entry: entry.clone(),
                    tx: i,
                    amount,
                    state: "match",
                    note: "",
                })
                .collect();
            (parts, false)
        }
        _ => (vec![whole("review", "batch_sum_mismatch")], false),
    }
}

impl From<&CamtError> for StatementProblem {
    fn from(e: &CamtError) -> StatementProblem {
        match e {
            CamtError::Xml { position, .. } => StatementProblem::Xml {
                position: *position,
            },
            CamtError::Doctype => StatementProblem::Doctype,
            CamtError::TooDeep => StatementProblem::TooDeep,
            CamtError::TextTooLong => StatementProblem::TextTooLong,
            CamtError::NotCamt(_) => StatementProblem::NotCamt,
            CamtError::BadAmount { position, .. } => {
                StatementProblem::BadAmount { entry: *position }
            }
            CamtError::BadDate { position, .. } => StatementProblem::BadDate { entry: *position },
            CamtError::Empty => StatementProblem::Empty,
        }
    }
}

/// Reads the file once without storing anything: its format, or why it cannot be imported. Every
/// entry must be of the agency's account `iban`: a statement of another account (made up, or of
/// another customer of the bank) would book money the agency never received.
async fn check_file<R, F>(open: F, iban: String) -> Result<camt::Format, BankError>
where
    R: BufRead + Send + 'static,
    F: Fn() -> std::io::Result<R> + Send + 'static,
{
    let checked = tokio::task::spawn_blocking(move || {
        let input = open()?;
        Ok::<_, std::io::Error>(camt::read(input, |entry| {
            match entry.account_iban.map(|a| a.to_ascii_uppercase()) {
                Some(a) if a == iban => Ok(()),
                found => Err(found),
            }
        }))
    })
    .await
    .map_err(|e| BankError::Io(std::io::Error::other(e.to_string())))??;
    match checked {
        Ok((format, _)) => Ok(format),
        Err(ReadError::Camt(e)) => Err(BankError::File(e)),
        Err(ReadError::Stopped(found)) => Err(BankError::ForeignAccount { found }),
    }
}

/// Imports the statement that `open` reads (called twice: a check of the whole file, then the
/// reconciliation) for the agency of `to`, whose account every entry must be of. Entries reach
/// the database one by one through a small channel, so memory stays flat for any file size.
pub async fn import_statement<R, F>(
    db: &Db,
    to: &StatementAccount,
    file_name: &str,
    open: F,
    imported_by: &str,
    now_ms: i64,
    base_url: &str,
) -> Result<ImportReport, BankError>
where
    R: BufRead + Send + 'static,
    F: Fn() -> std::io::Result<R> + Send + Clone + 'static,
{
    let agency_id = to.agency_id;
    let import_id: i64 = sqlx::query_scalar(
        "INSERT INTO bank_imports (agency_id, file_name, format, imported_by, created_at, updated_at)
         VALUES ($1, $2, '', $3, $4, $4) RETURNING id",
    )
    .bind(agency_id)
    .bind(file_name)
    .bind(imported_by)
    .bind(now_ms)
    .fetch_one(db.pool())
    .await?;
    let mut report = ImportReport {
        import_id,
        ..ImportReport::default()
    };
    let checked = match &to.iban {
        Some(iban) => check_file(open.clone(), iban.to_ascii_uppercase()).await,
        None => Err(BankError::NoAccount),
    };
    let result = match checked {
        Err(e) => Err(e),
        Ok(format) => {
            report.format = format!("{}.{}", format.message, format.version);
            reconcile_file(
                db,
                agency_id,
                import_id,
                open,
                now_ms,
                base_url,
                &mut report,
            )
            .await
        }
    };
    let (state, error) = match &result {
        Ok(()) => ("done", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    sqlx::query(
        "UPDATE bank_imports SET state = $2, error = $3, format = $4, entries = $5, booked = $6, unmatched = $7,
                                 duplicates = $8, ignored = $9, updated_at = $10 WHERE id = $1",
    )
    .bind(import_id)
    .bind(state)
    .bind(error)
    .bind(&report.format)
    .bind(i64::from(report.entries))
    .bind(i64::from(report.booked))
    .bind(i64::from(report.unmatched + report.review))
    .bind(i64::from(report.duplicates))
    .bind(i64::from(report.ignored))
    .bind(now_ms)
    .execute(db.pool())
    .await?;
    result.map(|()| report)
}

#[allow(clippy::too_many_arguments)]
async fn reconcile_file<R, F>(
    db: &Db,
    agency_id: i64,
    import_id: i64,
    open: F,
    now_ms: i64,
    base_url: &str,
    report: &mut ImportReport,
) -> Result<(), BankError>
where
    R: BufRead + Send + 'static,
    F: Fn() -> std::io::Result<R> + Send + 'static,
{
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Entry>(32);
    let reader = tokio::task::spawn_blocking(move || {
        let input = open()?;
        // The receiver gone (the import stopped) is the only send error; it carries no detail.
        Ok::<_, std::io::Error>(camt::read(input, |entry| {
            sender.blocking_send(entry).map_err(|_| ())
        }))
    });
    let mut seen = HashMap::new();
    let mut failure: Option<BankError> = None;
    let mut batch: Vec<Part> = Vec::with_capacity(BATCH);
    let mut more = true;
    // The tables a statement fills get fresh planner statistics each time the import has doubled
    // (1,000, 2,000, 4,000 … entries): a few ANALYZEs, not one per minute of import.
    let mut next_refresh = 1_000;
    while more {
        match receiver.recv().await {
            Some(entry) => {
                report.entries += 1;
                let (parts, ignored) = parts(entry, &mut seen);
                if ignored {
                    report.ignored += 1;
                }
                batch.extend(parts);
                if batch.len() < BATCH {
                    continue;
                }
            }
            None => more = false,
        }
        let (outcomes, error) =
            reconcile_batch(db, agency_id, import_id, &batch, now_ms, base_url).await;
        batch.clear();
        for outcome in outcomes {
            match outcome {
                Outcome::Booked => report.booked += 1,
                Outcome::Unmatched => report.unmatched += 1,
                Outcome::Review => report.review += 1,
                Outcome::Duplicate => report.duplicates += 1,
            }
        }
        if let Some(e) = error {
            failure = Some(e.into());
            break;
        }
        if report.entries >= next_refresh {
            next_refresh *= 2;
            if let Err(e) = db.refresh_statistics(GROWING_TABLES).await {
                failure = Some(e.into());
                break;
            }
        }
    }
    drop(receiver);
    let parsed = reader
        .await
        .map_err(|e| BankError::Io(std::io::Error::other(e.to_string())))??;
    match (failure, parsed) {
        (Some(e), _) => Err(e),
        (None, Ok(_)) => Ok(()),
        // The file changed between the check and the import.
        (None, Err(ReadError::Camt(e))) => Err(BankError::File(e)),
        (None, Err(ReadError::Stopped(_))) => Err(BankError::Io(std::io::Error::other(
            "the import stopped reading",
        ))),
    }
}

/// Entries booked per transaction: a transaction per entry would cost two statements more for
/// each of a statement's many thousand entries.
const BATCH: usize = 100;

/// The tables a statement import fills, whose statistics are refreshed as they grow.
const GROWING_TABLES: &[&str] = &[
    "bank_entries",
    "payments",
    "payment_allocations",
    "case_events",
    "outbox",
    "work_items",
];

/// Starts a transaction that writes first (the import's row), so that SQLite takes the write lock
/// at once instead of upgrading a read later, which can fail while another connection writes.
async fn begin_writing(
    db: &Db,
    import_id: i64,
    now_ms: i64,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    let mut t = db.begin_write().await?;
    sqlx::query("UPDATE bank_imports SET updated_at = $2 WHERE id = $1")
        .bind(import_id)
        .bind(now_ms)
        .execute(&mut *t)
        .await?;
    Ok(t)
}

/// Books a batch of parts in one transaction, each seeing the bookings before it. When that
/// transaction fails, nothing of it stays and the parts are booked one transaction each, so that
/// every part before a failing one is booked and none is booked half; the outcomes of the parts
/// booked come back with the failure.
async fn reconcile_batch(
    db: &Db,
    agency_id: i64,
    import_id: i64,
    parts: &[Part],
    now_ms: i64,
    base_url: &str,
) -> (Vec<Outcome>, Option<sqlx::Error>) {
    if parts.is_empty() {
        return (Vec::new(), None);
    }
    let e = match reconcile_together(db, agency_id, import_id, parts, now_ms, base_url).await {
        Ok(Some(out)) => return (out, None),
        Ok(None) => sqlx::Error::Protocol(
            "an entry of the batch was stored by another import meanwhile".into(),
        ),
        Err(e) => e,
    };
    tracing::warn!(error = %e, "a batch of bank entries failed; booking them one by one");
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let one = std::slice::from_ref(part);
        match reconcile_together(db, agency_id, import_id, one, now_ms, base_url).await {
            // None: stored meanwhile by another import, booked there and not here.
            Ok(outcome) => out.push(
                outcome
                    .and_then(|mut o| o.pop())
                    .unwrap_or(Outcome::Duplicate),
            ),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Reconciles `parts` in one transaction that writes first; `None` when another import stored one
/// of them meanwhile: then the transaction is rolled back at once (not when its connection goes
/// back to the pool, where its locks would hold up what comes next).
///
/// The parts are looked at in order, each seeing the bookings before it (a case paid in full by
/// one is closed for the next), but read and written together: the cases they name in one
/// statement, the bookings in one statement per table, the entries in one.
async fn reconcile_together(
    db: &Db,
    agency_id: i64,
    import_id: i64,
    parts: &[Part],
    now_ms: i64,
    base_url: &str,
) -> Result<Option<Vec<Outcome>>, sqlx::Error> {
    let mut t = begin_writing(db, import_id, now_ms).await?;
    let mut stored = stored_before(&mut t, parts).await?;
    // Stored before, or earlier in this batch (a file may repeat an entry).
    let fresh: Vec<bool> = parts
        .iter()
        .map(|p| stored.insert((p.key.clone(), p.part)))
        .collect();
    let to_match: Vec<&Part> = parts
        .iter()
        .zip(&fresh)
        .filter(|(p, fresh)| **fresh && p.state == "match")
        .map(|(p, _)| p)
        .collect();
    let mut found = find_cases(&mut t, agency_id, &to_match).await?.into_iter();
    let matches: Vec<Option<Match>> = parts
        .iter()
        .zip(&fresh)
        .map(|(p, fresh)| {
            if *fresh && p.state == "match" {
                found.next().flatten()
            } else {
                None
            }
        })
        .collect();
    let open: Vec<i64> = matches
        .iter()
        .flatten()
        .filter(|m| !closed(&m.state))
        .map(|m| m.case_id)
        .collect();
    let mut bookings = Bookings::load(&mut t, &open, open.len()).await?;
    let mut decisions = Vec::with_capacity(parts.len());
    for ((part, fresh), matched) in parts.iter().zip(&fresh).zip(matches) {
        if !fresh {
            decisions.push(None);
            continue;
        }
        // The case's state after the bookings before this part.
        let matched = matched.map(|m| Match {
            state: bookings
                .state(m.case_id)
                .map_or(m.state, |s| s.code().to_string()),
            ..m
        });
        let value_date = value_date(part, now_ms);
        // A case that is already closed or paid gets no automatic booking: a person decides.
        let (state, note, booked) = match (part.state, &matched) {
            ("review", _) => ("review", part.note, None),
            (_, Some(m)) if !closed(&m.state) => {
                let source = payment_source(&part.key, part.part);
                let payment = NewPayment {
                    case_id: m.case_id,
                    amount: Money::new(part.amount, Currency::EUR),
                    value_date,
                    method: "transfer",
                    source: &source,
                    now_ms,
                    base_url,
                };
                let booked = bookings.book(&payment, Receipt::Standard)?;
                ("booked", "", Some((m.case_id, booked.payment_id, m.how)))
            }
            (_, Some(_)) => ("review", "case_closed", None),
            (_, None) => ("unmatched", "", None),
        };
        decisions.push(Some(Decision {
            state,
            note,
            suggestion: None,
            matched: matched.map(|m| m.case_id),
            booked,
            value_date,
        }));
    }
    bookings.write(&mut t).await?;
    // What could not be matched may belong to a running case (asked after the bookings, so that
    // a case they closed is not suggested).
    for (part, decision) in parts.iter().zip(decisions.iter_mut()) {
        if let Some(d) = decision {
            if part.state == "match" && d.matched.is_none() {
                d.suggestion = suggest(&mut t, agency_id, part).await?;
                if d.suggestion.is_some() {
                    d.note = "suggestion";
                }
            }
        }
    }
    let stored_now = store_entries(&mut t, agency_id, import_id, parts, &decisions, now_ms).await?;
    let mut out = Vec::with_capacity(parts.len());
    for (part, decision) in parts.iter().zip(&decisions) {
        let Some(d) = decision else {
            out.push(Outcome::Duplicate);
            continue;
        };
        if !stored_now.contains(&(part.key.clone(), part.part)) {
            // Stored by another import after this transaction looked.
            if d.booked.is_some() {
                t.rollback().await?;
                return Ok(None);
            }
            out.push(Outcome::Duplicate);
            continue;
        }
        out.push(match (d.state, d.booked) {
            (_, Some(_)) => Outcome::Booked,
            ("review", None) => Outcome::Review,
            (_, None) => {
                // A payment that may belong to a running case waits in that case's work queue.
                if let Some(case_id) = d.suggestion {
                    add_work(&mut t, case_id, WorkKind::UnmatchedPayment, now_ms).await?;
                }
                Outcome::Unmatched
            }
        });
    }
    t.commit().await?;
    Ok(Some(out))
}

/// What became of a part not stored before.
struct Decision {
    state: &'static str,
    note: &'static str,
    /// A running case the payer may belong to.
    suggestion: Option<i64>,
    /// The case the part names.
    matched: Option<i64>,
    /// Booked: the case, the payment, how the case was found.
    booked: Option<(i64, i64, &'static str)>,
    value_date: chrono::NaiveDate,
}

/// Whether a case in `state` takes no automatic booking.
fn closed(state: &str) -> bool {
    matches!(state, "closed" | "paid")
}

/// The day a part's money counts from: the entry's value date, else its booking date, else today.
fn value_date(part: &Part, now_ms: i64) -> chrono::NaiveDate {
    part.entry
        .value_date
        .or(part.entry.booking_date)
        .unwrap_or_else(|| {
            chrono::DateTime::from_timestamp_millis(now_ms)
                .map(|t| t.date_naive())
                .unwrap_or_default()
        })
}

/// Stores the parts decided (`Some`) as bank entries in one statement per many; returns the keys
/// stored (a key missing was stored by another import meanwhile).
async fn store_entries(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    agency_id: i64,
    import_id: i64,
    parts: &[Part],
    decisions: &[Option<Decision>],
    now_ms: i64,
) -> Result<HashSet<(String, i64)>, sqlx::Error> {
    let rows: Vec<(&Part, &Decision)> = parts
        .iter()
        .zip(decisions)
        .filter_map(|(p, d)| d.as_ref().map(|d| (p, d)))
        .collect();
    let returned = insert_rows(
        t,
        "INSERT INTO bank_entries (import_id, agency_id, entry_key, part, account_iban, booking_date, value_date, amount_minor,
                                   currency, payer_name, payer_iban, remittance, creditor_ref, state, note,
                                   suggested_case_id, case_id, payment_id, matched_by, created_at, updated_at)",
        21,
        "ON CONFLICT (entry_key, part) DO NOTHING RETURNING entry_key, part",
        &rows,
        |q, (part, d)| {
            let entry = &part.entry;
            let tx = entry.transactions.get(part.tx);
            q.bind(import_id)
                .bind(agency_id)
                .bind(part.key.as_str())
                .bind(part.part)
                .bind(entry.account_iban.as_deref())
                .bind(entry.booking_date.map(iso))
                .bind(iso(d.value_date))
                .bind(part.amount)
                .bind(entry.amount.as_ref().map_or("EUR", |a| a.currency.as_str()))
                .bind(tx.and_then(|t| t.payer_name.as_deref()))
                .bind(tx.and_then(|t| t.payer_iban.as_deref()))
                .bind(tx.map_or(entry.additional_info.as_str(), |t| t.remittance.as_str()))
                .bind(tx.and_then(|t| t.creditor_ref.as_deref()))
                .bind(d.state)
                .bind(d.note)
                .bind(d.suggestion.or(d.matched))
                .bind(d.booked.map(|b| b.0))
                .bind(d.booked.map(|b| b.1))
                .bind(d.booked.map(|b| b.2))
                .bind(now_ms)
                .bind(now_ms)
        },
    )
    .await?;
    returned
        .iter()
        .map(|row| Ok((row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?)))
        .collect()
}

enum Outcome {
    Booked,
    Unmatched,
    Review,
    Duplicate,
}

/// The keys of `parts` that earlier imports stored, asked for all at once: a part stored before is
/// a duplicate and must not be booked again.
async fn stored_before(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    parts: &[Part],
) -> Result<HashSet<(String, i64)>, sqlx::Error> {
    let mut keys: Vec<&str> = parts.iter().map(|p| p.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut stored = HashSet::new();
    for chunk in keys.chunks(MAX_BINDS) {
        let sql = format!(
            "SELECT entry_key, part FROM bank_entries WHERE entry_key IN ({})",
            placeholders(1, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
        for key in chunk {
            query = query.bind(*key);
        }
        stored.extend(query.fetch_all(&mut **t).await?);
    }
    Ok(stored)
}

/// A case of the agency a part names, how it was found, and its state.
struct Match {
    case_id: i64,
    how: &'static str,
    state: String,
}

/// The references a part may name a case by, normalised (letters and digits), in the order they
/// are tried, each with how it was found.
fn candidates(part: &Part) -> Vec<(String, &'static str)> {
    let tx = part.entry.transactions.get(part.tx);
    let text = format!(
        "{} {} {}",
        tx.map(|t| t.remittance.as_str()).unwrap_or_default(),
        tx.map(|t| t.additional_info.as_str()).unwrap_or_default(),
        part.entry.additional_info
    );
    let mut candidates: Vec<(String, &'static str)> = Vec::new();
    if let Some(rf) = tx
        .and_then(|t| t.creditor_ref.as_deref())
        .and_then(|r| RfReference::parse(r).ok())
    {
        candidates.push((rf.payload().to_string(), "rf"));
    }
    for rf in RfReference::find_in_text(&text) {
        candidates.push((rf.payload().to_string(), "rf_text"));
    }
    for token in reference_candidates(&text) {
        candidates.push((token, "reference"));
    }
    candidates
}

/// The agency's case each of `parts` names (the first of its candidates that names one), all
/// looked up in one statement, each candidate an index probe.
async fn find_cases(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    agency_id: i64,
    parts: &[&Part],
) -> Result<Vec<Option<Match>>, sqlx::Error> {
    let per_part: Vec<Vec<(String, &'static str)>> = parts.iter().map(|p| candidates(p)).collect();
    let mut all: Vec<&str> = per_part.iter().flatten().map(|(c, _)| c.as_str()).collect();
    all.sort_unstable();
    all.dedup();
    // Reference without dashes → the case (the lowest id if several cases share it) and its state.
    let mut cases: HashMap<String, (i64, String)> = HashMap::new();
    // CROSS JOIN: SQLite keeps the cases as the outer loop, found through the index of their
    // compact references. With a batch's few hundred candidates and no statistics, its planner
    // went through the agency's creditors and read all of their cases instead (a camt import
    // ran at a third of its speed). PostgreSQL plans the join as before.
    for chunk in all.chunks(MAX_BINDS - 1) {
        let sql = format!(
            "SELECT REPLACE(c.reference, '-', ''), c.id, c.state FROM cases c CROSS JOIN creditors cr
             WHERE cr.id = c.creditor_id AND cr.agency_id = $1 AND REPLACE(c.reference, '-', '') IN ({}) ORDER BY c.id",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, i64, String)>(&sql).bind(agency_id);
        for candidate in chunk {
            query = query.bind(*candidate);
        }
        for (reference, id, state) in query.fetch_all(&mut **t).await? {
            cases.entry(reference).or_insert((id, state));
        }
    }
    Ok(per_part
        .into_iter()
        .map(|candidates| {
            candidates.into_iter().find_map(|(normalised, how)| {
                cases.get(&normalised).map(|(id, state)| Match {
                    case_id: *id,
                    how,
                    state: state.clone(),
                })
            })
        })
        .collect())
}

/// A running case of the agency the payer may belong to: same IBAN, else same name.
async fn suggest(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    agency_id: i64,
    part: &Part,
) -> Result<Option<i64>, sqlx::Error> {
    let Some(tx) = part.entry.transactions.get(part.tx) else {
        return Ok(None);
    };
    if let Some(iban) = &tx.payer_iban {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT c.id FROM cases c JOIN debtors d ON d.id = c.debtor_id JOIN creditors cr ON cr.id = c.creditor_id
             WHERE REPLACE(UPPER(d.iban), ' ', '') = $1 AND cr.agency_id = $2
               AND c.state NOT IN ('closed', 'paid') ORDER BY c.id LIMIT 1",
        )
        .bind(iban.to_ascii_uppercase())
        .bind(agency_id)
        .fetch_optional(&mut **t)
        .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    if let Some(name) = tx.payer_name.as_deref().filter(|n| n.trim().len() >= 3) {
        return sqlx::query_scalar(
            "SELECT c.id FROM cases c JOIN debtors d ON d.id = c.debtor_id JOIN creditors cr ON cr.id = c.creditor_id
             WHERE LOWER(d.name) = $1 AND cr.agency_id = $2
               AND c.state NOT IN ('closed', 'paid') ORDER BY c.id LIMIT 1",
        )
        .bind(name.trim().to_lowercase())
        .bind(agency_id)
        .fetch_optional(&mut **t)
        .await;
    }
    Ok(None)
}

/// Books the payment of part `part` of entry `key` on `case_id` inside `t`; returns its id.
#[allow(clippy::too_many_arguments)]
async fn book_part(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    case_id: i64,
    amount: i64,
    value_date: chrono::NaiveDate,
    key: &str,
    part: i64,
    now_ms: i64,
    base_url: &str,
) -> Result<i64, sqlx::Error> {
    crate::db::book_transfer(
        t,
        case_id,
        Money::new(amount, Currency::EUR),
        value_date,
        &payment_source(key, part),
        now_ms,
        base_url,
    )
    .await
}

/// Books stored entry `id` on `case_id` inside `t` (a person's choice).
#[allow(clippy::too_many_arguments)]
async fn book_entry(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    case_id: i64,
    how: &str,
    amount: i64,
    value_date: chrono::NaiveDate,
    key: &str,
    part: i64,
    now_ms: i64,
    base_url: &str,
) -> Result<(), sqlx::Error> {
    let payment_id = book_part(t, case_id, amount, value_date, key, part, now_ms, base_url).await?;
    sqlx::query(
        "UPDATE bank_entries SET state = 'booked', case_id = $2, payment_id = $3, matched_by = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(case_id)
    .bind(payment_id)
    .bind(how)
    .bind(now_ms)
    .execute(&mut **t)
    .await?;
    Ok(())
}

type EntryRow = (
    i64,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
);

const ENTRY_COLUMNS: &str =
    "e.id, e.value_date, e.amount_minor, e.currency, e.payer_name, e.payer_iban, e.remittance,
        e.state, e.note, s.id, s.reference, d.name
     FROM bank_entries e
     LEFT JOIN cases s ON s.id = e.suggested_case_id
     LEFT JOIN debtors d ON d.id = s.debtor_id";

fn entry_view(row: EntryRow) -> StoreResult<BankEntryView> {
    let (
        id,
        value_date,
        minor,
        currency,
        payer_name,
        payer_iban,
        remittance,
        state,
        note,
        case_id,
        reference,
        name,
    ) = row;
    Ok(BankEntryView {
        id,
        value_date: super::date(&value_date)?,
        amount: Money::new(minor, super::currency(&currency)?),
        payer_name,
        payer_iban,
        remittance,
        state,
        note,
        suggestion: match (case_id, reference, name) {
            (Some(id), Some(r), Some(n)) => Some((id, r, n)),
            _ => None,
        },
    })
}

fn import_view(
    (id, file_name, format, entries, booked, open, duplicates, ignored, state, imported_by, at_ms): (
        i64,
        String,
        String,
        i64,
        i64,
        i64,
        i64,
        i64,
        String,
        String,
        i64,
    ),
) -> StatementImportView {
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    StatementImportView {
        id,
        file_name,
        format,
        entries: n(entries),
        booked: n(booked),
        open: n(open),
        duplicates: n(duplicates),
        ignored: n(ignored),
        state,
        imported_by,
        at_ms,
    }
}

#[async_trait]
impl Bank for Db {
    async fn import_statement(
        &self,
        to: &StatementAccount,
        file_name: &str,
        content: Arc<[u8]>,
        imported_by: &str,
        now_ms: i64,
        base_url: &str,
    ) -> Result<StatementImportView, StatementFailure> {
        let open = move || Ok(std::io::Cursor::new(content.clone()));
        match import_statement(self, to, file_name, open, imported_by, now_ms, base_url).await {
            Ok(r) => Ok(StatementImportView {
                id: r.import_id,
                file_name: file_name.to_string(),
                format: r.format,
                entries: r.entries,
                booked: r.booked,
                open: r.unmatched + r.review,
                duplicates: r.duplicates,
                ignored: r.ignored,
                state: "done".into(),
                imported_by: imported_by.to_string(),
                at_ms: now_ms,
            }),
            Err(BankError::File(e)) => Err(StatementFailure::File((&e).into())),
            Err(BankError::ForeignAccount { found }) => {
                Err(StatementFailure::File(StatementProblem::ForeignAccount {
                    iban: found.unwrap_or_default(),
                }))
            }
            Err(BankError::NoAccount) => Err(StatementFailure::File(StatementProblem::NoAccount)),
            Err(e) => {
                tracing::error!(error = %e, "statement import failed");
                Err(StatementFailure::Store)
            }
        }
    }

    async fn open_entries(
        &self,
        agency_id: i64,
        page: u32,
        per_page: u32,
    ) -> StoreResult<(Vec<BankEntryView>, u64)> {
        let err = store_err("list open bank entries");
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bank_entries WHERE agency_id = $1 AND state IN ('unmatched', 'review')",
        )
        .bind(agency_id)
        .fetch_one(self.pool())
        .await
        .map_err(&err)?;
        let rows: Vec<EntryRow> = sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} WHERE e.agency_id = $1 AND e.state IN ('unmatched', 'review')
             ORDER BY e.value_date, e.id LIMIT $2 OFFSET $3"
        ))
        .bind(agency_id)
        .bind(i64::from(per_page))
        .bind(i64::from(page) * i64::from(per_page))
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let entries = rows
            .into_iter()
            .map(entry_view)
            .collect::<StoreResult<_>>()?;
        Ok((entries, u64::try_from(total).unwrap_or(0)))
    }

    async fn entries_for_case(
        &self,
        agency_id: i64,
        case_id: i64,
    ) -> StoreResult<Vec<BankEntryView>> {
        let rows: Vec<EntryRow> = sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} WHERE e.agency_id = $1 AND e.suggested_case_id = $2
               AND e.state IN ('unmatched', 'review') ORDER BY e.value_date, e.id"
        ))
        .bind(agency_id)
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("list a case's bank entries"))?;
        rows.into_iter().map(entry_view).collect()
    }

    async fn recent_imports(
        &self,
        agency_id: i64,
        limit: u32,
    ) -> StoreResult<Vec<StatementImportView>> {
        let rows = sqlx::query_as(
            "SELECT id, file_name, format, entries, booked, unmatched, duplicates, ignored, state, imported_by, created_at
             FROM bank_imports WHERE agency_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(agency_id)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(store_err("list bank imports"))?;
        Ok(rows.into_iter().map(import_view).collect())
    }

    async fn assign_entry(
        &self,
        agency_id: i64,
        entry_id: i64,
        reference: &str,
        base_url: &str,
        audit: AuditEntry,
    ) -> StoreResult<Assigned> {
        let err = store_err("assign a bank entry");
        let now = audit.at_ms;
        let mut t = self.begin_write().await.map_err(&err)?;
        let entry: Option<(String, i64, i64, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT state, amount_minor, part, entry_key, value_date, suggested_case_id FROM bank_entries
             WHERE id = $1 AND agency_id = $2",
        )
        .bind(entry_id)
        .bind(agency_id)
        .fetch_optional(&mut *t)
        .await
        .map_err(&err)?;
        let Some((state, amount, part, key, value_date, suggested)) = entry else {
            return Ok(Assigned::NoSuchEntry);
        };
        if !matches!(state.as_str(), "unmatched" | "review") {
            return Ok(Assigned::AlreadyDecided);
        }
        let case_id: Option<i64> = sqlx::query_scalar(
            "SELECT c.id FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
             WHERE c.reference = $1 AND cr.agency_id = $2 AND c.state NOT IN ('closed', 'paid')",
        )
        .bind(reference)
        .bind(agency_id)
        .fetch_optional(&mut *t)
        .await
        .map_err(&err)?;
        let Some(case_id) = case_id else {
            return Ok(Assigned::NoSuchCase);
        };
        // Claim the entry first: a colleague deciding at the same moment finds it decided.
        let claimed = sqlx::query(
            "UPDATE bank_entries SET state = 'booking', decided_by = $3, updated_at = $4
             WHERE id = $1 AND agency_id = $2 AND state IN ('unmatched', 'review')",
        )
        .bind(entry_id)
        .bind(agency_id)
        .bind(
            audit
                .actor_id
                .as_deref()
                .and_then(|a| a.parse::<i64>().ok()),
        )
        .bind(now)
        .execute(&mut *t)
        .await
        .map_err(&err)?;
        if claimed.rows_affected() != 1 {
            return Ok(Assigned::AlreadyDecided);
        }
        let value_date = super::date(&value_date)?;
        book_entry(
            &mut t, entry_id, case_id, "handler", amount, value_date, &key, part, now, base_url,
        )
        .await
        .map_err(&err)?;
        done_work(&mut t, suggested, now).await.map_err(&err)?;
        let audit = AuditEntry {
            case_id: Some(case_id),
            ..audit
        };
        super::audit::insert_audit(&mut t, &audit)
            .await
            .map_err(&err)?;
        t.commit().await.map_err(&err)?;
        Ok(Assigned::Booked)
    }

    async fn dismiss_entry(
        &self,
        agency_id: i64,
        entry_id: i64,
        note: &str,
        audit: AuditEntry,
    ) -> StoreResult<Option<bool>> {
        let err = store_err("dismiss a bank entry");
        let now = audit.at_ms;
        let mut t = self.begin_write().await.map_err(&err)?;
        let suggested: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE bank_entries SET state = 'dismissed', decided_by = $3, updated_at = $4, dismissal_note = $5
             WHERE id = $1 AND agency_id = $2 AND state IN ('unmatched', 'review') RETURNING suggested_case_id",
        )
        .bind(entry_id)
        .bind(agency_id)
        .bind(audit.actor_id.as_deref().and_then(|a| a.parse::<i64>().ok()))
        .bind(now)
        .bind(note)
        .fetch_optional(&mut *t)
        .await
        .map_err(&err)?;
        let Some(suggested) = suggested else {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM bank_entries WHERE id = $1 AND agency_id = $2")
                    .bind(entry_id)
                    .bind(agency_id)
                    .fetch_optional(&mut *t)
                    .await
                    .map_err(&err)?;
            return Ok(exists.map(|_| false));
        };
        done_work(&mut t, suggested, now).await.map_err(&err)?;
        super::audit::insert_audit(&mut t, &audit)
            .await
            .map_err(&err)?;
        t.commit().await.map_err(&err)?;
        Ok(Some(true))
    }
}

/// The "unmatched payment" item of a suggested case is done once no open entry points to it.
async fn done_work(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    case_id: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(case_id) = case_id else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE work_items SET done_at = $2, updated_at = $2
         WHERE case_id = $1 AND kind = 'unmatched_payment' AND done_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM bank_entries WHERE suggested_case_id = $1 AND state IN ('unmatched', 'review'))",
    )
    .bind(case_id)
    .bind(now)
    .execute(&mut **t)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_references_are_found_however_they_were_typed() {
        let c = reference_candidates("Rechnung akte 2026 000101 danke");
        assert!(c.contains(&"AKTE2026000101".to_string()), "{c:?}");
        let c = reference_candidates("AKTE-2026-000101");
        assert!(c.contains(&"AKTE2026000101".to_string()));
        assert!(
            reference_candidates("Vielen Dank fuer alles").is_empty(),
            "no digits"
        );
        assert!(
            reference_candidates("12345678 2026").is_empty(),
            "no letter first"
        );
    }
}
