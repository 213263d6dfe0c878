//! The background jobs every instance runs: the scheduler (dunning, defaults, digests, retention),
//! the webhook sender and the outbox relay.

use crate::db::Db;
use crate::mail::SmtpMailer;
use app::server::outbox::{relay_once, RelayPolicy};
use app::server::ports::Clock;
use std::sync::Arc;

/// Once a minute, whether or not mail can be sent: queues the handlers' daily digests and the
/// creditors' weekly ones, applies
/// the creditors' consent defaults whose deadline passed and takes the due dunning steps. All are
/// idempotent, so several instances may run this at once.
pub(crate) async fn scheduler_loop(db: Db, clock: Arc<dyn Clock>, base_url: String, dunning: bool) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = app::server::handling::queue_digests(&db, clock.now_ms(), &base_url).await {
            tracing::warn!(error = %e, "the staff digests could not be queued; retrying");
        }
        if let Err(e) =
            app::server::retention::queue_weekly_digests(&db, clock.now_ms(), &base_url).await
        {
            tracing::warn!(error = %e, "the creditors' weekly digests could not be queued; retrying");
        }
        if let Err(e) = app::server::consent::apply_defaults(&db, clock.now_ms()).await {
            tracing::warn!(error = %e, "the consent defaults could not be applied; retrying");
        }
        // Attempt windows older than a day have ended: no limit's window is that long.
        if app::server::limits::Attempts::forget_before(&db, clock.now_ms() - 24 * 3_600_000)
            .await
            .is_err()
        {
            tracing::warn!("old attempt counters could not be removed; retrying");
        }
        // The reports of the month before, once per creditor (a report that exists is kept).
        if let Some(today) = chrono::DateTime::from_timestamp_millis(clock.now_ms()) {
            let period = app::domain::remittance::Period::before(today.date_naive());
            match crate::db::remittances::make_remittances(&db, &period, clock.now_ms(), &base_url)
                .await
            {
                Ok(made) if !made.is_empty() => {
                    tracing::info!(
                        period = period.key,
                        reports = made.len(),
                        "remittance reports made"
                    )
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "remittance reports could not be made; retrying")
                }
            }
        }
        if !dunning {
            continue;
        }
        match app::server::dunning::run_due(&db, clock.now_ms(), &base_url).await {
            Ok(r) if r.total() > 0 => tracing::info!(
                reminders = r.reminders,
                final_notices = r.final_notices,
                escalations = r.escalations,
                instalment_reminders = r.instalment_reminders,
                missed = r.missed,
                broken = r.broken,
                completed = r.completed,
                letters = r.letters,
                "dunning run"
            ),
            Ok(_) => {}
            Err(_) => tracing::warn!("the dunning run could not finish; retrying"),
        }
    }
}

/// Delivers the creditors' webhooks every few seconds (leases keep several instances apart).
pub(crate) async fn webhook_loop(db: Db, clock: Arc<dyn Clock>, allow_loopback: bool) {
    let client = crate::webhooks::client(allow_loopback);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(e) = crate::webhooks::deliver_due(&db, &client, clock.now_ms()).await {
            tracing::warn!(error = %e, "webhooks could not be delivered; retrying");
        }
    }
}

/// Delivers the outbox every few seconds. Several instances may run this at once: leases keep
/// them from sending the same message.
pub(crate) async fn relay_loop(
    db: Db,
    mailer: SmtpMailer,
    clock: Arc<dyn Clock>,
    quiet_hours: app::server::outbox::QuietHours,
) {
    let owner = format!("relay-{}", uuid::Uuid::new_v4().simple());
    let policy = RelayPolicy {
        quiet_hours,
        ..RelayPolicy::default()
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        match relay_once(&db, &mailer, clock.as_ref(), &policy, &owner).await {
            Ok(r) if r != Default::default() => tracing::info!(
                sent = r.sent,
                retried = r.retried,
                dead = r.dead,
                suppressed = r.suppressed,
                postponed = r.postponed,
                "outbox relay"
            ),
            Ok(_) => {}
            Err(_) => tracing::warn!("outbox relay could not reach the database; retrying"),
        }
    }
}
