//! The webhook outbox: rows written with the case event they report (same transaction), leased
//! and delivered by the relay, retried with backoff, and listed for the creditor.

use super::{store_err, Db};
use app::domain::webhook::{event_type, retry_delay_ms, MAX_ATTEMPTS};
use app::dto::WebhookDeliveryView;
use app::server::ports::{AuditEntry, StoreResult, Webhooks};
use async_trait::async_trait;
use sqlx::{Any, Transaction};

/// A case as its creditor's webhooks describe it.
pub(super) struct HookCase {
    pub creditor_id: i64,
    pub reference: String,
    pub state: String,
    pub external_ids: Vec<String>,
}

/// A payment as the `payment.received` webhook reports it: amount, currency, value date, method,
/// and how it was allocated (costs, interest, principal, the debtor's credit).
pub(super) struct HookPayment {
    pub minor: i64,
    pub currency: String,
    pub value_date: String,
    pub method: String,
    pub split: [i64; 4],
}

/// Queues the webhook for a case event of `kind`, if the creditor is told about such events and
/// has a webhook address. Payments are not reported here: the booking queues their
/// `payment.received` itself, with the payment and its allocation (`booking.rs`).
pub(super) async fn queue_webhook(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    kind: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    if event_type(kind).is_none() {
        return Ok(());
    }
    let case: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT c.creditor_id, c.reference, c.state FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
         WHERE c.id = $1 AND cr.webhook_url IS NOT NULL",
    )
    .bind(case_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((creditor_id, reference, state)) = case else {
        return Ok(());
    };
    let external_ids: Vec<Option<String>> =
        sqlx::query_scalar("SELECT external_id FROM claims WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(&mut **tx)
            .await?;
    let case = HookCase {
        creditor_id,
        reference,
        state,
        external_ids: external_ids.into_iter().flatten().collect(),
    };
    insert_deliveries(tx, &[(case_id, delivery(kind, at, &case, None))]).await
}

/// The delivery of the webhook for a case event of `kind` on `case` (`None` if no webhook reports
/// such events): creditor, event id, type, payload and time.
pub(super) fn delivery(
    kind: &str,
    at: i64,
    case: &HookCase,
    payment: Option<&HookPayment>,
) -> Option<Delivery> {
    let webhook_type = event_type(kind)?;
    let mut data = serde_json::json!({
        "case_reference": case.reference,
        "case_state": case.state,
        "external_ids": case.external_ids,
    });
    match webhook_type {
        "payment.received" => {
            if let Some(p) = payment {
                let eur = |m: i64| app::domain::Money::new(m, app::domain::Currency::EUR).decimal();
                data["payment"] = serde_json::json!({
                    "amount": eur(p.minor),
                    "currency": p.currency,
                    "value_date": p.value_date,
                    "method": p.method,
                    "allocation": {
                        "costs": eur(p.split[0]),
                        "interest": eur(p.split[1]),
                        "principal": eur(p.split[2]),
                        "credit": eur(p.split[3]),
                    },
                });
            }
        }
        "dispute.resolved" => {
            data["outcome"] = serde_json::json!(if kind == "dispute_upheld" {
                "upheld"
            } else {
                "rejected"
            });
        }
        _ => {}
    }
    let event_id = format!("evt_{}", uuid::Uuid::new_v4().simple());
    let payload = serde_json::json!({
        "id": event_id,
        "type": webhook_type,
        "created_at": chrono::DateTime::from_timestamp_millis(at)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "data": data,
    });
    Some(Delivery {
        creditor_id: case.creditor_id,
        event_id,
        event_type: webhook_type,
        payload: payload.to_string(),
        at,
    })
}

/// A webhook to deliver.
pub(super) struct Delivery {
    creditor_id: i64,
    event_id: String,
    event_type: &'static str,
    payload: String,
    at: i64,
}

/// Writes the deliveries (each with its case) as part of `tx`; `None`s are skipped.
pub(super) async fn insert_deliveries(
    tx: &mut Transaction<'_, Any>,
    deliveries: &[(i64, Option<Delivery>)],
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, &Delivery)> = deliveries
        .iter()
        .filter_map(|(case_id, d)| d.as_ref().map(|d| (*case_id, d)))
        .collect();
    super::insert_rows(
        tx,
        "INSERT INTO webhook_deliveries (creditor_id, case_id, event_id, event_type, payload, next_attempt_at, created_at, updated_at)",
        8,
        "",
        &rows,
        |q, (case_id, d)| {
            q.bind(d.creditor_id)
                .bind(*case_id)
                .bind(d.event_id.as_str())
                .bind(d.event_type)
                .bind(d.payload.as_str())
                .bind(d.at)
                .bind(d.at)
                .bind(d.at)
        },
    )
    .await?;
    Ok(())
}

/// A delivery leased to this relay: id, address, secret, event id, payload, attempts so far.
pub type Leased = (i64, String, String, String, String, i64);

