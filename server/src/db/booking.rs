//! Booking a payment on a case, inside the caller's transaction: the payment row, its allocation
//! to claims and items by §§ 366, 367 BGB, the timeline event (which also queues the creditor's
//! webhook), the receipt and — when nothing is left to pay — the closing of the case with a
//! thank-you. Used for bank transfers from statements, handler-confirmed payments and online
//! payments alike.

use super::dialogue::insert_event;
use super::iso;
use super::plans::queue;
use app::domain::allocation::{allocate, Allocation, ClaimFacts, Designation, Payment};
use app::domain::case_state::{transition, Actor, CaseEvent, CaseState};
use app::domain::claim::ItemKind;
use app::domain::ledger::{Ledger, LedgerItem, Posting};
use app::domain::{Currency, Language, Money};
use app::server::emails;
use app::server::ports::QueuedEmail;
use chrono::NaiveDate;
use sqlx::{Any, Transaction};

/// A payment to book.
pub(crate) struct NewPayment<'a> {
    pub case_id: i64,
    pub amount: Money,
    pub value_date: NaiveDate,
    /// `transfer`, `online` or `confirmed`.
    pub method: &'a str,
    /// Names the payment in email dedupe keys, e.g. `bank:<entry key>:0`.
    pub source: &'a str,
    pub now_ms: i64,
    pub base_url: &'a str,
}

/// What the booking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Booked {
    pub payment_id: i64,
    pub paid_in_full: bool,
}

fn bad(what: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Protocol(format!("booking: {what}"))
}

fn day(raw: &str) -> Result<NaiveDate, sqlx::Error> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(bad)
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':'])
        .next()
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
        .to_string()
}

/// The case's ledger and the § 366 facts of its claims, as stored.
async fn ledger(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    currency: Currency,
) -> Result<(Ledger, Vec<ClaimFacts>), sqlx::Error> {
    // The items with their claim's dates, then the postings of the payments before, in one
    // statement (a claim without items has nothing to allocate to, so it needs no facts). Rows of
    // part 0 are items (id, claim, kind, amount, date, due date, contract date), rows of part 1
    // postings (payment, item, -, amount, value date).
    type Row = (
        i64,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        i64,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT CAST(0 AS BIGINT), i.id, i.id, i.claim_id, i.kind, i.amount_minor, i.item_date, cl.due_date, cl.contract_date
         FROM claim_items i JOIN claims cl ON cl.id = i.claim_id WHERE cl.case_id = $1
         UNION ALL
         SELECT CAST(1 AS BIGINT), a.id, a.payment_id, a.item_id, NULL, a.amount_minor, a.value_date, NULL, NULL
         FROM payment_allocations a WHERE a.case_id = $1
         ORDER BY 1, 2",
    )
    .bind(case_id)
    .fetch_all(&mut **tx)
    .await?;
    type ItemRow = (i64, i64, String, i64, String, String, Option<String>);
    let mut items: Vec<ItemRow> = Vec::new();
    let mut postings: Vec<(i64, Option<i64>, i64, String)> = Vec::new();
    for (part, _, id, other, kind, amount, date, due, contract) in rows {
        match (part, kind, other, due) {
            (0, Some(kind), Some(claim_id), Some(due)) => {
                items.push((id, claim_id, kind, amount, date, due, contract));
            }
            (1, None, item_id, None) => postings.push((id, item_id, amount, date)),
            _ => return Err(bad(format!("ledger row of part {part}"))),
        }
    }
    let mut claims: Vec<(i64, String, Option<String>)> = items
        .iter()
        .map(|(_, claim_id, _, _, _, due, contract)| (*claim_id, due.clone(), contract.clone()))
        .collect();
    claims.sort_by_key(|c| c.0);
    claims.dedup_by_key(|c| c.0);
    let mut l = Ledger::new(currency);
    for (id, claim_id, kind, amount, date, _, _) in items {
        l.items.push(LedgerItem {
            id,
            claim_id,
            kind: ItemKind::from_code(&kind).ok_or_else(|| bad(format!("item kind {kind}")))?,
            amount: Money::new(amount, currency),
            date: day(&date)?,
            legal_basis: String::new(),
        });
    }
    for (payment_id, item_id, amount, date) in postings {
        l.postings.push(Posting {
            payment_id,
            item_id,
            amount: Money::new(amount, currency),
            value_date: day(&date)?,
        });
    }
    let facts = claims
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
    Ok((l, facts))
}

