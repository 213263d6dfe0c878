//! Escalations waiting for the creditor's consent (port `Consents`). Every query names the
//! creditor, so one creditor's user finds nothing of another's.

use super::effects::{add_work, apply_effects, is_unique_violation};
use super::plans::queue as queue_email;
use super::{store_err, Db};
use app::domain::work::{WorkKind, CONSENT_DAYS};
use app::server::ports::{
    ConsentRequest, Consents, CreditorDecision, Effects, QueuedEmail, StoreResult, Stored,
};
use async_trait::async_trait;

#[async_trait]
impl Consents for Db {
    async fn consent_requests(&self, creditor_id: i64) -> StoreResult<Vec<ConsentRequest>> {
        // The request is the latest 'escalation_requested' action of each waiting case.
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            i64,
            String,
            String,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, c.reference, d.name, tc.key, e.occurred_at, e.detail, COALESCE(s.display_name, 'Rapport'),
                    tc.consent_days, tc.consent_default
             FROM cases c
             JOIN debtors d ON d.id = c.debtor_id
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             JOIN case_events e ON e.case_id = c.id AND e.kind = 'escalation_requested'
             LEFT JOIN staff_actions a ON a.case_id = c.id AND a.kind = 'escalation_requested' AND a.created_at = e.occurred_at
             LEFT JOIN staff_users s ON s.id = a.staff_id
             WHERE c.creditor_id = $1 AND c.state = 'escalation_requested'
               AND e.id = (SELECT MAX(e2.id) FROM case_events e2 WHERE e2.case_id = c.id AND e2.kind = 'escalation_requested')
             ORDER BY e.occurred_at, c.id",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load consent requests"))?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    case_id,
                    reference,
                    debtor_name,
                    class_key,
                    at,
                    detail,
                    handler,
                    days,
                    default,
                )| {
                    let note = serde_json::from_str::<serde_json::Value>(&detail)
                        .ok()
                        .and_then(|v| v["note"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    ConsentRequest {
                        case_id,
                        reference,
                        debtor_name,
                        class_key,
                        requested_at_ms: at,
                        note,
                        handler_name: handler,
                        consent_days: days
                            .and_then(|d| u32::try_from(d).ok())
                            .unwrap_or(CONSENT_DAYS),
                        default_approve: default.as_deref() == Some("approve"),
                    }
                },
            )
            .collect())
    }

    async fn overdue_consents(&self, now_ms: i64) -> StoreResult<Vec<(i64, i64, bool)>> {
        let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT c.creditor_id, c.id, tc.consent_default FROM cases c
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             WHERE c.state = 'escalation_requested'
               AND (SELECT MAX(e.occurred_at) FROM case_events e
                     WHERE e.case_id = c.id AND e.kind = 'escalation_requested')
                   + COALESCE(tc.consent_days, $2) * 86400000 < $1
             ORDER BY c.id",
        )
        .bind(now_ms)
        .bind(i64::from(CONSENT_DAYS))
        .fetch_all(self.pool())
        .await
        .map_err(store_err("find overdue consents"))?;
        Ok(rows
            .into_iter()
            .map(|(creditor, case, default)| {
                (creditor, case, default.as_deref() == Some("approve"))
            })
            .collect())
    }

    async fn decide_consent(
        &self,
        creditor_id: i64,
        submission_key: &str,
        d: CreditorDecision,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored> {
        let err = store_err("record consent decision");
        let now = effects.audit.at_ms;
        let mut tx = self.begin_write().await.map_err(&err)?;
        let ours: Option<i64> =
            sqlx::query_scalar("SELECT id FROM cases WHERE id = $1 AND creditor_id = $2")
                .bind(d.case_id)
                .bind(creditor_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(&err)?;
        if ours.is_none() {
            return Ok(Stored::StateChanged);
        }
        let inserted = sqlx::query(
            "INSERT INTO consent_decisions (case_id, creditor_user_id, approved, comment, by_default, submission_key,
                                            created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(d.case_id)
        .bind(d.user_id)
        .bind(i64::from(d.approved))
        .bind(&d.comment)
        .bind(i64::from(d.user_id.is_none()))
        .bind(submission_key)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Ok(Stored::Duplicate),
            Err(e) => return Err(err(e)),
        }
        if !apply_effects(&mut tx, d.case_id, &effects)
            .await
            .map_err(&err)?
        {
            return Ok(Stored::StateChanged);
        }
        add_work(&mut tx, d.case_id, WorkKind::EscalationDecision, now)
            .await
            .map_err(&err)?;
        if let Some(e) = &email {
            queue_email(&mut tx, d.case_id, e, now)
                .await
                .map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(Stored::New(d.case_id))
    }
}
