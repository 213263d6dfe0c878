//! Reconciling a batch of parts in one transaction: stored before or new, the case each names
//! (`domain::matching`), bookings decided in memory and written together, suggestions for the rest.

use super::payment_source;
use super::statement::{value_date, Outcome, Part};
use crate::db::booking::{Bookings, NewPayment, Receipt};
use crate::db::effects::add_work;
use crate::db::{insert_rows, iso, placeholders, Db, MAX_BINDS};
use app::domain::matching::{self, Found, Route};
use app::domain::work::WorkKind;
use app::domain::{Currency, Money};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// The tables a statement import fills, whose statistics are refreshed as they grow.
pub(crate) const GROWING_TABLES: &[&str] = &[
    "bank_entries",
    "payments",
    "payment_allocations",
    "case_events",
    "outbox",
    "work_items",
];

/// Starts a transaction that writes first (the import's row), so that SQLite takes the write lock
/// at once instead of upgrading a read later, which can fail while another connection writes.
pub(super) async fn begin_writing(
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
pub(crate) async fn reconcile_batch(
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
pub(super) async fn reconcile_together(
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
        .filter(|(p, fresh)| **fresh && p.review.is_none())
        .map(|(p, _)| p)
        .collect();
    let mut found = find_cases(&mut t, agency_id, &to_match).await?.into_iter();
    let matches: Vec<Option<Match>> = parts
        .iter()
        .zip(&fresh)
        .map(|(p, fresh)| {
            if *fresh && p.review.is_none() {
                found.next().flatten()
            } else {
                None
            }
        })
        .collect();
    let open: Vec<i64> = matches
        .iter()
        .flatten()
        .filter(|m| matching::books_automatically(&m.state))
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
        let (state, note, booked) = match (
            matching::route(part.review, matched.as_ref().map(|m| m.state.as_str())),
            &matched,
        ) {
            (Route::Review(note), _) => (EntryState::Review, note, None),
            (Route::Book, Some(m)) => {
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
                (
                    EntryState::Booked,
                    "",
                    Some((m.case_id, booked.payment_id, m.how)),
                )
            }
            (Route::Book | Route::Unmatched, _) => (EntryState::Unmatched, "", None),
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
            if part.review.is_none() && d.matched.is_none() {
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
            (EntryState::Review, None) => Outcome::Review,
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

/// The state a new bank entry is stored in (`bank_entries.state`; a person's decision later moves an
/// entry on to `booking`, `booked` or `dismissed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EntryState {
    Booked,
    Review,
    Unmatched,
}

impl EntryState {
    fn code(self) -> &'static str {
        match self {
            EntryState::Booked => "booked",
            EntryState::Review => "review",
            EntryState::Unmatched => "unmatched",
        }
    }
}

/// What became of a part not stored before.
pub(super) struct Decision {
    state: EntryState,
    note: &'static str,
    /// A running case the payer may belong to.
    suggestion: Option<i64>,
    /// The case the part names.
    matched: Option<i64>,
    /// Booked: the case, the payment, how the case was found.
    booked: Option<(i64, i64, &'static str)>,
    value_date: chrono::NaiveDate,
}

/// Stores the parts decided (`Some`) as bank entries in one statement per many; returns the keys
/// stored (a key missing was stored by another import meanwhile).
pub(super) async fn store_entries(
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
                .bind(d.state.code())
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

/// The keys of `parts` that earlier imports stored, asked for all at once: a part stored before is
/// a duplicate and must not be booked again.
pub(super) async fn stored_before(
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
pub(super) struct Match {
    case_id: i64,
    how: &'static str,
    state: String,
}

/// The references a part may name a case by, in the order they are tried ([`matching::candidates`]).
pub(super) fn candidates(part: &Part) -> Vec<(String, Found)> {
    let tx = part.entry.transactions.get(part.tx);
    let text = format!(
        "{} {} {}",
        tx.map(|t| t.remittance.as_str()).unwrap_or_default(),
        tx.map(|t| t.additional_info.as_str()).unwrap_or_default(),
        part.entry.additional_info
    );
    matching::candidates(tx.and_then(|t| t.creditor_ref.as_deref()), &text)
}

/// The agency's case each of `parts` names (the first of its candidates that names one), all
/// looked up in one statement, each candidate an index probe.
pub(super) async fn find_cases(
    t: &mut sqlx::Transaction<'_, sqlx::Any>,
    agency_id: i64,
    parts: &[&Part],
) -> Result<Vec<Option<Match>>, sqlx::Error> {
    let per_part: Vec<Vec<(String, Found)>> = parts.iter().map(|p| candidates(p)).collect();
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
                    how: how.code(),
                    state: state.clone(),
                })
            })
        })
        .collect())
}

/// A running case of the agency the payer may belong to: same IBAN, else same name.
pub(super) async fn suggest(
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
