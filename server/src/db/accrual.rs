//! How running interest is stored and shown: the segments of a charged interest item as JSON,
//! and the item lines a debtor sees for each segment, whether charged or accrued when read.

use super::read::Arg;
use super::{currency, date, placeholders, store_err, Db, ReadConn, StoreResult, MAX_BINDS};
use app::domain::accrual::{
    accrue, Accrual, AccrualClaim, AccruedItem, InterestPolicy, Statute, INTEREST_BASIS,
    INTEREST_DESCRIPTION,
};
use app::domain::claim::ItemKind;
use app::domain::interest::{Conventions, DebtorKind, InterestLine};
use app::domain::ledger::{Ledger, LedgerItem, Posting};
use app::domain::{Currency, Money};
use app::dto::{InterestDetail, ItemView};
use app::server::ports::StoreError;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One stored segment: principal, rate in basis points, first day, the day after the last, days,
/// interest (minor units).
type Segment = (i64, i32, String, String, i64, i64);

/// The segments of an interest item as stored in `claim_items.segments`.
pub(crate) fn encode(lines: &[InterestLine]) -> String {
    let rows: Vec<Segment> = lines
        .iter()
        .map(|l| {
            (
                l.principal.minor,
                l.rate_bp,
                super::iso(l.from),
                super::iso(l.to),
                l.days,
                l.interest.minor,
            )
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// The segments stored for an interest item.
pub(crate) fn decode(raw: &str, currency: Currency) -> StoreResult<Vec<InterestLine>> {
    let rows: Vec<Segment> = serde_json::from_str(raw).map_err(|e| {
        tracing::error!(error = %e, "the segments of an interest item do not decode");
        StoreError
    })?;
    rows.into_iter()
        .map(|(principal, rate_bp, from, to, days, interest)| {
            Ok(InterestLine {
                principal: Money::new(principal, currency),
                rate_bp,
                from: super::date(&from)?,
                to: super::date(&to)?,
                days,
                interest: Money::new(interest, currency),
            })
        })
        .collect()
}

/// The lines a debtor sees for running interest: one per segment, each with its principal, rate,
/// period and days (§ 13a (1) no. 5 RDG).
pub(crate) fn segment_views(lines: &[InterestLine]) -> Vec<ItemView> {
    lines
        .iter()
        .map(|l| ItemView {
            kind: ItemKind::Interest,
            description: INTEREST_DESCRIPTION.into(),
            legal_basis: Some(INTEREST_BASIS.into()),
            date: l.to.pred_opt().unwrap_or(l.to),
            amount: l.interest,
            interest: Some(InterestDetail {
                base: l.principal,
                rate_bp: i64::from(l.rate_bp),
                from: l.from,
                // The segment runs up to, not including, `l.to`: its last day is the one before.
                to: l.to.pred_opt().unwrap_or(l.to),
            }),
            vat_included: false,
        })
        .collect()
}

/// The line a debtor sees for a write-down: the part of an item waived, as a negative amount of
/// the item's kind (the reason stays with the agency).
pub(crate) fn write_down_view(kind: ItemKind, amount: Money, value_date: NaiveDate) -> ItemView {
    ItemView {
        kind,
        description: "Erlassen (Verzicht auf den offenen Betrag)".into(),
        legal_basis: None,
        date: value_date,
        amount: Money::new(-amount.minor, amount.currency),
        interest: None,
        vat_included: false,
    }
}

/// The lines of an item accrued when read.
pub(crate) fn accrued_views(item: &AccruedItem) -> Vec<ItemView> {
    match item.kind {
        ItemKind::Interest => segment_views(&item.lines),
        _ => vec![ItemView {
            kind: ItemKind::Cost,
            description: item.description().into(),
            legal_basis: Some(item.legal_basis().into()),
            date: item.from,
            amount: item.amount,
            interest: None,
            vat_included: false,
        }],
    }
}

/// A case's ledger and claims as the accrual reads them, filled row by row from any statement.
pub(crate) struct AccrualBook {
    pub(crate) ledger: Ledger,
    pub(crate) claims: Vec<AccrualClaim>,
}

impl AccrualBook {
    /// An empty book in `currency`.
    pub(crate) fn new(currency: Currency) -> AccrualBook {
        AccrualBook {
            ledger: Ledger::new(currency),
            claims: Vec::new(),
        }
    }

    /// Notes claim `claim_id` (once; rows of a claim may come in any order).
    pub(crate) fn claim(&mut self, claim_id: i64, due_date: NaiveDate) {
        if !self.claims.iter().any(|c| c.claim_id == claim_id) {
            self.claims.push(AccrualClaim::new(claim_id, due_date));
        }
    }

    /// Adds a stored item of a noted claim: `last_day` ends an interest item's period, `accrued`
    /// is what the accrual charged it as (`interest` or `lump_sum`), if anything.
    pub(crate) fn item(
        &mut self,
        item: LedgerItem,
        last_day: Option<NaiveDate>,
        accrued: Option<&str>,
    ) {
        if let Some(claim) = self.claims.iter_mut().find(|c| c.claim_id == item.claim_id) {
            claim.note(item.kind, last_day, accrued == Some("lump_sum"));
        }
        self.ledger.items.push(item);
    }

    /// Adds what a payment allocated to item `item_id`.
    pub(crate) fn allocation(&mut self, item_id: i64, amount: i64, value_date: NaiveDate) {
        self.ledger.postings.push(Posting {
            payment_id: 0,
            item_id: Some(item_id),
            amount: Money::new(amount, self.ledger.currency),
            value_date,
        });
    }

    /// Adds write-down `id` of `amount` on item `item_id` from `value_date`.
    pub(crate) fn write_down(&mut self, id: i64, item_id: i64, amount: i64, value_date: NaiveDate) {
        self.ledger.postings.push(Posting::write_down(
            id,
            item_id,
            Money::new(amount, self.ledger.currency),
            value_date,
        ));
    }

    /// What the book accrues for the days before `until` under `policy`.
    pub(crate) fn accrue(
        &self,
        policy: InterestPolicy,
        kind: DebtorKind,
        statute: &Statute,
        until: NaiveDate,
    ) -> StoreResult<Accrual> {
        accrue(
            &self.ledger,
            &self.claims,
            policy,
            kind,
            statute,
            until,
            Conventions::default(),
        )
        .map_err(|e| {
            tracing::error!(error = %e, "running interest cannot be computed");
            StoreError
        })
    }
}

/// A row of [`accrued_by_case`]'s statement: part (0 an item, 1 an allocation, 2 a write-down),
/// case, claim (the write-down's id for part 2), due date, item, kind, amount, date, last day of
/// interest, accrued as, currency, business.
type BookRow = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    i64,
    Option<String>,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// What the cases among `case_ids` that have not ended and whose customer group charges
/// statutory interest have accrued for the days before `today` and not yet charged (interest and
/// lump sums), by case: what a list adds to its stored balances to show what the case page shows.
/// Cases that accrue nothing are left out.
pub(crate) async fn accrued_by_case(
    db: &Db,
    conn: &mut ReadConn,
    case_ids: &[i64],
    today: NaiveDate,
) -> StoreResult<HashMap<i64, i64>> {
    let err = store_err("compute running interest");
    let mut books: HashMap<i64, (AccrualBook, DebtorKind)> = HashMap::new();
    let mut ids = case_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(MAX_BINDS / 2) {
        let list = placeholders(1, chunk.len());
        let sql = format!(
            "SELECT CAST(0 AS BIGINT), c.id, cl.id, cl.due_date, i.id, i.kind, i.amount_minor, i.item_date, i.period_end,
                    i.accrued, c.currency, CAST(CASE WHEN d.kind = 'business' THEN 1 ELSE 0 END AS BIGINT)
             FROM cases c JOIN debtors d ON d.id = c.debtor_id
                  JOIN treatment_classes tc ON tc.id = c.treatment_class_id
                  JOIN claims cl ON cl.case_id = c.id JOIN claim_items i ON i.claim_id = cl.id
             WHERE tc.running_interest = 1 AND tc.waive_interest = 0 AND c.state NOT IN ('paid', 'closed')
               AND c.id IN ({list})
             UNION ALL
             SELECT CAST(1 AS BIGINT), a.case_id, NULL, NULL, a.item_id, NULL, a.amount_minor, a.value_date, NULL,
                    NULL, NULL, NULL
             FROM payment_allocations a JOIN cases c ON c.id = a.case_id
                  JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             WHERE tc.running_interest = 1 AND tc.waive_interest = 0 AND c.state NOT IN ('paid', 'closed')
               AND a.item_id IS NOT NULL
               AND a.case_id IN ({list})
             UNION ALL
             SELECT CAST(2 AS BIGINT), w.case_id, w.id, NULL, w.item_id, NULL, w.amount_minor, w.value_date, NULL,
                    NULL, NULL, NULL
             FROM write_downs w JOIN cases c ON c.id = w.case_id
                  JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             WHERE tc.running_interest = 1 AND tc.waive_interest = 0 AND c.state NOT IN ('paid', 'closed')
               AND w.case_id IN ({list})
             ORDER BY 1, 2"
        );
        let args: Vec<Arg<'_>> = chunk.iter().map(|id| (*id).into()).collect();
        let rows: Vec<BookRow> = conn.all(&sql, &args).await.map_err(&err)?;
        for (
            part,
            case_id,
            claim,
            due,
            item_id,
            kind,
            amount,
            day,
            last_day,
            accrued,
            cur,
            business,
        ) in rows
        {
            if part == 0 {
                let (Some(claim_id), Some(due), Some(kind), Some(cur)) = (claim, due, kind, cur)
                else {
                    continue;
                };
                let currency = currency(&cur)?;
                let (book, _) = books.entry(case_id).or_insert_with(|| {
                    let kind = if business == Some(1) {
                        DebtorKind::Business
                    } else {
                        DebtorKind::Consumer
                    };
                    (AccrualBook::new(currency), kind)
                });
                book.claim(claim_id, date(&due)?);
                let kind = ItemKind::from_code(&kind).ok_or_else(|| {
                    tracing::error!(kind, "unknown claim item kind in the database");
                    StoreError
                })?;
                book.item(
                    LedgerItem {
                        id: item_id,
                        claim_id,
                        kind,
                        amount: Money::new(amount, currency),
                        date: date(&day)?,
                        legal_basis: String::new(),
                    },
                    last_day.as_deref().map(date).transpose()?,
                    accrued.as_deref(),
                );
            } else if let Some((book, _)) = books.get_mut(&case_id) {
                match (part, claim) {
                    (2, Some(id)) => book.write_down(id, item_id, amount, date(&day)?),
                    _ => book.allocation(item_id, amount, date(&day)?),
                }
            }
        }
    }
    let mut out = HashMap::new();
    if books.is_empty() {
        return Ok(out);
    }
    let statute = db.statute.get(conn).await?;
    for (case_id, (book, kind)) in books {
        let accrual = book.accrue(InterestPolicy::Statutory, kind, &statute, today)?;
        let total: i64 = accrual.items.iter().map(|i| i.amount.minor).sum();
        if total != 0 {
            out.insert(case_id, total);
        }
    }
    Ok(out)
}
