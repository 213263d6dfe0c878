//! The outbox table: enqueueing inside the caller's transaction, and leasing for the relay.

use super::{store_err, Db};
use crate::config::Backend;
use app::server::ports::{
    OutboxItem, OutboxStore, OutgoingEmail, QueuedEmail, StoreError, StoreResult,
};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

/// An email to enqueue. `dedupe_key` names the event that causes it (e.g. `case:7:reply:31`), so
/// enqueueing the same event twice sends one email.
pub struct NewEmail<'a> {
    pub dedupe_key: &'a str,
    pub case_id: Option<i64>,
    pub debtor_id: Option<i64>,
    pub to: &'a str,
    pub time_zone: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    /// The domain part of the Message-ID (the portal's host name).
    pub host: &'a str,
    pub now_ms: i64,
}

impl<'a> NewEmail<'a> {
    /// `e`, to the debtor of case `case_id`, enqueued at `now_ms`.
    pub(crate) fn to_debtor(e: &'a QueuedEmail, case_id: i64, now_ms: i64) -> NewEmail<'a> {
        NewEmail {
            dedupe_key: &e.dedupe_key,
            case_id: Some(case_id),
            debtor_id: Some(e.debtor_id),
            to: &e.to,
            time_zone: &e.time_zone,
            subject: &e.subject,
            text: &e.text,
            html: &e.html,
            host: &e.host,
            now_ms,
        }
    }
}

/// The Message-ID for a dedupe key: the same key always gives the same id.
pub fn message_id(dedupe_key: &str, host: &str) -> String {
    let digest = hex::encode(Sha256::digest(dedupe_key.as_bytes()));
    format!("<{}.rapport@{host}>", &digest[..32])
}

/// The Message-ID and the stored payload of `e`.
fn outgoing(e: &NewEmail<'_>) -> Result<(String, String), sqlx::Error> {
    let email = OutgoingEmail {
        to: e.to.to_string(),
        subject: e.subject.to_string(),
        text: e.text.to_string(),
        html: e.html.to_string(),
        message_id: message_id(e.dedupe_key, e.host),
    };
    let payload =
        serde_json::to_string(&email).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    Ok((email.message_id, payload))
}

const INSERT_EMAIL: &str =
    "INSERT INTO outbox (kind, dedupe_key, case_id, debtor_id, recipient, time_zone, message_id, payload, state,
                         attempts, next_attempt_at, created_at, updated_at)";

