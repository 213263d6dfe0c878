//! Online payments: checkout rows, and booking a provider's confirmation exactly once.

use super::audit::insert_audit;
use super::booking::{book_payment, NewPayment, Receipt};
use super::{store_err, Db};
use app::domain::{Currency, Money};
use app::server::ports::{
    AuditEntry, Booking, OnlinePayment, OnlinePayments, QueuedEmail, StoreError, StoreResult,
};
use async_trait::async_trait;
use chrono::NaiveDate;

#[async_trait]
impl OnlinePayments for Db {
    async fn create_online_payment(
        &self,
        case_id: i64,
        provider: &str,
        amount: Money,
        now_ms: i64,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO online_payments (case_id, provider, amount_minor, currency, state, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'created', $5, $5) RETURNING id",
        )
        .bind(case_id)
        .bind(provider)
        .bind(amount.minor)
        .bind(amount.currency.code().to_string())
        .bind(now_ms)
        .fetch_one(self.pool())
        .await
        .map_err(store_err("create online payment"))
    }

    async fn attach_session(&self, id: i64, session_id: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query("UPDATE online_payments SET session_id = $2, state = 'open', updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(session_id)
            .bind(now_ms)
            .execute(self.pool())
            .await
            .map_err(store_err("attach checkout session"))?;
        Ok(())
    }

    async fn online_payment_by_session(
        &self,
        session_id: &str,
    ) -> StoreResult<Option<OnlinePayment>> {
        let row: Option<(i64, i64, i64, String, String)> = sqlx::query_as(
            "SELECT id, case_id, amount_minor, currency, state FROM online_payments WHERE session_id = $1",
        )
        .bind(session_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("find online payment"))?;
        row.map(|(id, case_id, amount, currency, state)| {
            let currency = Currency::parse(&currency).map_err(|_| StoreError)?;
            Ok(OnlinePayment {
                id,
                case_id,
                amount: Money::new(amount, currency),
                state,
            })
        })
        .transpose()
    }

    async fn book_provider_payment(
        &self,
        provider: &str,
        event_id: &str,
        event_kind: &str,
        payment: &OnlinePayment,
        value_date: NaiveDate,
        audit: AuditEntry,
        email: Option<QueuedEmail>,
        base_url: &str,
    ) -> StoreResult<Booking> {
        let err = store_err("book online payment");
        let now = audit.at_ms;
        let mut tx = self.begin_write().await.map_err(&err)?;
        let recorded = sqlx::query(
            "INSERT INTO provider_events (provider, event_id, kind, received_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4, $4) ON CONFLICT (provider, event_id) DO NOTHING",
        )
        .bind(provider)
        .bind(event_id)
        .bind(event_kind)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        if recorded.rows_affected() == 0 {
            return Ok(Booking::Duplicate);
        }
        // A second event for the same checkout (completed, then async_payment_succeeded) finds
        // it paid already and books nothing more.
        let claimed = sqlx::query(
            "UPDATE online_payments SET state = 'paid', updated_at = $2 WHERE id = $1 AND state IN ('created', 'open')",
        )
        .bind(payment.id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        if claimed.rows_affected() == 0 {
            tx.commit().await.map_err(&err)?;
            return Ok(Booking::Duplicate);
        }
        book_payment(
            &mut tx,
            &NewPayment {
                case_id: payment.case_id,
                amount: payment.amount,
                value_date,
                method: "online",
                source: &format!("{provider}:{event_id}"),
                now_ms: now,
                base_url,
            },
            email.as_ref().map_or(Receipt::Standard, Receipt::Given),
        )
        .await
        .map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(Booking::Booked(payment.case_id))
    }
}
