//! Reading a statement: the whole file is checked first (format, the agency's account), then read
//! again entry by entry, each booked credit split into the parts to reconcile, a hundred at a time.

use super::reconcile::{reconcile_batch, GROWING_TABLES};
use super::BankError;
use crate::camt::{self, Entry, ReadError};
use crate::db::Db;
use app::server::ports::StatementAccount;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::BufRead;

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

/// One part of an entry to reconcile (a whole entry, or one payment of a batch).
pub(super) struct Part {
    pub(super) key: String,
    pub(super) part: i64,
    pub(super) entry: std::sync::Arc<Entry>,
    pub(super) tx: usize,
    pub(super) amount: i64,
    /// Why a person must look at it before anything is booked (`reversal`, `currency`,
    /// `batch_sum_mismatch`); `None` for a part to match to a case.
    pub(super) review: Option<&'static str>,
}

/// The entry's key: our account and the bank's reference, or a digest of what the entry says
/// (`seen` numbers identical entries within one file so that two equal payments stay two).
pub(super) fn entry_key(e: &Entry, seen: &mut HashMap<String, u32>) -> String {
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
pub(super) fn parts(entry: Entry, seen: &mut HashMap<String, u32>) -> (Vec<Part>, bool) {
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
    let whole = |review| Part {
        key: key.clone(),
        part: 0,
        entry: entry.clone(),
        tx: 0,
        amount: total,
        review,
    };
    if entry.reversal {
        return (vec![whole(Some("reversal"))], false);
    }
    if entry.amount.as_ref().is_none_or(|a| a.currency != "EUR") {
        return (vec![whole(Some("currency"))], false);
    }
    let txs = &entry.transactions;
    if txs.len() <= 1 {
        return (vec![whole(None)], false);
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
                    review: None,
                })
                .collect();
            (parts, false)
        }
        _ => (vec![whole(Some("batch_sum_mismatch"))], false),
    }
}

/// Reads the file once without storing anything: its format, or why it cannot be imported. Every
/// entry must be of the agency's account `iban`: a statement of another account (made up, or of
/// another customer of the bank) would book money the agency never received.
pub(super) async fn check_file<R, F>(open: F, iban: String) -> Result<camt::Format, BankError>
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
pub(super) async fn reconcile_file<R, F>(
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
pub(super) const BATCH: usize = 100;

/// The day a part's money counts from: the entry's value date, else its booking date, else today.
pub(super) fn value_date(part: &Part, now_ms: i64) -> chrono::NaiveDate {
    part.entry
        .value_date
        .or(part.entry.booking_date)
        .unwrap_or_else(|| {
            chrono::DateTime::from_timestamp_millis(now_ms)
                .map(|t| t.date_naive())
                .unwrap_or_default()
        })
}

pub(super) enum Outcome {
    Booked,
    Unmatched,
    Review,
    Duplicate,
}