/// Writes an email to the outbox as part of `tx`. Returns false if the dedupe key was already there.
pub async fn enqueue_email(
    tx: &mut Transaction<'_, Any>,
    e: &NewEmail<'_>,
) -> Result<bool, sqlx::Error> {
    let (message_id, payload) = outgoing(e)?;
    let done = sqlx::query(&format!(
        "{INSERT_EMAIL} VALUES ('email', $1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)
         ON CONFLICT (dedupe_key) DO NOTHING"
    ))
    .bind(e.dedupe_key)
    .bind(e.case_id)
    .bind(e.debtor_id)
    .bind(e.to)
    .bind(e.time_zone)
    .bind(message_id)
    .bind(payload)
    .bind(e.now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes `emails` to the outbox as part of `tx`, many per statement; an email whose dedupe key
/// is there already (or earlier in `emails`) is left out.
pub(crate) async fn enqueue_emails(
    tx: &mut Transaction<'_, Any>,
    emails: &[NewEmail<'_>],
) -> Result<(), sqlx::Error> {
    let rows = emails
        .iter()
        .map(|e| outgoing(e).map(|(id, payload)| (e, id, payload)))
        .collect::<Result<Vec<_>, _>>()?;
    super::insert_rows(
        tx,
        INSERT_EMAIL,
        13,
        "ON CONFLICT (dedupe_key) DO NOTHING",
        &rows,
        |q, (e, message_id, payload)| {
            q.bind("email")
                .bind(e.dedupe_key)
                .bind(e.case_id)
                .bind(e.debtor_id)
                .bind(e.to)
                .bind(e.time_zone)
                .bind(message_id.as_str())
                .bind(payload.as_str())
                .bind("pending")
                .bind(0i64)
                .bind(e.now_ms)
                .bind(e.now_ms)
                .bind(e.now_ms)
        },
    )
    .await?;
    Ok(())
}

/// How long a personal link sent by email opens its case (unless the case ends first).
const EMAIL_LINK_VALIDITY_MS: i64 = 90 * 24 * 3_600_000;

#[async_trait]
impl OutboxStore for Db {
    async fn issue_email_link(
        &self,
        case_id: i64,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        // Links sent by email carry no typed access code: '-' matches no Argon2 hash.
        sqlx::query(
            "INSERT INTO access_credentials (case_id, token_hash, code_hash, factor_kind, issued_at,
                                             expires_at, created_at, updated_at)
             VALUES ($1, $2, '-', 'postcode', $3, $4, $3, $3)",
        )
        .bind(case_id)
        .bind(token_hash)
        .bind(now_ms)
        .bind(now_ms + EMAIL_LINK_VALIDITY_MS)
        .execute(self.pool())
        .await
        .map_err(store_err("store an email's personal link"))?;
        Ok(())
    }

    async fn claim_due(
        &self,
        now_ms: i64,
        lease_ms: i64,
        owner: &str,
        limit: u32,
    ) -> StoreResult<Vec<OutboxItem>> {
        let err = store_err("claim outbox messages");
        // PostgreSQL: SKIP LOCKED lets several relays claim disjoint batches without waiting on
        // each other. SQLite has one writer at a time, so the plain subquery is already exclusive.
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let lease_until = now_ms + lease_ms;
        let claim = format!(
            "UPDATE outbox SET state = 'sending', lease_owner = $1, lease_until = $2, updated_at = $3
             WHERE id IN (SELECT id FROM outbox
                          WHERE (state = 'pending' AND next_attempt_at <= $3)
                             OR (state = 'sending' AND lease_until < $3)
                          ORDER BY next_attempt_at, id LIMIT $4 {lock})"
        );
        sqlx::query(&claim)
            .bind(owner)
            .bind(lease_until)
            .bind(now_ms)
            .bind(i64::from(limit))
            .execute(self.pool())
            .await
            .map_err(&err)?;
        let rows: Vec<(i64, Option<i64>, String, i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT o.id, o.case_id, o.payload, o.attempts, o.time_zone, d.email_opt_out
             FROM outbox o LEFT JOIN debtors d ON d.id = o.debtor_id
             WHERE o.state = 'sending' AND o.lease_owner = $1 AND o.lease_until = $2
             ORDER BY o.next_attempt_at, o.id",
        )
        .bind(owner)
        .bind(lease_until)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        rows.into_iter()
            .map(|(id, case_id, payload, attempts, time_zone, opt_out)| {
                let email: OutgoingEmail = serde_json::from_str(&payload).map_err(|e| {
                    tracing::error!(outbox_id = id, error = %e, "unreadable outbox payload");
                    StoreError
                })?;
                Ok(OutboxItem {
                    id,
                    case_id,
                    email,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    time_zone,
                    opted_out: opt_out.unwrap_or(0) != 0,
                })
            })
            .collect()
    }

    async fn mark_final(
        &self,
        id: i64,
        owner: &str,
        state: &str,
        error: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<()> {
        let sent_at = (state == "sent").then_some(now_ms);
        sqlx::query(
            "UPDATE outbox SET state = $3, last_error = $4, sent_at = $5, lease_owner = NULL, lease_until = NULL,
                               updated_at = $6
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(id)
        .bind(owner)
        .bind(state)
        .bind(error)
        .bind(sent_at)
        .bind(now_ms)
        .execute(self.pool())
        .await
        .map_err(store_err("finish outbox message"))?;
        Ok(())
    }

    async fn reschedule(
        &self,
        id: i64,
        owner: &str,
        at_ms: i64,
        attempts: u32,
        error: Option<&str>,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'pending', next_attempt_at = $3, attempts = $4, last_error = COALESCE($5, last_error),
                               lease_owner = NULL, lease_until = NULL, updated_at = $6
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(id)
        .bind(owner)
        .bind(at_ms)
        .bind(i64::from(attempts))
        .bind(error)
        .bind(now_ms)
        .execute(self.pool())
        .await
        .map_err(store_err("reschedule outbox message"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn message_ids_are_stable_per_event_and_distinct_between_events() {
        assert_eq!(
            message_id("case:1:reply:2", "portal.example"),
            message_id("case:1:reply:2", "portal.example")
        );
        assert_ne!(
            message_id("case:1:reply:2", "portal.example"),
            message_id("case:1:reply:3", "portal.example")
        );
        assert!(message_id("x", "portal.example").ends_with(".rapport@portal.example>"));
    }
}
