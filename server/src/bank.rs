//! Bank statement import: reads a camt.053/054 file as a stream, reconciles its booked credits and
//! books what it can match, each entry in its own transaction keyed by the entry, so an import that
//! is repeated, overlaps an earlier statement or was killed half-way books every payment once.
//!
//! Matching cascade: a valid RF reference in the structured creditor reference, then an RF
//! reference or a case reference in the remittance text. Anything else stays unmatched for a case
//! handler, with a suggestion (the payer's IBAN or name known from a case) but never booked on a
//! guess. Debits and entries not yet booked by the bank (`PDNG`, `INFO`) are skipped; reversals and
//! batch bookings whose parts do not add up go to review.

use crate::camt::{self, Entry, ReadError};
use crate::db::Db;
use app::domain::references::RfReference;
use app::domain::{Currency, Money};
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

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("{0}")]
    File(#[from] camt::CamtError),
    #[error("the database failed during the import: {0}")]
    Database(#[from] sqlx::Error),
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

/// Reads `input` and reconciles it. The file is parsed on a blocking thread and its entries
/// reach the database one by one through a small channel: memory stays flat for any file size.
pub async fn import_statement<R: BufRead + Send + 'static>(
    db: &Db,
    file_name: &str,
    input: R,
    imported_by: &str,
    now_ms: i64,
    base_url: &str,
) -> Result<ImportReport, BankError> {
    let import_id: i64 = sqlx::query_scalar(
        "INSERT INTO bank_imports (file_name, format, imported_by, created_at, updated_at) VALUES ($1, '', $2, $3, $3) RETURNING id",
    )
    .bind(file_name)
    .bind(imported_by)
    .bind(now_ms)
    .fetch_one(db.pool())
    .await?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Entry>(32);
    let reader =
        tokio::task::spawn_blocking(move || camt::read(input, |entry| sender.blocking_send(entry)));
    let mut report = ImportReport {
        import_id,
        ..ImportReport::default()
    };
    let mut seen = HashMap::new();
    let mut failure: Option<BankError> = None;
    while let Some(entry) = receiver.recv().await {
        report.entries += 1;
        let (parts, ignored) = parts(entry, &mut seen);
        if ignored {
            report.ignored += 1;
        }
        for part in parts {
            match reconcile(db, import_id, &part, now_ms, base_url).await {
                Ok(outcome) => match outcome {
                    Outcome::Booked => report.booked += 1,
                    Outcome::Unmatched => report.unmatched += 1,
                    Outcome::Review => report.review += 1,
                    Outcome::Duplicate => report.duplicates += 1,
                },
                Err(e) => {
                    failure = Some(e.into());
                    break;
                }
            }
        }
        if failure.is_some() {
            break;
        }
    }
    drop(receiver);
    let parsed = reader
        .await
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let result = match (failure, parsed) {
        (Some(e), _) => Err(e),
        (None, Ok((format, _))) => {
            report.format = format!("{}.{}", format.message, format.version);
            Ok(report)
        }
        (None, Err(ReadError::Camt(e))) => Err(BankError::File(e)),
        (None, Err(ReadError::Stopped(_))) => Err(BankError::Database(sqlx::Error::PoolClosed)),
    };
    let (state, error, r) = match &result {
        Ok(r) => ("done", None, r.clone()),
        Err(e) => ("failed", Some(e.to_string()), ImportReport::default()),
    };
    sqlx::query(
        "UPDATE bank_imports SET state = $2, error = $3, format = $4, entries = $5, booked = $6, unmatched = $7,
                                 duplicates = $8, ignored = $9, updated_at = $10 WHERE id = $1",
    )
    .bind(import_id)
    .bind(state)
    .bind(error)
    .bind(&r.format)
    .bind(i64::from(r.entries))
    .bind(i64::from(r.booked))
    .bind(i64::from(r.unmatched + r.review))
    .bind(i64::from(r.duplicates))
    .bind(i64::from(r.ignored))
    .bind(now_ms)
    .execute(db.pool())
    .await?;
    result
}

enum Outcome {
    Booked,
    Unmatched,
    Review,
    Duplicate,
}

/// The case a part names, and how it was found.
async fn find_case(db: &Db, part: &Part) -> Result<Option<(i64, &'static str)>, sqlx::Error> {
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
    for (normalised, how) in candidates {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM cases WHERE REPLACE(reference, '-', '') = $1 ORDER BY id LIMIT 1",
        )
        .bind(&normalised)
        .fetch_optional(db.pool())
        .await?;
        if let Some(id) = found {
            return Ok(Some((id, how)));
        }
    }
    Ok(None)
}

