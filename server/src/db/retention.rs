//! What the retention figures are computed from: the creditor's ended cases with how they went,
//! and the activity the creditor reported about their debtors. Read only; scoped by creditor.

use super::{store_err, Db};
use app::domain::activity::ActivityKind;
use app::domain::retention::{Activity, EndedCase, Path};
use app::dto::ActivityImportView;
use app::server::ports::{
    CustomerCaseRecord, CustomerRecord, Retention, RetentionSource, StoreResult,
};
use async_trait::async_trait;
use chrono::NaiveDate;

type CaseRow = (
    i64,
    i64,
    Option<String>,
    String,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// The creditor's ended cases (paid or closed), every activity of the creditor's debtors and the
/// debtors' answers to the fairness question.
pub(super) async fn retention_data(db: &Db, creditor_id: i64) -> StoreResult<RetentionSource> {
    let err = store_err("load retention data");
    let rows: Vec<CaseRow> = sqlx::query_as(
        "SELECT c.id, c.debtor_id, c.reason, COALESCE(tc.key, ''),
                (SELECT MAX(e.occurred_at) FROM case_events e
                  WHERE e.case_id = c.id AND e.kind IN ('case_closed', 'written_off', 'claim_cancelled')),
                c.updated_at,
                CAST(COALESCE((SELECT SUM(i.amount_minor) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
                               WHERE cl.case_id = c.id), 0) AS BIGINT),
                CAST(COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.case_id = c.id), 0) AS BIGINT),
                (SELECT COUNT(*) FROM plans p WHERE p.case_id = c.id AND p.state IN ('agreed', 'completed')),
                (SELECT COUNT(*) FROM disputes d WHERE d.case_id = c.id),
                (SELECT COUNT(*) FROM case_events e WHERE e.case_id = c.id AND e.kind IN ('reminder_sent', 'final_notice_sent')),
                (SELECT COUNT(*) FROM messages m WHERE m.case_id = c.id AND m.author_kind = 'handler')
                  + (SELECT COUNT(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'phone_call_recorded')
         FROM cases c LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
         WHERE c.creditor_id = $1 AND c.state IN ('paid', 'closed')
         ORDER BY c.id",
    )
    .bind(creditor_id)
    .fetch_all(db.pool())
    .await
    .map_err(&err)?;
    let cases = rows
        .into_iter()
        .filter_map(
            |(
                id,
                debtor,
                reason,
                class,
                ended,
                updated,
                owed,
                paid,
                plans,
                disputes,
                reminders,
                talks,
            )| {
                let ended_on =
                    chrono::DateTime::from_timestamp_millis(ended.unwrap_or(updated))?.date_naive();
                let path = if plans > 0 {
                    Path::Plan
                } else if disputes > 0 {
                    Path::Dispute
                } else {
                    Path::AtOnce
                };
                Some(EndedCase {
                    case_id: id,
                    debtor_id: debtor,
                    ended_on,
                    paid: paid > 0 && paid >= owed,
                    path,
                    class_key: class,
                    reason,
                    reminders: u32::try_from(reminders).unwrap_or(0),
                    conversation: talks > 0,
                })
            },
        )
        .collect();
    let rows: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT debtor_id, kind, occurred_on, amount_minor FROM customer_activities
         WHERE creditor_id = $1 ORDER BY occurred_on, id",
    )
    .bind(creditor_id)
    .fetch_all(db.pool())
    .await
    .map_err(&err)?;
    let activities = rows
        .into_iter()
        .filter_map(|(debtor, kind, on, amount)| {
            Some(Activity {
                debtor_id: debtor,
                kind: ActivityKind::from_code(&kind)?,
                on: NaiveDate::parse_from_str(&on, "%Y-%m-%d").ok()?,
                amount_minor: amount,
            })
        })
        .collect();
    let scores: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT s.case_id, s.score FROM satisfaction_answers s JOIN cases c ON c.id = s.case_id
         WHERE c.creditor_id = $1",
    )
    .bind(creditor_id)
    .fetch_all(db.pool())
    .await
    .map_err(&err)?;
    Ok(RetentionSource {
        cases,
        activities,
        scores: scores
            .into_iter()
            .filter_map(|(case, score)| Some((case, u8::try_from(score).ok()?)))
            .collect(),
    })
}

type CustomerCaseRow = (
    (i64, String, String, Option<String>, Option<String>, i64),
    (i64, i64, Option<String>, Option<String>, Option<i64>),
    (i64, i64, i64),
);

