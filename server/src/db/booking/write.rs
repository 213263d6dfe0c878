//! Writing what a batch of bookings decided: one statement per table, in the order the foreign
//! keys need (charged interest items before the allocations that pay them), then the closing of
//! the cases paid in full.

use super::Bookings;
use crate::db::effects::{insert_events, NewEvent};
use crate::db::insert_rows;
use crate::db::plans::queue_all;
use crate::db::webhooks::insert_deliveries;
use app::server::ports::QueuedEmail;
use sqlx::{Any, Transaction};

impl Bookings {
    /// Writes what was booked as part of `tx`.
    pub(crate) async fn write(self, tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
        insert_rows(
            tx,
            "INSERT INTO claim_items (id, claim_id, kind, description, legal_basis, item_date, period_start, period_end,
                                      amount_minor, currency, interest_base_minor, interest_rate_bp, accrued, segments,
                                      created_at, updated_at)",
            16,
            "",
            &self.items,
            |q, i| {
                q.bind(i.id)
                    .bind(i.claim_id)
                    .bind(i.kind)
                    .bind(i.description)
                    .bind(i.basis)
                    .bind(i.through.as_str())
                    .bind(i.from.as_str())
                    .bind(i.through.as_str())
                    .bind(i.amount.minor)
                    .bind(i.amount.currency.code())
                    .bind(i.single.map(|s| s.0))
                    .bind(i.single.map(|s| s.1))
                    .bind(i.accrued)
                    .bind(i.segments.as_deref())
                    .bind(i.now)
                    .bind(i.now)
            },
        )
        .await?;
        insert_rows(
            tx,
            "INSERT INTO payments (id, case_id, amount_minor, currency, value_date, method, created_at, updated_at)",
            8,
            "",
            &self.payments,
            |q, p| {
                q.bind(p.id)
                    .bind(p.case_id)
                    .bind(p.amount.minor)
                    .bind(p.amount.currency.code())
                    .bind(p.value_date.as_str())
                    .bind(p.method.as_str())
                    .bind(p.now)
                    .bind(p.now)
            },
        )
        .await?;
        insert_rows(
            tx,
            "INSERT INTO payment_allocations (payment_id, case_id, item_id, kind, amount_minor, currency, value_date, created_at, updated_at)",
            9,
            "",
            &self.allocations,
            |q, a| {
                q.bind(a.payment_id)
                    .bind(a.case_id)
                    .bind(a.item_id)
                    .bind(a.kind)
                    .bind(a.amount.minor)
                    .bind(a.amount.currency.code())
                    .bind(a.value_date.as_str())
                    .bind(a.now)
                    .bind(a.now)
            },
        )
        .await?;
        let events: Vec<NewEvent> = self
            .events
            .iter()
            .map(|e| NewEvent {
                case_id: e.case_id,
                at: e.at,
                actor: "system",
                kind: e.kind,
                detail: &e.detail,
            })
            .collect();
        insert_events(tx, &events).await?;
        for (case_id, next, now) in &self.closed {
            close(tx, *case_id, next, *now).await?;
        }
        let emails: Vec<(i64, &QueuedEmail, i64)> = self
            .emails
            .iter()
            .map(|(case_id, e, now)| (*case_id, e, *now))
            .collect();
        queue_all(tx, &emails).await?;
        insert_deliveries(tx, &self.deliveries).await
    }
}

/// Closes case `case_id` (to state `next`): its agreed plan is completed and its open work done.
async fn close(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    next: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cases SET state = $2, updated_at = $3 WHERE id = $1")
        .bind(case_id)
        .bind(next)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE plans SET state = 'completed', updated_at = $2 WHERE case_id = $1 AND state = 'agreed'",
    )
    .bind(case_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE work_items SET done_at = $2, updated_at = $2 WHERE case_id = $1 AND done_at IS NULL",
    )
    .bind(case_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
