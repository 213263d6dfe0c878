//! The debtor's side of the dialogue: reasons, messages, disputes, payment claims, holds, the
//! timeline and documents. Each action is one transaction: its own row first (so SQLite takes the
//! write lock at once), then the case state as a compare-and-set, the hold, the timeline event,
//! the audit entry and the documents.

use super::audit::insert_audit;
use super::effects::{apply_effects, insert_event, is_unique_violation, DEFAULT_REPLY_DAYS};
use super::{date, iso, json_rows, json_spelling, store_err, Db};
use crate::config::Backend;
use app::domain::case_state::CaseState;
use app::domain::reason::NonPaymentReason;
use app::domain::{Currency, Money};
use app::dto::{AttachmentView, DialogueView, DisputeView, EventView, MessageView};
use app::server::ports::{
    CaseStatus, CaseStatuses, Dialogue, Effects, NewAttachment, StoreError, StoreResult, Stored,
};
use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::{Any, Transaction};

pub(super) async fn insert_attachments(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    owner_kind: &str,
    owner_id: i64,
    files: Vec<NewAttachment>,
    now: i64,
) -> Result<(), sqlx::Error> {
    for f in files {
        sqlx::query(
            "INSERT INTO attachments (case_id, owner_kind, owner_id, filename, content_type, size_bytes, sha256, content,
                                      created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(case_id)
        .bind(owner_kind)
        .bind(owner_id)
        .bind(&f.filename)
        .bind(f.kind.mime())
        .bind(i64::try_from(f.content.len()).unwrap_or(i64::MAX))
        .bind(&f.sha256)
        .bind(f.content)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Runs `insert` (the action's own row) and then the effects and documents, all or nothing.
async fn store_submission<F>(
    db: &Db,
    case_id: i64,
    owner_kind: &'static str,
    files: Vec<NewAttachment>,
    effects: Effects,
    insert: F,
) -> StoreResult<Stored>
where
    F: for<'t> FnOnce(
        &'t mut Transaction<'static, Any>,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<i64, sqlx::Error>> + Send + 't>,
    >,
{
    let err = store_err("store a debtor submission");
    let mut tx = db.begin_write().await.map_err(&err)?;
    let id = match insert(&mut tx).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Ok(Stored::Duplicate),
        Err(e) => return Err(err(e)),
    };
    if !apply_effects(&mut tx, case_id, &effects)
        .await
        .map_err(&err)?
    {
        return Ok(Stored::StateChanged);
    }
    insert_attachments(&mut tx, case_id, owner_kind, id, files, effects.audit.at_ms)
        .await
        .map_err(&err)?;
    tx.commit().await.map_err(&err)?;
    Ok(Stored::New(id))
}

/// Every attachment of a case (one query for all its messages, disputes and payment claims),
/// with what owns it; `owned` picks one owner's.
pub(super) async fn attachments_of(
    db: &Db,
    case_id: i64,
) -> StoreResult<Vec<(String, i64, AttachmentView)>> {
    let rows: Vec<AttachmentRow> = sqlx::query_as(
        "SELECT owner_kind, owner_id, id, filename, size_bytes FROM attachments WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(db.pool())
    .await
    .map_err(store_err("load attachments"))?;
    Ok(attachment_views(rows))
}

/// An attachment as read: owner kind, owner id, id, file name, size.
type AttachmentRow = (String, i64, i64, String, i64);

fn attachment_views(rows: Vec<AttachmentRow>) -> Vec<(String, i64, AttachmentView)> {
    rows.into_iter()
        .map(|(kind, owner, id, filename, size_bytes)| {
            (
                kind,
                owner,
                AttachmentView {
                    id,
                    filename,
                    size_bytes,
                },
            )
        })
        .collect()
}

pub(super) fn owned(
    all: &[(String, i64, AttachmentView)],
    kind: &str,
    owner: i64,
) -> Vec<AttachmentView> {
    all.iter()
        .filter(|(k, o, _)| k == kind && *o == owner)
        .map(|(_, _, a)| a.clone())
        .collect()
}

#[async_trait]
impl CaseStatuses for Db {
    async fn case_status(&self, case_id: i64) -> StoreResult<Option<CaseStatus>> {
        let row: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT c.state, c.reason, tc.reply_days FROM cases c
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("load case status"))?;
        let Some((state, reason, reply_days)) = row else {
            return Ok(None);
        };
        let state = CaseState::from_code(&state).ok_or_else(|| {
            tracing::error!(state, "unknown case state in the database");
            StoreError
        })?;
        Ok(Some(CaseStatus {
            case_id,
            state,
            reason: reason.as_deref().and_then(NonPaymentReason::from_code),
            reply_days: u32::try_from(reply_days.unwrap_or(DEFAULT_REPLY_DAYS)).unwrap_or(5),
        }))
    }
}

#[async_trait]
impl Dialogue for Db {
    async fn record_reason(
        &self,
        case_id: i64,
        reason: NonPaymentReason,
        audit: app::server::ports::AuditEntry,
    ) -> StoreResult<()> {
        let err = store_err("record reason");
        let mut tx = self.begin_write().await.map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        sqlx::query("UPDATE cases SET reason = $2, reason_at = $3, updated_at = $3 WHERE id = $1")
            .bind(case_id)
            .bind(reason.code())
            .bind(audit.at_ms)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        insert_event(
            &mut tx,
            case_id,
            audit.at_ms,
            "debtor",
            "reason_given",
            &format!(r#"{{"reason":"{}"}}"#, reason.code()),
        )
        .await
        .map_err(&err)?;
        tx.commit().await.map_err(&err)
    }

    async fn answer_fairness(
        &self,
        case_id: i64,
        score: u8,
        comment: &str,
        audit: app::server::ports::AuditEntry,
    ) -> StoreResult<Stored> {
        let err = store_err("record fairness answer");
        let mut tx = self.begin_write().await.map_err(&err)?;
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO satisfaction_answers (case_id, score, comment, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (case_id) DO NOTHING RETURNING id",
        )
        .bind(case_id)
        .bind(i64::from(score))
        .bind(comment)
        .bind(audit.at_ms)
        .fetch_optional(&mut *tx)
        .await
        .map_err(&err)?;
        let Some(id) = inserted else {
            return Ok(Stored::Duplicate);
        };
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(Stored::New(id))
    }

    async fn add_message(
        &self,
        case_id: i64,
        submission_key: &str,
        body: &str,
        files: Vec<NewAttachment>,
        effects: Effects,
    ) -> StoreResult<Stored> {
        let (key, body, now) = (
            submission_key.to_string(),
            body.to_string(),
            effects.audit.at_ms,
        );
        store_submission(self, case_id, "message", files, effects, move |tx| {
            Box::pin(async move {
                sqlx::query_scalar(
                    "INSERT INTO messages (case_id, author_kind, body, submission_key, created_at, updated_at)
                     VALUES ($1, 'debtor', $2, $3, $4, $4) RETURNING id",
                )
                .bind(case_id)
                .bind(body)
                .bind(key)
                .bind(now)
                .fetch_one(&mut **tx)
                .await
            })
        })
        .await
    }

    async fn open_dispute(
        &self,
        case_id: i64,
        submission_key: &str,
        kind: &str,
        body: &str,
        answer_due_on: NaiveDate,
        files: Vec<NewAttachment>,
        effects: Effects,
    ) -> StoreResult<Stored> {
        let (key, kind, body, now) = (
            submission_key.to_string(),
            kind.to_string(),
            body.to_string(),
            effects.audit.at_ms,
        );
        store_submission(self, case_id, "dispute", files, effects, move |tx| {
            Box::pin(async move {
                sqlx::query_scalar(
                    "INSERT INTO disputes (case_id, kind, body, answer_due_on, submission_key, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(case_id)
                .bind(kind)
                .bind(body)
                .bind(iso(answer_due_on))
                .bind(key)
                .bind(now)
                .fetch_one(&mut **tx)
                .await
            })
        })
        .await
    }

    async fn claim_payment(
        &self,
        case_id: i64,
        submission_key: &str,
        paid_on: NaiveDate,
        amount: Money,
        note: &str,
        files: Vec<NewAttachment>,
        effects: Effects,
    ) -> StoreResult<Stored> {
        let (key, note, now) = (
            submission_key.to_string(),
            note.to_string(),
            effects.audit.at_ms,
        );
        store_submission(self, case_id, "payment_claim", files, effects, move |tx| {
            Box::pin(async move {
                sqlx::query_scalar(
                    "INSERT INTO payment_claims (case_id, paid_on, amount_minor, currency, note, submission_key, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                )
                .bind(case_id)
                .bind(iso(paid_on))
                .bind(amount.minor)
                .bind(amount.currency.code().to_string())
                .bind(note)
                .bind(key)
                .bind(now)
                .fetch_one(&mut **tx)
                .await
            })
        })
        .await
    }

    async fn dialogue(&self, case_id: i64, today: NaiveDate) -> StoreResult<DialogueView> {
        let mut conn = self.read_conn("load dialogue").await?;
        dialogue_on(&mut conn, self.backend(), case_id, today).await
    }

    async fn attachment(
        &self,
        case_id: i64,
        attachment_id: i64,
    ) -> StoreResult<Option<(String, String, Vec<u8>)>> {
        // The case id is part of the query: an id of another case's document finds nothing.
        sqlx::query_as("SELECT filename, content_type, content FROM attachments WHERE id = $1 AND case_id = $2")
            .bind(attachment_id)
            .bind(case_id)
            .fetch_optional(self.pool())
            .await
            .map_err(store_err("load attachment"))
    }

    async fn creditor_for_reference(&self, reference: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT cr.name FROM cases c JOIN creditors cr ON cr.id = c.creditor_id WHERE c.reference = $1")
            .bind(reference)
            .fetch_optional(self.pool())
            .await
            .map_err(store_err("check reference"))
    }
}

/// The dialogue of a case, read on `conn` (one statement).
pub(super) async fn dialogue_on(
    conn: &mut super::ReadConn,
    backend: Backend,
    case_id: i64,
    today: NaiveDate,
) -> StoreResult<DialogueView> {
    let err = store_err("load dialogue");
    // The debtor's case page reads this on every visit, so it is one statement: the counts
    // ride along with the case row, and each list comes as one JSON array (see
    // `json_spelling`). The timeline shows what happened on the case and every email that
    // actually went out.
    type Row = (
        String,
        Option<String>,
        Option<i64>,
        i64,
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let sql = json_spelling(
        backend,
        "SELECT c.state, c.reason, tc.reply_days,
                (SELECT COUNT(*) FROM holds h WHERE h.case_id = c.id AND h.lifted_at IS NULL
                    AND h.from_date <= $2 AND (h.until_date IS NULL OR h.until_date > $2)),
                (SELECT COUNT(*) FROM satisfaction_answers s WHERE s.case_id = c.id),
                (SELECT CAST(json_group_array(json_array(a.owner_kind, a.owner_id, a.id, a.filename, a.size_bytes)
                        ORDER BY a.id) AS TEXT)
                 FROM attachments a WHERE a.case_id = c.id),
                (SELECT CAST(json_group_array(json_array(m.id, m.author_kind, m.body, m.created_at)
                        ORDER BY m.created_at, m.id) AS TEXT)
                 FROM messages m WHERE m.case_id = c.id),
                (SELECT CAST(json_group_array(json_array(d.id, d.kind, d.body, d.state, d.answer_due_on,
                            d.created_at, d.answer) ORDER BY d.id) AS TEXT)
                 FROM disputes d WHERE d.case_id = c.id),
                (SELECT CAST(json_group_array(json_array(p.paid_on, p.amount_minor, p.currency)
                        ORDER BY p.id) AS TEXT)
                 FROM payment_claims p WHERE p.case_id = c.id AND p.state = 'open'),
                (SELECT CAST(json_group_array(json_array(t.kind, t.occurred_at, t.actor_kind, t.detail)
                        ORDER BY t.occurred_at, t.source, t.id) AS TEXT)
                 FROM (
                     SELECT kind, occurred_at, actor_kind, detail, id, 0 AS source FROM case_events WHERE case_id = $1
                     UNION ALL
                     SELECT 'email_sent', sent_at, 'system', '', id, 1 FROM outbox
                      WHERE case_id = $1 AND state = 'sent' AND debtor_id IS NOT NULL
                     UNION ALL
                     SELECT 'portal_visit', occurred_at, 'debtor', '', id, 2 FROM audit_log
                      WHERE case_id = $1 AND action = 'debtor.verify' AND detail LIKE '%verified%'
                 ) t)
         FROM cases c LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id WHERE c.id = $1",
    );
    let (state, reason, reply_days, holds, answered, files, messages, disputes, claims, events): Row =
        conn.one(&sql, &[case_id.into(), iso(today).as_str().into()])
            .await
            .map_err(&err)?;
    let files = attachment_views(json_rows(files.as_deref(), "attachments of a case")?);
    let messages: Vec<(i64, String, String, i64)> =
        json_rows(messages.as_deref(), "messages of a case")?;
    #[allow(clippy::type_complexity)]
    let disputes: Vec<(i64, String, String, String, String, i64, Option<String>)> =
        json_rows(disputes.as_deref(), "disputes of a case")?;
    let claims: Vec<(String, i64, String)> =
        json_rows(claims.as_deref(), "payment claims of a case")?;
    let events: Vec<(String, i64, String, String)> =
        json_rows(events.as_deref(), "timeline of a case")?;
    let fairness_answered = answered > 0;
    Ok(DialogueView {
        reason,
        state,
        messages: messages
            .into_iter()
            .map(|(id, author, body, at_ms)| MessageView {
                author,
                body,
                at_ms,
                attachments: owned(&files, "message", id),
            })
            .collect(),
        disputes: disputes
            .into_iter()
            .map(|(id, kind, body, state, due, at_ms, answer)| {
                Ok(DisputeView {
                    id,
                    answer,
                    kind,
                    body,
                    state,
                    answer_due_on: date(&due)?,
                    at_ms,
                    attachments: owned(&files, "dispute", id),
                })
            })
            .collect::<StoreResult<_>>()?,
        payment_claims: claims
            .into_iter()
            .map(|(d, minor, cur)| {
                Ok((
                    date(&d)?,
                    Money::new(minor, Currency::parse(&cur).map_err(|_| StoreError)?),
                ))
            })
            .collect::<StoreResult<_>>()?,
        events: events
            .into_iter()
            .map(|(kind, at_ms, actor, detail)| {
                // Only the engine's notices name what was sent; other details stay inside.
                let (subject, channel) = if app::domain::dunning::is_notice_event(&kind) {
                    let d: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
                    let text = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_string);
                    (text("subject"), text("channel").filter(|c| c != "none"))
                } else {
                    (None, None)
                };
                EventView {
                    kind,
                    at_ms,
                    actor,
                    subject,
                    channel,
                }
            })
            .collect(),
        on_hold: holds > 0,
        reply_days: u32::try_from(reply_days.unwrap_or(DEFAULT_REPLY_DAYS)).unwrap_or(5),
        next: None,
        fairness_answered,
        form_key: String::new(),
    })
}
