//! The daily digest of a staff member's queue.

use crate::domain::Language;
use crate::error::AppError;
use crate::server::ports::{QueueFilter, StaffDigest, WorkQueue};
use crate::server::{emails, host_of};

/// The hour (Europe/Berlin) from which the day's digest goes out.
pub const DIGEST_HOUR: u32 = 7;

/// Queues the daily digest for every staff member who asked for it: their own and nobody's open
/// items, earliest deadline first. Runs every few seconds with the outbox relay; the dedupe key
/// (member and day) makes it one email per day, and nobody gets an empty digest.
pub async fn queue_digests<S: StaffDigest + WorkQueue + ?Sized>(
    store: &S,
    now_ms: i64,
    base_url: &str,
) -> Result<u32, AppError> {
    use chrono::Timelike;
    let zone = chrono_tz::Europe::Berlin;
    let Some(local) =
        chrono::DateTime::from_timestamp_millis(now_ms).map(|t| t.with_timezone(&zone))
    else {
        return Ok(0);
    };
    if local.hour() < DIGEST_HOUR {
        return Ok(0);
    }
    let mut queued = 0;
    for member in store.digest_subscribers().await? {
        let dedupe_key = format!("digest:{}:{}", member.id, local.date_naive());
        if store.email_queued(&dedupe_key).await? {
            continue;
        }
        let mut lines = Vec::new();
        for assignee in [Some(member.id), None] {
            let filter = QueueFilter {
                assignee: Some(assignee),
                per_page: 50,
                ..QueueFilter::default()
            };
            let (items, _) = store
                .queue(member.agency_id, &filter, local.date_naive())
                .await?;
            lines.extend(items);
        }
        if lines.is_empty() {
            continue;
        }
        lines.sort_by_key(|i| (i.due_at_ms, i.id));
        let lang = Language::De;
        let st = crate::i18n::staff_tr(lang);
        let rows: Vec<(String, String)> = lines
            .iter()
            .map(|i| {
                (
                    format!("{} · {}", i.reference, (st.work_kind)(&i.kind)),
                    (st.due_in)(crate::domain::work::hours_left(i.due_at_ms, now_ms)),
                )
            })
            .collect();
        let link = format!("{}/staff", base_url.trim_end_matches('/'));
        let (subject, text, html) = emails::queue_digest(lang, &member.display_name, &rows, &link);
        let email = crate::server::ports::StaffEmail {
            dedupe_key,
            to: member.email.clone(),
            time_zone: zone.name().to_string(),
            subject,
            text,
            html,
            host: host_of(base_url),
        };
        if store.queue_staff_email(email, now_ms).await? {
            queued += 1;
        }
    }
    Ok(queued)
}
