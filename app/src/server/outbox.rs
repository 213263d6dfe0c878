//! The outbox relay: delivers what the application wrote to the outbox, exactly as decided here.
//!
//! Each run claims due messages with a lease (so several server instances never send the same
//! message at once), then for each one: suppresses it if the recipient opted out, postpones it
//! during the recipient's quiet hours, sends it, and on failure retries with exponential backoff
//! or gives up (dead letter, visible to staff) when the failure is permanent or attempts run out.
//! A message whose lease expires (the relay crashed mid-send) is claimed again and resent with the
//! same Message-ID, so the receiving side can recognise the duplicate.

use crate::server::credentials::{hash_token, new_link_token, LINK_PLACEHOLDER};
use crate::server::ports::{Clock, Mailer, OutboxItem, OutboxStore, SendError, StoreError};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// When no email may be sent, in the recipient's local time: from `start_hour` until `end_hour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start_hour: u32,
    pub end_hour: u32,
}

impl Default for QuietHours {
    /// 21:00 to 08:00.
    fn default() -> Self {
        QuietHours {
            start_hour: 21,
            end_hour: 8,
        }
    }
}

impl QuietHours {
    /// `None` if sending is allowed at `now` in `tz`; otherwise the first allowed moment.
    pub fn next_allowed(&self, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&tz);
        let hour = local.hour();
        let quiet = if self.start_hour > self.end_hour {
            hour >= self.start_hour || hour < self.end_hour
        } else {
            hour >= self.start_hour && hour < self.end_hour
        };
        if !quiet {
            return None;
        }
        let mut day = local.date_naive();
        if hour >= self.start_hour && self.start_hour > self.end_hour {
            day = day.succ_opt().unwrap_or(day);
        }
        let end = day.and_time(NaiveTime::from_hms_opt(self.end_hour, 0, 0).unwrap_or_default());
        // A local time skipped by a daylight-saving change falls back to one hour later.
        let at = tz.from_local_datetime(&end).earliest().or_else(|| {
            tz.from_local_datetime(&(end + Duration::hours(1)))
                .earliest()
        })?;
        Some(at.with_timezone(&Utc))
    }
}

/// How the relay behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayPolicy {
    /// Messages claimed per run.
    pub batch: u32,
    /// How long a claimed message is reserved for this relay.
    pub lease_ms: i64,
    /// Attempts before a message is given up (dead letter).
    pub max_attempts: u32,
    /// Wait before the first retry; doubles with every attempt, up to `max_backoff_ms`.
    pub base_backoff_ms: i64,
    pub max_backoff_ms: i64,
    pub quiet_hours: QuietHours,
}

impl Default for RelayPolicy {
    fn default() -> Self {
        RelayPolicy {
            batch: 50,
            lease_ms: 5 * 60_000,
            max_attempts: 8,
            base_backoff_ms: 60_000,
            max_backoff_ms: 6 * 3_600_000,
            quiet_hours: QuietHours::default(),
        }
    }
}

impl RelayPolicy {
    /// The wait after the `attempts`-th failed attempt (1 → base, 2 → twice the base, …).
    pub fn backoff_ms(&self, attempts: u32) -> i64 {
        let factor = 1i64
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(i64::MAX);
        self.base_backoff_ms
            .saturating_mul(factor)
            .min(self.max_backoff_ms)
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayReport {
    pub sent: u32,
    pub retried: u32,
    pub dead: u32,
    pub suppressed: u32,
    pub postponed: u32,
}

/// One run of the relay: claims up to `policy.batch` due messages and handles each.
pub async fn relay_once(
    store: &dyn OutboxStore,
    mailer: &dyn Mailer,
    clock: &dyn Clock,
    policy: &RelayPolicy,
    owner: &str,
) -> Result<RelayReport, StoreError> {
    let now_ms = clock.now_ms();
    let items = store
        .claim_due(now_ms, policy.lease_ms, owner, policy.batch)
        .await?;
    let mut report = RelayReport::default();
    for item in items {
        handle(store, mailer, clock, policy, owner, item, &mut report).await?;
    }
    Ok(report)
}

async fn handle(
    store: &dyn OutboxStore,
    mailer: &dyn Mailer,
    clock: &dyn Clock,
    policy: &RelayPolicy,
    owner: &str,
    item: OutboxItem,
    report: &mut RelayReport,
) -> Result<(), StoreError> {
    let now_ms = clock.now_ms();
    if item.opted_out {
        report.suppressed += 1;
        return store
            .mark_final(
                item.id,
                owner,
                "suppressed",
                Some("the recipient opted out of email"),
                now_ms,
            )
            .await;
    }
    let tz: Tz = item.time_zone.parse().unwrap_or(chrono_tz::Europe::Berlin);
    let now = DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    if let Some(at) = policy.quiet_hours.next_allowed(now, tz) {
        report.postponed += 1;
        return store
            .reschedule(
                item.id,
                owner,
                at.timestamp_millis(),
                item.attempts,
                None,
                now_ms,
            )
            .await;
    }
    // A personal link is minted now, as the email leaves: the stored email holds only the
    // placeholder, so no working credential rests in the outbox or its backups.
    let mut email = item.email;
    if email.text.contains(LINK_PLACEHOLDER) || email.html.contains(LINK_PLACEHOLDER) {
        let Some(case_id) = item.case_id else {
            tracing::error!(
                outbox_id = item.id,
                "an email with a personal link names no case"
            );
            report.dead += 1;
            return store
                .mark_final(
                    item.id,
                    owner,
                    "dead",
                    Some("no case for the personal link"),
                    now_ms,
                )
                .await;
        };
        let token = new_link_token();
        store
            .issue_email_link(case_id, &hash_token(&token), now_ms)
            .await?;
        email.text = email.text.replace(LINK_PLACEHOLDER, &token);
        email.html = email.html.replace(LINK_PLACEHOLDER, &token);
    }
    match mailer.send(&email).await {
        Ok(()) => {
            report.sent += 1;
            store
                .mark_final(item.id, owner, "sent", None, clock.now_ms())
                .await
        }
        Err(SendError::Permanent(e)) => {
            tracing::warn!(outbox_id = item.id, error = %e, "email refused permanently; dead letter");
            report.dead += 1;
            store
                .mark_final(item.id, owner, "dead", Some(&e), clock.now_ms())
                .await
        }
        Err(SendError::Transient(e)) => {
            let attempts = item.attempts + 1;
            if attempts >= policy.max_attempts {
                tracing::warn!(outbox_id = item.id, attempts, error = %e, "email failed too often; dead letter");
                report.dead += 1;
                store
                    .mark_final(item.id, owner, "dead", Some(&e), clock.now_ms())
                    .await
            } else {
                report.retried += 1;
                let at = clock.now_ms() + policy.backoff_ms(attempts);
                store
                    .reschedule(item.id, owner, at, attempts, Some(&e), clock.now_ms())
                    .await
            }
        }
    }
}

#[cfg(test)]
mod tests;
