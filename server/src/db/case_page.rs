//! What the debtor's case page reads (port `CasePages`): the case view, the dialogue and the
//! dunning engine's view of the case, on one connection.

use super::dialogue::dialogue_on;
use super::dunning::dunning_case_on;
use super::{currency, date, json_rows, json_spelling, store_err, Db, ReadConn};
use crate::config::Backend;
use app::domain::claim::{breakdown, ItemKind};
use app::domain::Money;
use app::dto::{Address, CaseView, ClaimView, CreditorView, InterestDetail, ItemView, PaymentView};
use app::server::ports::{CasePage, CasePages, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::NaiveDate;

#[async_trait]
impl CasePages for Db {
    async fn case_view(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CaseView>> {
        let mut conn = self.read_conn("load case view").await?;
        case_view_on(&mut conn, self.backend(), case_id, today).await
    }

    async fn case_page(&self, case_id: i64, today: NaiveDate) -> StoreResult<Option<CasePage>> {
        let mut conn = self.read_conn("load case page").await?;
        // The case, its dialogue and the engine's view of it from one state of the database.
        conn.snapshot().map_err(store_err("load case page"))?;
        let Some(case) = case_view_on(&mut conn, self.backend(), case_id, today).await? else {
            return Ok(None);
        };
        let dialogue = dialogue_on(&mut conn, self.backend(), case_id, today).await?;
        let dunning = dunning_case_on(&mut conn, self.backend(), case_id, today).await?;
        Ok(Some(CasePage {
            case,
            dialogue,
            dunning,
        }))
    }
}

/// The case view, read on `conn` (one statement).
async fn case_view_on(
    conn: &mut ReadConn,
    backend: Backend,
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
    );
    // The case, its claims with their items (a claim without items still comes, once) and
    // its payments in one statement: the debtor's case page reads this on every visit.
    let sql = json_spelling(
        backend,
        "SELECT c.reference, c.currency, cr.name, cr.street, cr.postcode, cr.city, cr.country, d.name,
                d.address_researched,
                (SELECT CAST(json_group_array(json_array(
                            cl.id, cl.subject, cl.contract_date, cl.invoice_number, cl.due_date,
                            i.kind, i.description, i.legal_basis, i.item_date, i.amount_minor, i.currency,
                            i.interest_base_minor, i.interest_rate_bp, i.period_start, i.period_end,
                            i.vat_included)
                        ORDER BY cl.due_date, cl.id, i.item_date, i.id) AS TEXT)
                 FROM claims cl LEFT JOIN claim_items i ON i.claim_id = cl.id
                 WHERE cl.case_id = c.id),
                (SELECT CAST(json_group_array(json_array(p.amount_minor, p.currency, p.value_date)
                        ORDER BY p.value_date, p.id) AS TEXT)
                 FROM payments p WHERE p.case_id = c.id)
         FROM cases c
         JOIN creditors cr ON cr.id = c.creditor_id
         JOIN debtors d ON d.id = c.debtor_id
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
    )) = row
    else {
        return Ok(None);
    };
    let cur = currency(&cur)?;

    type ItemRow = (
        i64,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let rows: Vec<ItemRow> = json_rows(claim_rows.as_deref(), "claim items of a case")?;
    // One pass over the rows: a claim's header starts its group, each item row is viewed.
    // A group: id, subject, contract date, invoice number, due date, items.
    type ClaimGroup = (
        i64,
        String,
        Option<String>,
        Option<String>,
        String,
        Vec<ItemView>,
    );
    let mut groups: Vec<ClaimGroup> = Vec::new();
    let mut all_items = Vec::with_capacity(rows.len());
    for (
        id,
        subject,
        contract,
        invoice,
        due,
        kind,
        description,
        legal_basis,
        item_date,
        amount,
        item_cur,
        base,
        rate,
        start,
        end,
        vat,
    ) in rows
    {
        if groups.last().is_none_or(|g| g.0 != id) {
            groups.push((id, subject, contract, invoice, due, Vec::new()));
        }
        let (
            Some(kind),
            Some(description),
            Some(item_date),
            Some(amount),
            Some(item_cur),
            Some(vat),
        ) = (kind, description, item_date, amount, item_cur, vat)
        else {
            continue; // a claim without items
        };
        let kind = ItemKind::from_code(&kind).ok_or_else(|| {
            tracing::error!(kind, "unknown claim item kind in the database");
            StoreError
        })?;
        let amount = Money::new(amount, currency(&item_cur)?);
        all_items.push((kind, amount));
        let interest = match (base, rate, start, end) {
            (Some(base), Some(rate_bp), Some(from), Some(to)) => Some(InterestDetail {
                base: Money::new(base, amount.currency),
                rate_bp,
                from: date(&from)?,
                to: date(&to)?,
            }),
            _ => None,
        };
        if let Some(group) = groups.last_mut() {
            group.5.push(ItemView {
                kind,
                description,
                legal_basis,
                date: date(&item_date)?,
                amount,
                interest,
                vat_included: vat != 0,
            });
        }
    }
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
    }))
}
