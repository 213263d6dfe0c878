//! What every change writes with it: the case's new state (only if it is still the expected one),
//! holds, timeline events, work items for the handlers; shared by every adapter that changes a case.

use super::audit::insert_audit;
use super::iso;
use app::domain::work::{self, WorkKind};
use app::server::ports::Effects;
use sqlx::{Any, Transaction};

/// The answer time promised when a case has no treatment class (business days).
pub(crate) const DEFAULT_REPLY_DAYS: i64 = 5;

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Applies the effects after the action's own row was written. Returns false (and writes nothing
/// more) when the case is no longer in the expected state.
pub(super) async fn apply_effects(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    e: &Effects,
) -> Result<bool, sqlx::Error> {
    let now = e.audit.at_ms;
    let changed =
        sqlx::query("UPDATE cases SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2")
            .bind(case_id)
            .bind(e.expected_state.code())
            .bind(e.new_state.code())
            .bind(now)
            .execute(&mut **tx)
            .await?;
    if changed.rows_affected() != 1 {
        return Ok(false);
    }
    if let Some((reason, from, until)) = e.hold {
        sqlx::query(
            "INSERT INTO holds (case_id, reason, from_date, until_date, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(case_id)
        .bind(format!("{reason:?}"))
        .bind(iso(from))
        .bind(until.map(iso))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    insert_event(
        tx,
        case_id,
        now,
        e.audit.actor_kind,
        e.event_kind,
        &e.event_detail,
    )
    .await?;
    insert_audit(tx, &e.audit).await?;
    if e.audit.actor_kind == "debtor" {
        if let Some(kind) = WorkKind::for_debtor_event(e.event_kind) {
            add_work(tx, case_id, kind, now).await?;
        }
    }
    Ok(true)
}

/// Puts a case into the work queue (once per kind while an item of that kind is open), due
/// when the agency's promised answer time runs out.
pub(super) async fn add_work(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    kind: WorkKind,
    now: i64,
) -> Result<(), sqlx::Error> {
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM work_items WHERE case_id = $1 AND kind = $2 AND done_at IS NULL",
    )
    .bind(case_id)
    .bind(kind.code())
    .fetch_one(&mut **tx)
    .await?;
    if open > 0 {
        return Ok(());
    }
    let reply_days: i64 = sqlx::query_scalar(
        "SELECT a.reply_days FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
         JOIN agencies a ON a.id = cr.agency_id WHERE c.id = $1",
    )
    .bind(case_id)
    .fetch_one(&mut **tx)
    .await?;
    let due = work::due_at(now, u32::try_from(reply_days).unwrap_or(2), &[]);
    sqlx::query(
        "INSERT INTO work_items (case_id, kind, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(case_id)
    .bind(kind.code())
    .bind(due)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The columns of a timeline event.
const INSERT_EVENT: &str =
    "INSERT INTO case_events (case_id, occurred_at, actor_kind, kind, detail, created_at, updated_at)";

/// A timeline event to write.
pub(crate) struct NewEvent<'a> {
    pub case_id: i64,
    pub at: i64,
    pub actor: &'a str,
    pub kind: &'a str,
    pub detail: &'a str,
}

/// Writes `events` as part of `tx`, a hundred per statement. No webhook is queued: the caller
/// queues those of events a creditor may hear of (as `insert_event` does).
pub(crate) async fn insert_events(
    tx: &mut Transaction<'_, Any>,
    events: &[NewEvent<'_>],
) -> Result<(), sqlx::Error> {
    super::insert_rows(tx, INSERT_EVENT, 7, "", events, |q, e| {
        q.bind(e.case_id)
            .bind(e.at)
            .bind(e.actor)
            .bind(e.kind)
            .bind(e.detail)
            .bind(e.at)
            .bind(e.at)
    })
    .await
    .map(|_| ())
}

pub(super) async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    at: i64,
    actor: &str,
    kind: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    if app::domain::webhook::event_type(kind).is_none() {
        let event = NewEvent {
            case_id,
            at,
            actor,
            kind,
            detail,
        };
        return insert_events(tx, &[event]).await;
    }
    // An event a creditor's system may hear of: the insert also says whether the creditor has a
    // webhook address (most have none; asking on its own would cost a round trip per event).
    let listening: i64 = sqlx::query_scalar(&format!(
        "{INSERT_EVENT} VALUES ($1, $2, $3, $4, $5, $2, $2)
         RETURNING (SELECT COUNT(*) FROM cases c JOIN creditors cr ON cr.id = c.creditor_id
                    WHERE c.id = $1 AND cr.webhook_url IS NOT NULL)"
    ))
    .bind(case_id)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(detail)
    .fetch_one(&mut **tx)
    .await?;
    if listening == 0 {
        return Ok(());
    }
    // The creditor's system hears of the events it subscribes to in the same transaction.
    super::webhooks::queue_webhook(tx, case_id, kind, at).await
}