/// How the debtor is told of a booking.
pub(crate) enum Receipt<'a> {
    /// The standard receipt email.
    Standard,
    /// An email the caller built (the online payment brings its own).
    Given(&'a QueuedEmail),
    /// None: the caller tells the debtor itself (a handler's confirmation).
    Skip,
}

/// Inserts the payment and its allocation to the case's items by §§ 366, 367 BGB; returns the
/// payment's id and how much went to costs, interest, principal and the debtor's credit.
pub(crate) async fn insert_allocated(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    amount: Money,
    value_date: NaiveDate,
    method: &str,
    now: i64,
) -> Result<(i64, [i64; 4]), sqlx::Error> {
    let currency = amount.currency;
    let payment_id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (case_id, amount_minor, currency, value_date, method, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(case_id)
    .bind(amount.minor)
    .bind(currency.code().to_string())
    .bind(iso(value_date))
    .bind(method)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;

    let (l, facts) = ledger(tx, case_id, currency).await?;
    let payment = Payment {
        payment_id,
        amount,
        value_date,
        designation: Designation::None,
    };
    let kinds: std::collections::HashMap<i64, ItemKind> =
        l.items.iter().map(|i| (i.id, i.kind)).collect();
    let mut split = [0i64; 4]; // costs, interest, principal, credit
    match allocate(&l, &facts, &payment).map_err(bad)? {
        Allocation::Booked { postings, .. } => {
            for posting in postings {
                let kind = posting.item_id.and_then(|id| kinds.get(&id).copied());
                let slot = match kind {
                    Some(ItemKind::Cost) => 0,
                    Some(ItemKind::Interest) => 1,
                    Some(ItemKind::Principal) => 2,
                    None => 3,
                };
                split[slot] += posting.amount.minor;
                sqlx::query(
                    "INSERT INTO payment_allocations (payment_id, case_id, item_id, kind, amount_minor, currency, value_date, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(payment_id)
                .bind(case_id)
                .bind(posting.item_id)
                .bind(kind.map_or("credit", |k| k.code()))
                .bind(posting.amount.minor)
                .bind(currency.code().to_string())
                .bind(iso(posting.value_date))
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
        // Only a designation can be referred, and these payments carry none.
        Allocation::Referred(r) => return Err(bad(format!("referred: {r:?}"))),
    }
    Ok((payment_id, split))
}

/// Books `p` as part of `tx`: payment, allocation, timeline event (and with it the creditor's
/// webhook), receipt, and the closing of a case that is paid in full. Without an email address no
/// email is written.
pub(crate) async fn book_payment(
    tx: &mut Transaction<'_, Any>,
    p: &NewPayment<'_>,
    receipt: Receipt<'_>,
) -> Result<Booked, sqlx::Error> {
    let now = p.now_ms;
    let currency = p.amount.currency;
    let (payment_id, split) =
        insert_allocated(tx, p.case_id, p.amount, p.value_date, p.method, now).await?;
    let detail = serde_json::json!({
        "amount": p.amount.decimal(),
        "currency": currency.code(),
        "value_date": iso(p.value_date),
        "method": p.method,
        "allocation": {
            "costs": Money::new(split[0], currency).decimal(),
            "interest": Money::new(split[1], currency).decimal(),
            "principal": Money::new(split[2], currency).decimal(),
            "credit": Money::new(split[3], currency).decimal(),
        },
    })
    .to_string();
    insert_event(tx, p.case_id, now, "system", "payment_received", &detail).await?;

    type Contact = (
        String,
        String,
        i64,
        String,
        Option<String>,
        String,
        String,
        String,
        Option<String>,
        i64,
        i64,
    );
    // The debtor's contact data and the case's balance after this payment, in one statement.
    let (
        state,
        reference,
        debtor_id,
        name,
        email,
        language,
        time_zone,
        creditor,
        website,
        owed,
        paid,
    ): Contact = sqlx::query_as(
        "SELECT c.state, c.reference, d.id, d.name, d.email, d.language, d.time_zone, cr.name, cr.website,
                CAST(COALESCE((SELECT SUM(i.amount_minor) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
                               WHERE cl.case_id = c.id), 0) AS BIGINT),
                CAST(COALESCE((SELECT SUM(pm.amount_minor) FROM payments pm WHERE pm.case_id = c.id), 0) AS BIGINT)
         FROM cases c JOIN debtors d ON d.id = c.debtor_id JOIN creditors cr ON cr.id = c.creditor_id
         WHERE c.id = $1",
    )
    .bind(p.case_id)
    .fetch_one(&mut **tx)
    .await?;
    let lang = Language::from_code(&language).unwrap_or(Language::De);
    let base = p.base_url.trim_end_matches('/');
    let email = email.filter(|e| !e.trim().is_empty());
    let mail = |key: String, (subject, text, html): (String, String, String)| {
        email.clone().map(|to| QueuedEmail {
            dedupe_key: key,
            debtor_id,
            to,
            time_zone: time_zone.clone(),
            subject,
            text,
            html,
            link_token_hash: None,
            host: host_of(base),
        })
    };
    match receipt {
        Receipt::Given(r) => queue(tx, p.case_id, r, now).await?,
        Receipt::Skip => {}
        Receipt::Standard => {
            let built = mail(
                format!("payment:{}:receipt", p.source),
                emails::payment_received(
                    lang,
                    &name,
                    &reference,
                    p.amount,
                    p.value_date,
                    &format!("{base}/"),
                ),
            );
            if let Some(r) = built {
                queue(tx, p.case_id, &r, now).await?;
            }
        }
    }

    let mut paid_in_full = false;
    let current = CaseState::from_code(&state).ok_or_else(|| bad(format!("state {state}")))?;
    if paid >= owed {
        let closed = transition(current, CaseEvent::PaidInFull, Actor::System)
            .and_then(|s| transition(s, CaseEvent::Closed, Actor::System));
        if let Ok(next) = closed {
            paid_in_full = true;
            sqlx::query("UPDATE cases SET state = $2, updated_at = $3 WHERE id = $1")
                .bind(p.case_id)
                .bind(next.code())
                .bind(now)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE plans SET state = 'completed', updated_at = $2 WHERE case_id = $1 AND state = 'agreed'",
            )
            .bind(p.case_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "UPDATE work_items SET done_at = $2, updated_at = $2 WHERE case_id = $1 AND done_at IS NULL",
            )
            .bind(p.case_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            insert_event(
                tx,
                p.case_id,
                now,
                "system",
                "case_closed",
                r#"{"reason":"paid_in_full"}"#,
            )
            .await?;
            let website = website.filter(|w| w.starts_with("https://") || w.starts_with("http://"));
            if let Some(thanks) = mail(
                format!("case:{}:paid_in_full", p.case_id),
                emails::paid_in_full(
                    lang,
                    &name,
                    &reference,
                    &creditor,
                    website.as_deref(),
                    &format!("{base}/"),
                ),
            ) {
                queue(tx, p.case_id, &thanks, now).await?;
            }
        }
    }
    Ok(Booked {
        payment_id,
        paid_in_full,
    })
}

/// Books a bank transfer matched to `case_id` as part of `tx`; returns the payment's id.
pub async fn book_transfer(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    amount: Money,
    value_date: NaiveDate,
    source: &str,
    now_ms: i64,
    base_url: &str,
) -> Result<i64, sqlx::Error> {
    let p = NewPayment {
        case_id,
        amount,
        value_date,
        method: "transfer",
        source,
        now_ms,
        base_url,
    };
    Ok(book_payment(tx, &p, Receipt::Standard).await?.payment_id)
}
