//! Writing a case off: ledger entries for everything still open, never an edit of an item.

use super::{bad, Bookings};
use crate::db::{insert_rows, iso};
use app::domain::Money;
use chrono::NaiveDate;
use sqlx::{Any, Transaction};

/// Writes off everything open on `case_id` on `day` as part of `tx`: the running interest up to
/// `day` is charged first, then each item's open amount becomes a write-down with `reason`
/// (ledger entries, no payment). Returns the amount written off.
pub(crate) async fn write_off(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    day: NaiveDate,
    reason: &str,
    staff_id: Option<i64>,
    now: i64,
) -> Result<Money, sqlx::Error> {
    let mut bookings = Bookings::load(tx, &[case_id], 0).await?;
    bookings.charge_running(case_id, day, now)?;
    let case = bookings
        .cases
        .get(&case_id)
        .ok_or_else(|| bad(format!("case {case_id} was not read")))?;
    let currency = case.ledger.currency;
    let mut ids = crate::db::reserve_ids(tx, "write_downs", case.ledger.items.len()).await?;
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let downs = case
        .ledger
        .write_off_all(day, || ids.pop())
        .map_err(bad)?
        .ok_or_else(|| bad("more write-downs than ids reserved"))?;
    let total = Money::sum(currency, downs.iter().map(|d| d.amount)).map_err(bad)?;
    bookings.write(tx).await?;
    insert_rows(
        tx,
        "INSERT INTO write_downs (id, case_id, item_id, kind, amount_minor, currency, value_date, reason, staff_id,
                                  created_at, updated_at)",
        11,
        "",
        &downs,
        |q, d| {
            q.bind(-d.payment_id)
                .bind(case_id)
                .bind(d.item_id)
                .bind("write_off")
                .bind(d.amount.minor)
                .bind(d.amount.currency.code())
                .bind(iso(d.value_date))
                .bind(reason.to_string())
                .bind(staff_id)
                .bind(now)
                .bind(now)
        },
    )
    .await?;
    Ok(total)
}