/// A case the payer may belong to: same IBAN, else same name, among running cases.
async fn suggest(db: &Db, part: &Part) -> Result<Option<i64>, sqlx::Error> {
    let Some(tx) = part.entry.transactions.get(part.tx) else {
        return Ok(None);
    };
    if let Some(iban) = &tx.payer_iban {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT c.id FROM cases c JOIN debtors d ON d.id = c.debtor_id
             WHERE REPLACE(UPPER(d.iban), ' ', '') = $1 AND c.state NOT IN ('closed', 'paid') ORDER BY c.id LIMIT 1",
        )
        .bind(iban.to_ascii_uppercase())
        .fetch_optional(db.pool())
        .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    if let Some(name) = tx.payer_name.as_deref().filter(|n| n.trim().len() >= 3) {
        return sqlx::query_scalar(
            "SELECT c.id FROM cases c JOIN debtors d ON d.id = c.debtor_id
             WHERE LOWER(d.name) = $1 AND c.state NOT IN ('closed', 'paid') ORDER BY c.id LIMIT 1",
        )
        .bind(name.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await;
    }
    Ok(None)
}

async fn reconcile(
    db: &Db,
    import_id: i64,
    part: &Part,
    now_ms: i64,
    base_url: &str,
) -> Result<Outcome, sqlx::Error> {
    let (matched, suggestion) = if part.state == "match" {
        let m = find_case(db, part).await?;
        let s = if m.is_none() {
            suggest(db, part).await?
        } else {
            None
        };
        (m, s)
    } else {
        (None, None)
    };
    // A case that is already closed or paid gets no automatic booking: a person decides.
    let open_case = match matched {
        Some((id, how)) => {
            let state: String = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await?;
            (!matches!(state.as_str(), "closed" | "paid")).then_some((id, how))
        }
        None => None,
    };
    let entry = &part.entry;
    let tx_details = entry.transactions.get(part.tx);
    let value_date = entry.value_date.or(entry.booking_date).unwrap_or_else(|| {
        chrono::DateTime::from_timestamp_millis(now_ms)
            .map(|t| t.date_naive())
            .unwrap_or_default()
    });
    let (state, note) = match (part.state, open_case, matched) {
        ("review", _, _) => ("review", part.note),
        (_, Some(_), _) => ("booked", ""),
        (_, None, Some(_)) => ("review", "case_closed"),
        (_, None, None) => (
            "unmatched",
            if suggestion.is_some() {
                "suggestion"
            } else {
                ""
            },
        ),
    };
    let mut t = db.pool().begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO bank_entries (import_id, entry_key, part, account_iban, booking_date, value_date, amount_minor,
                                   currency, payer_name, payer_iban, remittance, creditor_ref, state, note,
                                   suggested_case_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
         ON CONFLICT (entry_key, part) DO NOTHING RETURNING id",
    )
    .bind(import_id)
    .bind(&part.key)
    .bind(part.part)
    .bind(entry.account_iban.as_deref())
    .bind(entry.booking_date.map(|d| d.to_string()))
    .bind(value_date.to_string())
    .bind(part.amount)
    .bind(entry.amount.as_ref().map_or("EUR".to_string(), |a| a.currency.clone()))
    .bind(tx_details.and_then(|t| t.payer_name.as_deref()))
    .bind(tx_details.and_then(|t| t.payer_iban.as_deref()))
    .bind(tx_details.map_or(entry.additional_info.as_str(), |t| t.remittance.as_str()))
    .bind(tx_details.and_then(|t| t.creditor_ref.as_deref()))
    .bind(state)
    .bind(note)
    .bind(suggestion.or(matched.map(|m| m.0)))
    .bind(now_ms)
    .fetch_optional(&mut *t)
    .await?;
    let Some(id) = id else {
        t.rollback().await?;
        return Ok(Outcome::Duplicate);
    };
    let outcome = match (state, open_case) {
        ("booked", Some((case_id, how))) => {
            let booked = crate::db::book_transfer(
                &mut t,
                case_id,
                Money::new(part.amount, Currency::EUR),
                value_date,
                &format!("bank:{}:{}", part.key, part.part),
                now_ms,
                base_url,
            )
            .await?;
            sqlx::query(
                "UPDATE bank_entries SET case_id = $2, payment_id = $3, matched_by = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(case_id)
            .bind(booked)
            .bind(how)
            .bind(now_ms)
            .execute(&mut *t)
            .await?;
            Outcome::Booked
        }
        ("review", _) => Outcome::Review,
        _ => Outcome::Unmatched,
    };
    t.commit().await?;
    Ok(outcome)
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
        assert!(reference_candidates("Danke 2026").is_empty());
    }
}
