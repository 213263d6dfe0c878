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

mod reconcile;
mod statement;

use super::{store_err, Db};
use crate::camt::{self, CamtError};
use app::domain::{Currency, Money};
use app::dto::{BankEntryView, StatementImportView};
use app::error::StatementProblem;
use app::server::ports::{
    Assigned, AuditEntry, Bank, StatementAccount, StatementFailure, StoreResult,
};
use async_trait::async_trait;
pub use statement::{import_statement, ImportReport};
use std::sync::Arc;

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
pub(super) fn payment_source(key: &str, part: i64) -> String {
    format!("bank:{key}:{part}")
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
