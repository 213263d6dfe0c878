//! What the debtor's case page reads (port `CasePages`): the case view, the dialogue and the
//! dunning engine's view of the case, on one connection.

use super::accrual::{self, AccrualBook};
use super::dialogue::dialogue_on;
use super::dunning::dunning_case_on;
use super::{currency, date, json_rows, json_spelling, store_err, Db, ReadConn};
use app::domain::accrual::{Accrual, InterestPolicy};
use app::domain::claim::{breakdown, ItemKind};
use app::domain::interest::DebtorKind;
use app::domain::ledger::LedgerItem;
use app::domain::Money;
use app::dto::{Address, CaseView, ClaimView, CreditorView, InterestDetail, ItemView, PaymentView};
use app::server::ports::{CasePage, CasePages, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::NaiveDate;

#[async_trait]
impl CasePages for Db {
    async fn case_view(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CaseView>> {
        let mut conn = self.read_conn("load case view").await?;
        case_view_on(&mut conn, self, case_id, today).await
    }

    async fn case_page(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CasePage>> {
        let mut conn = self.read_conn("load case page").await?;
        // The case, its dialogue and the engine's view of it from one state of the database.
        conn.snapshot().map_err(store_err("load case page"))?;
        let Some(case) = case_view_on(&mut conn, self, case_id, today).await? else {
            return Ok(None);
        };
        let dialogue = dialogue_on(&mut conn, self.backend(), case_id, today).await?;
        let dunning = dunning_case_on(&mut conn, self, case_id, today).await?;
        Ok(Some(CasePage {
            case,
            dialogue,
            dunning,
        }))
    }
}

/// A claim item as the case view reads it (with its claim's header, so a claim without items
/// still comes once).
#[derive(serde::Deserialize)]
struct ItemRow {
    claim_id: i64,
    subject: String,
    contract: Option<String>,
    invoice: Option<String>,
    due: String,
    id: Option<i64>,
    kind: Option<String>,
    description: Option<String>,
    legal_basis: Option<String>,
    item_date: Option<String>,
    amount: Option<i64>,
    currency: Option<String>,
    base: Option<i64>,
    rate: Option<i64>,
    start: Option<String>,
    end: Option<String>,
    vat: Option<i64>,
    accrued: Option<String>,
    segments: Option<String>,
}

/// A claim of the case view: id, subject, contract date, invoice number, due date, items.
type ClaimGroup = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    Vec<ItemView>,
);

/// The case view, read on `conn` (one statement, and the legal tables when interest runs).
async fn case_view_on(
    conn: &mut ReadConn,
    db: &Db,
    case_id: i64,
    today: NaiveDate,
) -> StoreResult<Option<CaseView>> {
    let err = store_err("load case view");
    type CaseRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        i64,
        i64,
        String,
    );
    // The case, its claims with their items (a claim without items still comes, once), its
    // payments and their allocations to items in one statement: the debtor's case page reads
    // this on every visit.
    let sql = json_spelling(
        db.backend(),
        "SELECT c.reference, c.currency, cr.name, cr.street, cr.postcode, cr.city, cr.country, d.name,
                d.address_researched,
                (SELECT CAST(json_group_array(json_array(
                            cl.id, cl.subject, cl.contract_date, cl.invoice_number, cl.due_date,
                            i.id, i.kind, i.description, i.legal_basis, i.item_date, i.amount_minor, i.currency,
                            i.interest_base_minor, i.interest_rate_bp, i.period_start, i.period_end,
                            i.vat_included, i.accrued, i.segments)
                        ORDER BY cl.due_date, cl.id, i.item_date, i.id) AS TEXT)
                 FROM claims cl LEFT JOIN claim_items i ON i.claim_id = cl.id
                 WHERE cl.case_id = c.id),
                (SELECT CAST(json_group_array(json_array(p.amount_minor, p.currency, p.value_date)
                        ORDER BY p.value_date, p.id) AS TEXT)
                 FROM payments p WHERE p.case_id = c.id),
                (SELECT CAST(json_group_array(json_array(x.part, x.id, x.item_id, x.amount_minor, x.value_date)) AS TEXT)
                 FROM (SELECT 0 AS part, a.id, a.item_id, a.amount_minor, a.value_date FROM payment_allocations a
                       WHERE a.case_id = c.id AND a.item_id IS NOT NULL
                       UNION ALL
                       SELECT 1, w.id, w.item_id, w.amount_minor, w.value_date FROM write_downs w
                       WHERE w.case_id = c.id) x),
                d.kind, COALESCE(tc.waive_interest, 0), COALESCE(tc.running_interest, 0), c.state
         FROM cases c
         JOIN creditors cr ON cr.id = c.creditor_id
         JOIN debtors d ON d.id = c.debtor_id
         LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
         WHERE c.id = $1",
    );
    let row: Option<CaseRow> = conn.optional(&sql, &[case_id.into()]).await.map_err(&err)?;
    let Some((
        reference,
        cur,
        cr_name,
        street,
        postcode,
        city,
        country,
        debtor_name,
        address_researched,
        claim_rows,
        payment_rows,
        allocation_rows,
        debtor_kind,
        waive_interest,
        running_interest,
        state,
    )) = row
    else {
        return Ok(None);
    };
    let cur = currency(&cur)?;
    // Interest stops when a case ends (paid, written off, cancelled).
    let ended = matches!(state.as_str(), "paid" | "closed");
    let policy = match InterestPolicy::of(waive_interest != 0, running_interest != 0) {
        InterestPolicy::Statutory if ended => InterestPolicy::HandedOver,
        policy => policy,
    };
    let kind = if debtor_kind == "business" {
        DebtorKind::Business
    } else {
        DebtorKind::Consumer
    };

    let rows: Vec<ItemRow> = json_rows(claim_rows.as_deref(), "claim items of a case")?;
    // One pass over the rows: a claim's header starts its group, each item row is viewed and
    // goes into the ledger the running interest is computed from.
    let mut groups: Vec<ClaimGroup> = Vec::new();
    let mut book = AccrualBook::new(cur);
    for r in rows {
        if groups.last().is_none_or(|g| g.0 != r.claim_id) {
            groups.push((
                r.claim_id,
                r.subject,
                r.contract,
                r.invoice,
                r.due.clone(),
                Vec::new(),
            ));
            book.claim(r.claim_id, date(&r.due)?);
        }
        let (
            Some(id),
            Some(kind),
            Some(description),
            Some(item_date),
            Some(amount),
            Some(item_cur),
            Some(vat),
        ) = (
            r.id,
            r.kind,
            r.description,
            r.item_date,
            r.amount,
            r.currency,
            r.vat,
        )
        else {
            continue; // a claim without items
        };
        let kind = ItemKind::from_code(&kind).ok_or_else(|| {
            tracing::error!(kind, "unknown claim item kind in the database");
            StoreError
        })?;
        let amount = Money::new(amount, currency(&item_cur)?);
        let item_date = date(&item_date)?;
        let last_day = r.end.as_deref().map(date).transpose()?;
        book.item(
            LedgerItem {
                id,
                claim_id: r.claim_id,
                kind,
                amount,
                date: item_date,
                legal_basis: String::new(),
            },
            last_day,
            r.accrued.as_deref(),
        );
        let Some(group) = groups.last_mut() else {
            continue;
        };
        // Running interest charged with a payment shows each of its segments.
        if let (Some("interest"), Some(raw)) = (r.accrued.as_deref(), r.segments.as_deref()) {
            group
                .5
                .extend(accrual::segment_views(&accrual::decode(raw, cur)?));
            continue;
        }
        let interest = match (r.base, r.rate, r.start, last_day) {
            (Some(base), Some(rate_bp), Some(from), Some(to)) => Some(InterestDetail {
                base: Money::new(base, amount.currency),
                rate_bp,
                from: date(&from)?,
                to,
            }),
            _ => None,
        };
        group.5.push(ItemView {
            kind,
            description,
            legal_basis: r.legal_basis,
            date: item_date,
            amount,
            interest,
            vat_included: vat != 0,
        });
    }
    // What payments allocated to items, and the write-downs (shown as lines of their own).
    let postings: Vec<(i64, i64, i64, i64, String)> =
        json_rows(allocation_rows.as_deref(), "allocations of a case")?;
    for (part, id, item_id, amount, value_date) in postings {
        let value_date = date(&value_date)?;
        if part == 0 {
            book.allocation(item_id, amount, value_date);
            continue;
        }
        book.write_down(id, item_id, amount, value_date);
        let Some(item) = book.ledger.items.iter().find(|i| i.id == item_id) else {
            continue;
        };
        if let Some(group) = groups.iter_mut().find(|g| g.0 == item.claim_id) {
            group.5.push(accrual::write_down_view(
                item.kind,
                Money::new(amount, cur),
                value_date,
            ));
        }
    }
    // Interest that runs until paid, up to (not including) today, computed now.
    let accrued = if policy == InterestPolicy::Statutory {
        let statute = db.statute.get(conn).await?;
        book.accrue(policy, kind, &statute, today)?
    } else {
        Accrual::none()
    };
    for item in &accrued.items {
        if let Some(group) = groups.iter_mut().find(|g| g.0 == item.claim_id) {
            group.5.extend(accrual::accrued_views(item));
        }
    }
    let all_items: Vec<(ItemKind, Money)> = groups
        .iter()
        .flat_map(|g| g.5.iter().map(|v| (v.kind, v.amount)))
        .collect();
    let mut claim_views = Vec::with_capacity(groups.len());
    for (_, subject, contract_date, invoice_number, due_date, views) in groups {
        let total = Money::sum(cur, views.iter().map(|v| v.amount)).map_err(|e| {
            tracing::error!(error = %e, "claim items do not add up");
            StoreError
        })?;
        claim_views.push(ClaimView {
            subject,
            contract_date: contract_date.as_deref().map(date).transpose()?,
            invoice_number,
            due_date: date(&due_date)?,
            items: views,
            total,
        });
    }

    let payments: Vec<(i64, String, String)> =
        json_rows(payment_rows.as_deref(), "payments of a case")?;

    let payment_views = payments
        .into_iter()
        .map(|(amount, c, value_date)| {
            Ok(PaymentView {
                value_date: date(&value_date)?,
                amount: Money::new(amount, currency(&c)?),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let summary =
        breakdown(cur, all_items, payment_views.iter().map(|p| p.amount)).map_err(|e| {
            tracing::error!(error = %e, "case amounts do not add up");
            StoreError
        })?;

    Ok(Some(CaseView {
        reference,
        as_of: today,
        debtor_name,
        creditor: CreditorView {
            name: cr_name,
            address: Address {
                street,
                postcode,
                city,
                country,
            },
        },
        summary,
        claims: claim_views,
        payments: payment_views,
        supervisory_authority: Vec::new(),
        address_researched: address_researched != 0,
        interest_stopped_at: accrued.stopped_at,
    }))
}
