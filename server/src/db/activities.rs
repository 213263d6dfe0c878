//! Customer activity reported by the creditor, stored once per creditor and event id and matched
//! to the debtor by the creditor's customer number.

use super::Db;
use app::domain::activity::Activity;
use sqlx::{Any, Transaction};

/// An activity as held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub event_id: String,
    pub customer_number: String,
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub created_at_ms: i64,
}

/// What reporting an activity did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// Stored now.
    Created(ActivityRecord),
    /// Reported before with the same data; nothing changed.
    Same(ActivityRecord),
    /// Reported before with other data (the fields named); nothing changed.
    Differs(ActivityRecord, Vec<&'static str>),
    /// No debtor of this creditor has the customer number; nothing stored.
    UnknownCustomer,
}

type Row = (
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
);

fn record(r: Row) -> ActivityRecord {
    ActivityRecord {
        event_id: r.0,
        customer_number: r.1,
        kind: r.2,
        date: r.3,
        amount_minor: r.4,
        currency: r.5,
        created_at_ms: r.6,
    }
}

/// Stores the creditor's activity once; a repeat with the same event id changes nothing.
pub async fn report_activity(
    db: &Db,
    creditor_id: i64,
    a: &Activity,
    now_ms: i64,
) -> Result<Reported, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let reported = report_in(&mut tx, creditor_id, a, now_ms).await?;
    if matches!(reported, Reported::UnknownCustomer) {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(reported)
}

/// [`report_activity`] as part of `tx`.
pub async fn report_in(
    tx: &mut Transaction<'static, Any>,
    creditor_id: i64,
    a: &Activity,
    now_ms: i64,
) -> Result<Reported, sqlx::Error> {
    let debtor: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM debtors WHERE creditor_id = $1 AND customer_number = $2",
    )
    .bind(creditor_id)
    .bind(&a.customer_number)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(debtor_id) = debtor else {
        return Ok(Reported::UnknownCustomer);
    };
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO customer_activities (creditor_id, debtor_id, event_id, kind, occurred_on, amount_minor, currency,
                                          created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (creditor_id, event_id) DO NOTHING RETURNING id",
    )
    .bind(creditor_id)
    .bind(debtor_id)
    .bind(&a.event_id)
    .bind(a.kind.code())
    .bind(crate::db::iso(a.date))
    .bind(a.amount.map(|m| m.minor))
    .bind(a.amount.map(|m| m.currency.code().to_string()))
    .bind(now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    let held: Row = sqlx::query_as(
        "SELECT a.event_id, d.customer_number, a.kind, a.occurred_on, a.amount_minor, a.currency, a.created_at
         FROM customer_activities a JOIN debtors d ON d.id = a.debtor_id
         WHERE a.creditor_id = $1 AND a.event_id = $2",
    )
    .bind(creditor_id)
    .bind(&a.event_id)
    .fetch_one(&mut **tx)
    .await?;
    let held = record(held);
    if inserted.is_some() {
        return Ok(Reported::Created(held));
    }
    let mut differing = Vec::new();
    for (field, differs) in [
        ("customer_number", held.customer_number != a.customer_number),
        ("kind", held.kind != a.kind.code()),
        ("date", held.date != crate::db::iso(a.date)),
        ("amount", held.amount_minor != a.amount.map(|m| m.minor)),
    ] {
        if differs {
            differing.push(field);
        }
    }
    Ok(if differing.is_empty() {
        Reported::Same(held)
    } else {
        Reported::Differs(held, differing)
    })
}
