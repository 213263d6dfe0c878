//! The creditor side: users and the consent inbox. Every query names the creditor, so one
//! creditor's user finds nothing of another's.

use super::debtor::insert_audit;
use super::dialogue::{add_work, apply_effects, insert_event, is_unique_violation};
use super::plans::queue as queue_email;
use super::{store_err, Db};
use app::domain::case_state::CaseState;
use app::domain::dunning::Cadence;
use app::domain::plan::PolicyBand;
use app::domain::work::CONSENT_DAYS;
use app::domain::work::{PlanConsentDefault, WorkKind};
use app::domain::{Currency, Money};
use app::dto::{
    ActivityImportView, ApiKeyView, ClassSettings, ImportJobView, OverviewFilter, OverviewRow,
    WebhookDeliveryView,
};
use app::server::ports::{
    ApiKeys, AuditEntry, Classes, ConsentDecision, ConsentRequest, Consents, CreditorCases,
    CreditorOwner, Creditors, CustomerRecord, Effects, Figures, ImportUpload, Imports, NewApiKey,
    Overview, PlanApprovalDecision, PlanApprovalRequest, PlanApprovals, QueuedEmail, Remittances,
    Retention, RetentionSource, StoreError, StoreResult, Stored, Webhooks,
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
        d: ConsentDecision,
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
        .bind(&d.submission_key)
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

#[async_trait]
impl PlanApprovals for Db {
    async fn plan_approval_requests(
        &self,
        creditor_id: i64,
    ) -> StoreResult<Vec<PlanApprovalRequest>> {
        use sqlx::Row;
        let err = store_err("load plan approvals");
        let rows = sqlx::query(
            "SELECT pa.id, c.id, c.reference, d.name, tc.key, pa.created_at, pa.recommend_approve, pa.note,
                    s.display_name, tc.consent_days, tc.plan_consent_default,
                    p.id, p.state, p.proposed_by, p.request, p.schedule, p.cost_minor, p.reasons
             FROM plan_approvals pa
             JOIN cases c ON c.id = pa.case_id
             JOIN debtors d ON d.id = c.debtor_id
             JOIN plans p ON p.id = pa.plan_id AND p.case_id = c.id
             JOIN staff_users s ON s.id = pa.staff_id
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             WHERE c.creditor_id = $1 AND pa.state = 'open' AND p.state = 'proposed'
               AND c.state = 'plan_proposed'
             ORDER BY pa.created_at, pa.id",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        rows.iter()
            .map(|r| {
                let days: Option<i64> = r.try_get(9).map_err(&err)?;
                let default: Option<String> = r.try_get(10).map_err(&err)?;
                let plan = (
                    r.try_get(11).map_err(&err)?,
                    r.try_get(12).map_err(&err)?,
                    r.try_get(13).map_err(&err)?,
                    r.try_get(14).map_err(&err)?,
                    r.try_get(15).map_err(&err)?,
                    r.try_get(16).map_err(&err)?,
                    r.try_get(17).map_err(&err)?,
                );
                Ok(PlanApprovalRequest {
                    id: r.try_get(0).map_err(&err)?,
                    case_id: r.try_get(1).map_err(&err)?,
                    reference: r.try_get(2).map_err(&err)?,
                    debtor_name: r.try_get(3).map_err(&err)?,
                    class_key: r.try_get(4).map_err(&err)?,
                    requested_at_ms: r.try_get(5).map_err(&err)?,
                    recommend_approve: r.try_get::<i64, _>(6).map_err(&err)? != 0,
                    note: r.try_get(7).map_err(&err)?,
                    handler_name: r.try_get(8).map_err(&err)?,
                    consent_days: days
                        .and_then(|d| u32::try_from(d).ok())
                        .unwrap_or(CONSENT_DAYS),
                    default: default
                        .as_deref()
                        .and_then(PlanConsentDefault::from_code)
                        .unwrap_or_default(),
                    plan: super::plans::plan_view(plan)?,
                })
            })
            .collect()
    }

    async fn overdue_plan_approvals(&self, now_ms: i64) -> StoreResult<Vec<(i64, i64, i64, bool)>> {
        let rows: Vec<(i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT c.creditor_id, pa.id, c.id, pa.recommend_approve, tc.plan_consent_default
             FROM plan_approvals pa
             JOIN cases c ON c.id = pa.case_id
             JOIN plans p ON p.id = pa.plan_id
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             WHERE pa.state = 'open' AND p.state = 'proposed' AND c.state = 'plan_proposed'
               AND pa.created_at + COALESCE(tc.consent_days, $2) * 86400000 < $1
             ORDER BY pa.id",
        )
        .bind(now_ms)
        .bind(i64::from(CONSENT_DAYS))
        .fetch_all(self.pool())
        .await
        .map_err(store_err("find overdue plan approvals"))?;
        Ok(rows
            .into_iter()
            .map(|(creditor, approval, case, recommend, default)| {
                let default = default
                    .as_deref()
                    .and_then(PlanConsentDefault::from_code)
                    .unwrap_or_default();
                (creditor, approval, case, default.approves(recommend != 0))
            })
            .collect())
    }

    async fn decide_plan_approval(
        &self,
        creditor_id: i64,
        d: PlanApprovalDecision,
        effects: Effects,
    ) -> StoreResult<Stored> {
        let err = store_err("record plan approval");
        let now = effects.audit.at_ms;
        let mut tx = self.begin_write().await.map_err(&err)?;
        let changed = sqlx::query(
            "UPDATE plan_approvals SET state = $4, creditor_user_id = $5, comment = $6, by_default = $7,
                    decided_at = $8, updated_at = $8
             WHERE id = $1 AND case_id = $2 AND state = 'open'
               AND EXISTS (SELECT 1 FROM cases c WHERE c.id = $2 AND c.creditor_id = $3)",
        )
        .bind(d.approval_id)
        .bind(d.case_id)
        .bind(creditor_id)
        .bind(if d.approved { "approved" } else { "declined" })
        .bind(d.user_id)
        .bind(&d.comment)
        .bind(i64::from(d.user_id.is_none()))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        if changed.rows_affected() != 1 {
            // Already answered: the same answer by the same person is a form sent twice.
            let earlier: Option<(String, Option<i64>)> = sqlx::query_as(
                "SELECT pa.state, pa.creditor_user_id FROM plan_approvals pa JOIN cases c ON c.id = pa.case_id
                 WHERE pa.id = $1 AND c.creditor_id = $2",
            )
            .bind(d.approval_id)
            .bind(creditor_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(&err)?;
            let same = earlier.is_some_and(|(state, user)| {
                state == if d.approved { "approved" } else { "declined" } && user == d.user_id
            });
            return Ok(if same {
                Stored::Duplicate
            } else {
                Stored::StateChanged
            });
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
        tx.commit().await.map_err(&err)?;
        Ok(Stored::New(d.approval_id))
    }
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

#[async_trait]
impl Creditors for Db {
    async fn creditor_owners(&self) -> StoreResult<Vec<CreditorOwner>> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT u.creditor_id, u.id, u.email, u.display_name, c.name
             FROM creditor_users u JOIN creditors c ON c.id = u.creditor_id
             WHERE u.role = 'owner' AND u.active = 1 ORDER BY u.creditor_id, u.id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load creditor owners"))?;
        Ok(rows
            .into_iter()
            .map(
                |(creditor_id, user_id, email, display_name, creditor_name)| CreditorOwner {
                    creditor_id,
                    user_id,
                    email,
                    display_name,
                    creditor_name,
                },
            )
            .collect())
    }

    async fn creditor_name(&self, creditor_id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT name FROM creditors WHERE id = $1")
            .bind(creditor_id)
            .fetch_optional(self.pool())
            .await
            .map_err(store_err("load creditor name"))
    }
}

#[async_trait]
impl ApiKeys for Db {
    async fn api_keys(&self, creditor_id: i64) -> StoreResult<Vec<ApiKeyView>> {
        type Row = (
            i64,
            String,
            String,
            i64,
            Option<String>,
            Option<i64>,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT k.id, k.name, k.prefix, k.created_at, u.display_name, k.last_used_at, k.revoked_at
             FROM api_keys k LEFT JOIN creditor_users u ON u.id = k.created_by
             WHERE k.creditor_id = $1 ORDER BY k.id DESC",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load api keys"))?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, prefix, created_at_ms, created_by, last_used_ms, revoked_at_ms)| {
                    ApiKeyView {
                        id,
                        name,
                        prefix,
                        created_at_ms,
                        created_by,
                        last_used_ms,
                        revoked_at_ms,
                    }
                },
            )
            .collect())
    }

    async fn create_api_key(&self, key: NewApiKey, audit: AuditEntry) -> StoreResult<i64> {
        let err = store_err("create api key");
        let mut tx = self.begin_write().await.map_err(&err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (creditor_id, name, prefix, key_hash, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(key.creditor_id)
        .bind(&key.name)
        .bind(&key.prefix)
        .bind(&key.key_hash)
        .bind(key.created_by)
        .bind(key.at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(id)
    }

    async fn revoke_api_key(
        &self,
        creditor_id: i64,
        key_id: i64,
        user_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let query = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1, revoked_by = $2, updated_at = $1
             WHERE id = $3 AND creditor_id = $4 AND revoked_at IS NULL",
        )
        .bind(audit.at_ms)
        .bind(user_id)
        .bind(key_id)
        .bind(creditor_id);
        Ok(self
            .execute_audited("revoke api key", query, &audit)
            .await?
            > 0)
    }

    async fn creditor_for_api_key(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<i64>> {
        let err = store_err("authenticate api key");
        let key: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, creditor_id, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await
        .map_err(&err)?;
        let Some((id, creditor_id, last_used)) = key else {
            return Ok(None);
        };
        // Noting each use would write on every request; once a minute is precise enough to see
        // whether a key is still in use.
        if last_used.is_none_or(|t| now_ms - t >= 60_000) {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(id)
                .execute(self.pool())
                .await
                .map_err(&err)?;
        }
        Ok(Some(creditor_id))
    }
}

#[async_trait]
impl Classes for Db {
    async fn classes(&self, creditor_id: i64) -> StoreResult<Vec<ClassSettings>> {
        let err = store_err("load treatment classes");
        type Row = (
            i64,
            String,
            String,
            String,
            i64,
            i64,
            String,
            i64,
            i64,
            String,
            String,
            String,
            i64,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tc.id, tc.key, tc.name_de, tc.name_en, tc.reply_days, tc.escalation_needs_consent, tc.policy,
                    (SELECT COUNT(*) FROM cases c WHERE c.treatment_class_id = tc.id AND c.state NOT IN ('paid', 'closed')),
                    tc.consent_days, tc.consent_default, tc.cadence, tc.plan_consent_default,
                    tc.waive_interest, tc.waive_costs
             FROM treatment_classes tc WHERE tc.creditor_id = $1 ORDER BY tc.id",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        rows.into_iter()
            .map(
                |(
                    id,
                    key,
                    name_de,
                    name_en,
                    reply_days,
                    consent,
                    policy,
                    running_cases,
                    days,
                    default,
                    cadence,
                    plan_default,
                    waive_interest,
                    waive_costs,
                )| {
                    let bands = serde_json::from_str(&policy)
                        .map_err(|e| err(sqlx::Error::Decode(Box::new(e))))?;
                    let cadence = if cadence.is_empty() {
                        Cadence::default_for(&key)
                    } else {
                        serde_json::from_str(&cadence)
                            .map_err(|e| err(sqlx::Error::Decode(Box::new(e))))?
                    };
                    Ok(ClassSettings {
                        id,
                        key,
                        name_de,
                        name_en,
                        reply_days: u32::try_from(reply_days).unwrap_or(0),
                        escalation_needs_consent: consent != 0,
                        consent_days: u32::try_from(days).unwrap_or(CONSENT_DAYS),
                        consent_default_approve: default == "approve",
                        plan_consent_default: PlanConsentDefault::from_code(&plan_default)
                            .unwrap_or_default(),
                        waive_interest: waive_interest != 0,
                        waive_costs: waive_costs != 0,
                        bands,
                        cadence,
                        running_cases,
                    })
                },
            )
            .collect()
    }

    async fn update_class(
        &self,
        creditor_id: i64,
        class: &ClassSettings,
        expected: &ClassSettings,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let err = store_err("update treatment class");
        let encode = |b: &[PolicyBand]| {
            serde_json::to_string(b).map_err(|e| err(sqlx::Error::Encode(Box::new(e))))
        };
        let cadence = |c: &Cadence| {
            serde_json::to_string(c).map_err(|e| err(sqlx::Error::Encode(Box::new(e))))
        };
        // An empty cadence is the class's default, as read; it counts as unchanged.
        let query = sqlx::query(
            "UPDATE treatment_classes SET policy = $1, reply_days = $2, escalation_needs_consent = $3, updated_at = $4,
                    consent_days = $8, consent_default = $9, cadence = $10, plan_consent_default = $12,
                    waive_interest = $13, waive_costs = $14
             WHERE id = $5 AND creditor_id = $6 AND policy = $7 AND (cadence = $11 OR cadence = '')",
        )
        .bind(encode(&class.bands)?)
        .bind(i64::from(class.reply_days))
        .bind(i64::from(class.escalation_needs_consent))
        .bind(audit.at_ms)
        .bind(class.id)
        .bind(creditor_id)
        .bind(encode(&expected.bands)?)
        .bind(i64::from(class.consent_days))
        .bind(if class.consent_default_approve {
            "approve"
        } else {
            "decline"
        })
        .bind(cadence(&class.cadence)?)
        .bind(cadence(&expected.cadence)?)
        .bind(class.plan_consent_default.code())
        .bind(i64::from(class.waive_interest))
        .bind(i64::from(class.waive_costs));
        Ok(self
            .execute_audited("update treatment class", query, &audit)
            .await?
            > 0)
    }
}

#[async_trait]
impl Overview for Db {
    async fn overview_figures(&self, creditor_id: i64, since_ms: i64) -> StoreResult<Figures> {
        let err = store_err("load creditor figures");
        let by_state: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, COUNT(*) FROM cases WHERE creditor_id = $1 GROUP BY state",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let (recovered_minor, recovered_recent_minor): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN p.created_at >= $2 THEN p.amount_minor ELSE 0 END), 0) AS BIGINT)
             FROM payments p JOIN cases c ON c.id = p.case_id WHERE c.creditor_id = $1",
        )
        .bind(creditor_id)
        .bind(since_ms)
        .fetch_one(self.pool())
        .await
        .map_err(&err)?;
        let passed_on_minor: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(passed_on_minor), 0) AS BIGINT) FROM remittances WHERE creditor_id = $1",
        )
        .bind(creditor_id)
        .fetch_one(self.pool())
        .await
        .map_err(&err)?;
        let open_disputes: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM disputes d JOIN cases c ON c.id = d.case_id
             WHERE c.creditor_id = $1 AND d.state = 'open'",
        )
        .bind(creditor_id)
        .fetch_one(self.pool())
        .await
        .map_err(&err)?;
        let agreed_plans: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM plans p JOIN cases c ON c.id = p.case_id
             WHERE c.creditor_id = $1 AND p.state = 'agreed'",
        )
        .bind(creditor_id)
        .fetch_one(self.pool())
        .await
        .map_err(&err)?;
        let classes: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT key, name_de, name_en FROM treatment_classes WHERE creditor_id = $1 ORDER BY id",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        Ok(Figures {
            by_state,
            recovered_minor,
            recovered_recent_minor,
            passed_on_minor,
            open_disputes,
            agreed_plans,
            classes,
        })
    }

    async fn overview_rows(
        &self,
        creditor_id: i64,
        filter: &OverviewFilter,
        page: Option<(u32, u32)>,
    ) -> StoreResult<(Vec<OverviewRow>, i64)> {
        let err = store_err("load creditor overview");
        // Every condition is always present and switched off by a NULL parameter, so the query
        // text is fixed and every value is bound.
        let condition = "c.creditor_id = $1
             AND ($2 IS NULL OR c.state = $2)
             AND ($3 IS NULL OR tc.key = $3)
             AND ($4 IS NULL OR LOWER(c.reference) LIKE $4 OR LOWER(d.name) LIKE $4 OR LOWER(d.customer_number) LIKE $4)";
        let like = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| {
                let escaped = q.to_lowercase().replace(['%', '_'], "");
                format!("%{escaped}%")
            });
        let from = "FROM cases c JOIN debtors d ON d.id = c.debtor_id
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id";
        let matching: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) {from} WHERE {condition}"))
                .bind(creditor_id)
                .bind(filter.state.as_deref())
                .bind(filter.class.as_deref())
                .bind(like.as_deref())
                .fetch_one(self.pool())
                .await
                .map_err(&err)?;
        let (limit, offset) = match page {
            Some((page, per_page)) => (
                i64::from(per_page),
                i64::from(page.saturating_sub(1)) * i64::from(per_page),
            ),
            None => (i64::MAX, 0),
        };
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            String,
            i64,
            i64,
            i64,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT c.id, c.reference, d.name, d.customer_number, tc.key, c.state,
                    CAST(COALESCE((SELECT SUM(ci.amount_minor) FROM claim_items ci JOIN claims cl ON cl.id = ci.claim_id
                                    WHERE cl.case_id = c.id), 0) AS BIGINT),
                    CAST(COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.case_id = c.id), 0) AS BIGINT),
                    c.created_at, c.debtor_id
             {from} WHERE {condition} ORDER BY c.id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(creditor_id)
        .bind(filter.state.as_deref())
        .bind(filter.class.as_deref())
        .bind(like.as_deref())
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let eur = |minor| Money::new(minor, Currency::EUR);
        Ok((
            rows.into_iter()
                .map(
                    |(
                        case_id,
                        reference,
                        debtor_name,
                        customer_number,
                        class_key,
                        state,
                        claimed,
                        paid,
                        at,
                        debtor_id,
                    )| {
                        OverviewRow {
                            case_id,
                            debtor_id,
                            reference,
                            debtor_name,
                            customer_number,
                            class_key,
                            state,
                            claimed: eur(claimed),
                            paid: eur(paid),
                            handed_over_ms: at,
                        }
                    },
                )
                .collect(),
            matching,
        ))
    }
}