/// One customer of the creditor: the debtor, every case, the conversation and the activity.
pub(super) async fn customer_record(
    db: &Db,
    creditor_id: i64,
    debtor_id: i64,
) -> StoreResult<Option<CustomerRecord>> {
    use sqlx::Row;
    let err = store_err("load customer");
    let debtor: Option<(String, String)> = sqlx::query_as(
        "SELECT name, customer_number FROM debtors WHERE id = $1 AND creditor_id = $2",
    )
    .bind(debtor_id)
    .bind(creditor_id)
    .fetch_optional(db.pool())
    .await
    .map_err(&err)?;
    let Some((name, customer_number)) = debtor else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT c.id, c.reference, c.state, tc.key, c.reason, c.created_at,
                CAST(COALESCE((SELECT SUM(i.amount_minor) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
                               WHERE cl.case_id = c.id), 0) AS BIGINT),
                CAST(COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.case_id = c.id), 0) AS BIGINT),
                (SELECT MIN(cl.due_date) FROM claims cl WHERE cl.case_id = c.id),
                (SELECT MAX(p.value_date) FROM payments p WHERE p.case_id = c.id),
                (SELECT MAX(e.occurred_at) FROM case_events e
                  WHERE e.case_id = c.id AND e.kind IN ('case_closed', 'written_off', 'claim_cancelled')),
                (SELECT COUNT(*) FROM plans p WHERE p.case_id = c.id AND p.state IN ('agreed', 'completed')),
                (SELECT COUNT(*) FROM disputes d WHERE d.case_id = c.id),
                (SELECT COUNT(*) FROM case_events e WHERE e.case_id = c.id AND e.kind IN ('reminder_sent', 'final_notice_sent'))
         FROM cases c LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
         WHERE c.debtor_id = $1 AND c.creditor_id = $2 ORDER BY c.created_at, c.id",
    )
    .bind(debtor_id)
    .bind(creditor_id)
    .fetch_all(db.pool())
    .await
    .map_err(&err)?;
    let day = |s: Option<String>| s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    let mut cases = Vec::new();
    for r in &rows {
        let row: CustomerCaseRow = (
            (
                r.try_get(0).map_err(&err)?,
                r.try_get(1).map_err(&err)?,
                r.try_get(2).map_err(&err)?,
                r.try_get(3).map_err(&err)?,
                r.try_get(4).map_err(&err)?,
                r.try_get(5).map_err(&err)?,
            ),
            (
                r.try_get(6).map_err(&err)?,
                r.try_get(7).map_err(&err)?,
                r.try_get(8).map_err(&err)?,
                r.try_get(9).map_err(&err)?,
                r.try_get(10).map_err(&err)?,
            ),
            (
                r.try_get(11).map_err(&err)?,
                r.try_get(12).map_err(&err)?,
                r.try_get(13).map_err(&err)?,
            ),
        );
        let (
            (case_id, reference, state, class_key, reason, handed_over_ms),
            (claimed_minor, paid_minor, due, last_paid, ended_ms),
            (plans, disputes, reminders),
        ) = row;
        cases.push(CustomerCaseRecord {
            case_id,
            reference,
            state,
            class_key,
            reason,
            handed_over_ms,
            claimed_minor,
            paid_minor,
            due_on: day(due),
            last_paid_on: day(last_paid),
            ended_ms,
            plans,
            disputes,
            reminders,
        });
    }
    let messages: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT c.reference, m.author_kind, m.body, m.created_at FROM messages m JOIN cases c ON c.id = m.case_id
         WHERE c.debtor_id = $1 AND c.creditor_id = $2 ORDER BY m.created_at, m.id",
    )
    .bind(debtor_id)
    .bind(creditor_id)
    .fetch_all(db.pool())
    .await
    .map_err(&err)?;
    let activities: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT kind, occurred_on, amount_minor FROM customer_activities
         WHERE debtor_id = $1 AND creditor_id = $2 ORDER BY occurred_on, id",
    )
    .bind(debtor_id)
    .bind(creditor_id)
    .fetch_all(db.pool())
    .await
    .map_err(&err)?;
    Ok(Some(CustomerRecord {
        debtor_id,
        name,
        customer_number,
        cases,
        messages,
        activities: activities
            .into_iter()
            .filter_map(|(kind, on, amount)| {
                Some(Activity {
                    debtor_id,
                    kind: ActivityKind::from_code(&kind)?,
                    on: NaiveDate::parse_from_str(&on, "%Y-%m-%d").ok()?,
                    amount_minor: amount,
                })
            })
            .collect(),
    }))
}

#[async_trait]
impl Retention for Db {
    async fn customer_record(
        &self,
        creditor_id: i64,
        debtor_id: i64,
    ) -> StoreResult<Option<CustomerRecord>> {
        super::retention::customer_record(self, creditor_id, debtor_id).await
    }

    async fn retention_data(&self, creditor_id: i64) -> StoreResult<RetentionSource> {
        super::retention::retention_data(self, creditor_id).await
    }

    async fn import_activities(
        &self,
        creditor_id: i64,
        raw: Vec<u8>,
        today: chrono::NaiveDate,
        now_ms: i64,
    ) -> StoreResult<ActivityImportView> {
        use crate::intake::ImportError;
        match crate::activity_import::import_activities(self, creditor_id, &raw, today, now_ms)
            .await
        {
            Ok(r) => Ok(ActivityImportView {
                written: r.written,
                rows: r.rows,
                created: r.created,
                unchanged: r.unchanged,
                problems: r.problems.len(),
                report: r.render(),
            }),
            Err(ImportError::Database(e)) => Err(store_err("import activities")(e)),
            // The file itself could not be read: the whole report is that one problem.
            Err(e) => Ok(ActivityImportView {
                written: false,
                rows: 0,
                created: 0,
                unchanged: 0,
                problems: 1,
                report: format!("{e}\nNothing was stored.\n"),
            }),
        }
    }
}
