//! Reading what a batch of bookings needs, once: the cases with their states and external ids, and
//! each case's ledger (items and earlier allocations) to allocate new payments against.

use super::{bad, CaseBook};
use crate::db::placeholders;
use app::domain::accrual::AccrualClaim;
use app::domain::allocation::ClaimFacts;
use app::domain::case_state::CaseState;
use app::domain::claim::ItemKind;
use app::domain::interest::DebtorKind;
use app::domain::ledger::{Ledger, LedgerItem, Posting};
use app::domain::{Currency, Language, Money};
use chrono::NaiveDate;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

fn day(raw: &str) -> Result<NaiveDate, sqlx::Error> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(bad)
}

/// Reads the cases `ids` into `cases`: each with its debtor, creditor, balance, items and the
/// allocations of the payments before.
pub(crate) async fn read_cases(
    tx: &mut Transaction<'_, Any>,
    ids: &[i64],
    cases: &mut HashMap<i64, CaseBook>,
) -> Result<(), sqlx::Error> {
    type Contact = (
        i64,
        String,
        String,
        String,
        i64,
        i64,
        String,
        Option<String>,
        String,
        String,
        String,
        Option<String>,
        i64,
        i64,
        i64,
        i64,
    );
    // The last column says whether statutory interest runs on the case, and for whom (0: it does
    // not — the group does not charge it, or the case has ended —, 1: for a consumer, 2: for a
    // business); a row holds sixteen columns at most.
    let sql = format!(
        "SELECT c.id, c.state, c.reference, c.currency, c.creditor_id, d.id, d.name, d.email, d.language, d.time_zone,
                cr.name, cr.website, CAST(CASE WHEN cr.webhook_url IS NULL THEN 0 ELSE 1 END AS BIGINT),
                CAST(COALESCE((SELECT SUM(i.amount_minor) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
                               WHERE cl.case_id = c.id), 0) AS BIGINT),
                CAST(COALESCE((SELECT SUM(pm.amount_minor) FROM payments pm WHERE pm.case_id = c.id), 0)
                     + COALESCE((SELECT SUM(w.amount_minor) FROM write_downs w WHERE w.case_id = c.id), 0) AS BIGINT),
                CAST(CASE WHEN COALESCE(tc.waive_interest, 0) = 0 AND COALESCE(tc.running_interest, 0) = 1
                               AND c.state NOT IN ('paid', 'closed')
                          THEN (CASE WHEN d.kind = 'business' THEN 2 ELSE 1 END) ELSE 0 END AS BIGINT)
         FROM cases c JOIN debtors d ON d.id = c.debtor_id JOIN creditors cr ON cr.id = c.creditor_id
              LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
         WHERE c.id IN ({})",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query_as::<_, Contact>(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    for row in query.fetch_all(&mut **tx).await? {
        let (id, state, reference, currency, creditor_id, debtor_id, name, email, language) = (
            row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
        );
        // `paid` counts the write-downs too: what no longer has to be paid.
        let (time_zone, creditor, website, listening, owed, paid) =
            (row.9, row.10, row.11, row.12, row.13, row.14);
        let running = match row.15 {
            1 => Some(DebtorKind::Consumer),
            2 => Some(DebtorKind::Business),
            _ => None,
        };
        let currency = Currency::parse(&currency).map_err(bad)?;
        cases.insert(
            id,
            CaseBook {
                ledger: Ledger::new(currency),
                facts: Vec::new(),
                state: CaseState::from_code(&state).ok_or_else(|| bad(format!("state {state}")))?,
                reference,
                creditor_id,
                debtor_id,
                name,
                email: email.filter(|e| !e.trim().is_empty()),
                language: Language::from_code(&language).unwrap_or(Language::De),
                time_zone,
                creditor,
                website,
                listening: listening != 0,
                external_ids: Vec::new(),
                owed,
                paid,
                running,
                accrual: Vec::new(),
            },
        );
    }
    read_ledgers(tx, ids, cases).await
}