/// How long a lease keeps other relays off a delivery.
pub const LEASE_MS: i64 = 60_000;

impl Db {
    /// Leases up to `limit` due deliveries (pending, due, not leased by another relay).
    pub async fn lease_webhooks(&self, now: i64, limit: i64) -> Result<Vec<Leased>, sqlx::Error> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM webhook_deliveries
             WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut leased = Vec::new();
        for id in due {
            // Only one relay wins the lease of a row.
            let won = sqlx::query(
                "UPDATE webhook_deliveries SET lease_until = $2, updated_at = $1
                 WHERE id = $3 AND state = 'pending' AND (lease_until IS NULL OR lease_until < $1)",
            )
            .bind(now)
            .bind(now + LEASE_MS)
            .bind(id)
            .execute(self.pool())
            .await?
            .rows_affected();
            if won == 1 {
                let row: Option<Leased> = sqlx::query_as(
                    "SELECT w.id, cr.webhook_url, cr.webhook_secret, w.event_id, w.payload, w.attempts
                     FROM webhook_deliveries w JOIN creditors cr ON cr.id = w.creditor_id
                     WHERE w.id = $1 AND cr.webhook_url IS NOT NULL AND cr.webhook_secret IS NOT NULL",
                )
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
                leased.extend(row);
            }
        }
        Ok(leased)
    }

    /// Gives up the lease this relay took at `leased_at` on a delivery it did not start.
    pub async fn release_webhook(&self, id: i64, leased_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE webhook_deliveries SET lease_until = NULL WHERE id = $1 AND lease_until = $2",
        )
        .bind(id)
        .bind(leased_at + LEASE_MS)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records an attempt: delivered, or failed (retried later, or given up after the last).
    pub async fn record_webhook_attempt(
        &self,
        id: i64,
        now: i64,
        status: Option<u16>,
        error: Option<&str>,
        attempts_before: i64,
    ) -> Result<(), sqlx::Error> {
        let attempts = attempts_before + 1;
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let state = if delivered {
            "delivered"
        } else if attempts >= MAX_ATTEMPTS {
            "dead"
        } else {
            "pending"
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET state = $2, attempts = $3, last_status = $4, last_error = $5,
                    delivered_at = $6, next_attempt_at = $7, lease_until = NULL, updated_at = $1
             WHERE id = $8",
        )
        .bind(now)
        .bind(state)
        .bind(attempts)
        .bind(status.map(i64::from))
        .bind(error)
        .bind(delivered.then_some(now))
        .bind(now + retry_delay_ms(attempts))
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Webhooks for Db {
    async fn webhook_settings(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Option<String>, Option<String>)> {
        let found: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT webhook_url, webhook_secret FROM creditors WHERE id = $1")
                .bind(creditor_id)
                .fetch_optional(self.pool())
                .await
                .map_err(store_err("load webhook settings"))?;
        Ok(found.unwrap_or((None, None)))
    }

    async fn set_webhook(
        &self,
        creditor_id: i64,
        url: Option<String>,
        secret: Option<String>,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let query = sqlx::query(
            "UPDATE creditors SET webhook_url = $1, webhook_secret = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(url)
        .bind(secret)
        .bind(audit.at_ms)
        .bind(creditor_id);
        self.execute_audited("set webhook", query, &audit).await?;
        Ok(())
    }

    async fn webhook_deliveries(
        &self,
        creditor_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<WebhookDeliveryView>> {
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            String,
            i64,
            Option<i64>,
            Option<String>,
            i64,
            Option<i64>,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT w.id, w.event_id, w.event_type, c.reference, w.state, w.attempts, w.last_status, w.last_error,
                    w.created_at, w.delivered_at, w.next_attempt_at
             FROM webhook_deliveries w LEFT JOIN cases c ON c.id = w.case_id
             WHERE w.creditor_id = $1 ORDER BY w.id DESC LIMIT $2",
        )
        .bind(creditor_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load webhook deliveries"))?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    event_id,
                    event_type,
                    case_reference,
                    state,
                    attempts,
                    last_status,
                    last_error,
                    created,
                    delivered,
                    next,
                )| {
                    WebhookDeliveryView {
                        id,
                        event_id,
                        event_type,
                        case_reference,
                        state,
                        attempts,
                        last_status,
                        last_error,
                        created_at_ms: created,
                        delivered_at_ms: delivered,
                        next_attempt_ms: next,
                    }
                },
            )
            .collect())
    }

    async fn retry_webhook(
        &self,
        creditor_id: i64,
        id: i64,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let query = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL,
                    updated_at = $1
             WHERE id = $2 AND creditor_id = $3 AND state = 'dead'",
        )
        .bind(audit.at_ms)
        .bind(id)
        .bind(creditor_id)
        ;
        Ok(self.execute_audited("retry webhook", query, &audit).await? > 0)
    }
}