#[async_trait]
impl Remittances for Db {
    async fn remittances(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Vec<app::dto::RemittanceView>, i64)> {
        self.remittance_list(creditor_id).await
    }

    async fn remittance(
        &self,
        creditor_id: i64,
        remittance_id: i64,
    ) -> StoreResult<Option<(app::dto::RemittanceView, Vec<app::dto::RemittanceLine>)>> {
        self.remittance_detail(creditor_id, remittance_id).await
    }
}

#[async_trait]
impl CreditorCases for Db {
    async fn case_state(&self, creditor_id: i64, case_id: i64) -> StoreResult<Option<CaseState>> {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM cases WHERE id = $1 AND creditor_id = $2")
                .bind(case_id)
                .bind(creditor_id)
                .fetch_optional(self.pool())
                .await
                .map_err(store_err("load a creditor's case state"))?;
        state
            .map(|s| {
                CaseState::from_code(&s).ok_or_else(|| {
                    tracing::error!(case_id, state = s, "unknown case state in the database");
                    StoreError
                })
            })
            .transpose()
    }

    async fn pause_case(
        &self,
        creditor_id: i64,
        case_id: i64,
        effects: Effects,
    ) -> StoreResult<Stored> {
        let err = store_err("pause a case");
        let mut tx = self.begin_write().await.map_err(&err)?;
        // The creditor's own case only: the state update below is scoped by the same check.
        let own: Option<i64> =
            sqlx::query_scalar("SELECT id FROM cases WHERE id = $1 AND creditor_id = $2")
                .bind(case_id)
                .bind(creditor_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(&err)?;
        if own.is_none() {
            return Ok(Stored::StateChanged);
        }
        if !apply_effects(&mut tx, case_id, &effects)
            .await
            .map_err(&err)?
        {
            return Ok(Stored::StateChanged);
        }
        tx.commit().await.map_err(&err)?;
        Ok(Stored::New(case_id))
    }

    async fn move_case(
        &self,
        creditor_id: i64,
        case_id: i64,
        class_key: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let err = store_err("move case to another class");
        let mut tx = self.begin_write().await.map_err(&err)?;
        let changed = sqlx::query(
            "UPDATE cases SET treatment_class_id =
                 (SELECT id FROM treatment_classes WHERE creditor_id = $1 AND key = $2), updated_at = $3
             WHERE id = $4 AND creditor_id = $1 AND state NOT IN ('paid', 'closed')
               AND EXISTS (SELECT 1 FROM treatment_classes WHERE creditor_id = $1 AND key = $2)",
        )
        .bind(creditor_id)
        .bind(class_key)
        .bind(audit.at_ms)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(&err)?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        insert_event(
            &mut tx,
            case_id,
            audit.at_ms,
            "creditor",
            "class_changed",
            &audit.detail,
        )
        .await
        .map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(true)
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

#[async_trait]
impl Imports for Db {
    async fn start_import(&self, upload: ImportUpload, audit: AuditEntry) -> StoreResult<i64> {
        self.start_import_job(upload, audit).await
    }

    async fn import_job(
        &self,
        creditor_id: i64,
        job_id: i64,
    ) -> StoreResult<Option<ImportJobView>> {
        Ok(self
            .load_import_jobs(creditor_id, Some(job_id), 1)
            .await?
            .into_iter()
            .next())
    }

    async fn import_jobs(&self, creditor_id: i64, limit: i64) -> StoreResult<Vec<ImportJobView>> {
        self.load_import_jobs(creditor_id, None, limit).await
    }
}