/// Fills in the ledgers of `cases` (read for `ids`) and the § 366 facts of their claims: the items
/// with their claim's dates, then the postings of the payments before, in one statement (a claim
/// without items has nothing to allocate to, so it needs no facts).
async fn read_ledgers(
    tx: &mut Transaction<'_, Any>,
    ids: &[i64],
    cases: &mut HashMap<i64, CaseBook>,
) -> Result<(), sqlx::Error> {
    // Rows of part 0 are items (case, id, claim, kind, amount, date, due date, contract date,
    // last day of an interest period, what the accrual charged), rows of part 1 postings (case,
    // payment, item, -, amount, value date), rows of part 2 write-downs (case, id, item, -,
    // amount, value date).
    type Row = (
        i64,
        i64,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let list = placeholders(1, ids.len());
    let sql = format!(
        "SELECT CAST(0 AS BIGINT), cl.case_id, i.id, i.id, i.claim_id, i.kind, i.amount_minor, i.item_date, cl.due_date,
                cl.contract_date, i.period_end, i.accrued
         FROM claim_items i JOIN claims cl ON cl.id = i.claim_id WHERE cl.case_id IN ({list})
         UNION ALL
         SELECT CAST(1 AS BIGINT), a.case_id, a.id, a.payment_id, a.item_id, NULL, a.amount_minor, a.value_date, NULL, NULL,
                NULL, NULL
         FROM payment_allocations a WHERE a.case_id IN ({list})
         UNION ALL
         SELECT CAST(2 AS BIGINT), w.case_id, w.id, w.id, w.item_id, NULL, w.amount_minor, w.value_date, NULL, NULL,
                NULL, NULL
         FROM write_downs w WHERE w.case_id IN ({list})
         ORDER BY 1, 3"
    );
    let mut query = sqlx::query_as::<_, Row>(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    // The claims' due and contract dates, per case, in the order of their items.
    let mut claims: HashMap<i64, Vec<(i64, String, Option<String>)>> = HashMap::new();
    // What the accrual needs of each claim's items: kind, last day of interest, lump sum.
    type Noted = (ItemKind, Option<NaiveDate>, bool);
    let mut noted: HashMap<i64, Vec<Noted>> = HashMap::new();
    for (part, case_id, _, id, other, kind, amount, date, due, contract, last_day, accrued) in rows
    {
        let case = cases
            .get_mut(&case_id)
            .ok_or_else(|| bad(format!("ledger row of case {case_id}")))?;
        let currency = case.ledger.currency;
        match (part, kind, other, due) {
            (0, Some(kind), Some(claim_id), Some(due)) => {
                let kind =
                    ItemKind::from_code(&kind).ok_or_else(|| bad(format!("item kind {kind}")))?;
                noted.entry(claim_id).or_default().push((
                    kind,
                    last_day.as_deref().map(day).transpose()?,
                    accrued.as_deref() == Some("lump_sum"),
                ));
                case.ledger.items.push(LedgerItem {
                    id,
                    claim_id,
                    kind,
                    amount: Money::new(amount, currency),
                    date: day(&date)?,
                    legal_basis: String::new(),
                });
                claims
                    .entry(case_id)
                    .or_default()
                    .push((claim_id, due, contract));
            }
            (1, None, item_id, None) => case.ledger.postings.push(Posting {
                payment_id: id,
                item_id,
                amount: Money::new(amount, currency),
                value_date: day(&date)?,
            }),
            (2, None, Some(item_id), None) => case.ledger.postings.push(Posting::write_down(
                id,
                item_id,
                Money::new(amount, currency),
                day(&date)?,
            )),
            _ => return Err(bad(format!("ledger row of part {part}"))),
        }
    }
    for (case_id, mut list) in claims {
        list.sort_by_key(|c| c.0);
        list.dedup_by_key(|c| c.0);
        let Some(case) = cases.get_mut(&case_id) else {
            continue;
        };
        if case.running.is_some() {
            case.accrual = list
                .iter()
                .map(|(claim_id, due, _)| {
                    let mut claim = AccrualClaim::new(*claim_id, day(due)?);
                    for (kind, last_day, lump_sum) in noted.get(claim_id).into_iter().flatten() {
                        claim.note(*kind, *last_day, *lump_sum);
                    }
                    Ok(claim)
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
        }
        case.facts = list
            .into_iter()
            .map(|(claim_id, due, contract)| {
                let due_date = day(&due)?;
                Ok(ClaimFacts {
                    claim_id,
                    due_date,
                    security: 0,
                    burden_bp: 0,
                    origin_date: contract
                        .as_deref()
                        .map(day)
                        .transpose()?
                        .unwrap_or(due_date),
                    consumer_credit: false,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
    }
    Ok(())
}
