//! The creditor side: users and the consent inbox. Every query names the creditor, so one
//! creditor's user finds nothing of another's.

use super::debtor::insert_audit;
use super::dialogue::{add_work, apply_effects, is_unique_violation};
use super::plans::queue as queue_email;
use super::{store_err, Db};
use app::domain::plan::PolicyBand;
use app::domain::work::WorkKind;
use app::dto::{ApiKeyView, ClassSettings, CreditorMember};
use app::server::ports::{
    AuditEntry, ConsentDecision, ConsentRequest, CreditorStore, Effects, NewApiKey, QueuedEmail,
    StoreResult, Stored,
};
use async_trait::async_trait;

#[async_trait]
impl CreditorStore for Db {
    async fn creditor_member(&self, user_id: i64) -> StoreResult<Option<CreditorMember>> {
        let row: Option<(i64, i64, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT id, creditor_id, email, display_name, role, active, sessions_valid_after
             FROM creditor_users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("load creditor user"))?;
        Ok(row.map(
            |(id, creditor_id, email, display_name, role, active, valid_after)| CreditorMember {
                id,
                creditor_id,
                email,
                display_name,
                role,
                active: active != 0,
                sessions_valid_after_ms: valid_after,
            },
        ))
    }

    async fn consent_requests(&self, creditor_id: i64) -> StoreResult<Vec<ConsentRequest>> {
        // The request is the latest 'escalation_requested' action of each waiting case.
        let rows: Vec<(i64, String, String, Option<String>, i64, String, String)> = sqlx::query_as(
            "SELECT c.id, c.reference, d.name, tc.key, a.created_at, a.detail, s.display_name
             FROM cases c
             JOIN debtors d ON d.id = c.debtor_id
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             JOIN staff_actions a ON a.case_id = c.id AND a.kind = 'escalation_requested'
             JOIN staff_users s ON s.id = a.staff_id
             WHERE c.creditor_id = $1 AND c.state = 'escalation_requested'
               AND a.id = (SELECT MAX(a2.id) FROM staff_actions a2 WHERE a2.case_id = c.id AND a2.kind = 'escalation_requested')
             ORDER BY a.created_at, c.id",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load consent requests"))?;
        Ok(rows
            .into_iter()
            .map(
                |(case_id, reference, debtor_name, class_key, at, detail, handler)| {
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
                    }
                },
            )
            .collect())
    }

    async fn overdue_consents(&self, before_ms: i64) -> StoreResult<Vec<(i64, i64)>> {
        sqlx::query_as(
            "SELECT c.creditor_id, c.id FROM cases c
             WHERE c.state = 'escalation_requested'
               AND (SELECT MAX(a.created_at) FROM staff_actions a
                     WHERE a.case_id = c.id AND a.kind = 'escalation_requested') < $1
             ORDER BY c.id",
        )
        .bind(before_ms)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("find overdue consents"))
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
        let mut tx = self.pool().begin().await.map_err(&err)?;
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

    async fn creditor_name(&self, creditor_id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT name FROM creditors WHERE id = $1")
            .bind(creditor_id)
            .fetch_optional(self.pool())
            .await
            .map_err(store_err("load creditor name"))
    }

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
        let mut tx = self.pool().begin().await.map_err(&err)?;
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
        let err = store_err("revoke api key");
        let mut tx = self.pool().begin().await.map_err(&err)?;
        let changed = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1, revoked_by = $2, updated_at = $1
             WHERE id = $3 AND creditor_id = $4 AND revoked_at IS NULL",
        )
        .bind(audit.at_ms)
        .bind(user_id)
        .bind(key_id)
        .bind(creditor_id)
        .execute(&mut *tx)
        .await
        .map_err(&err)?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(true)
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

    async fn classes(&self, creditor_id: i64) -> StoreResult<Vec<ClassSettings>> {
        let err = store_err("load treatment classes");
        type Row = (i64, String, String, String, i64, i64, String, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tc.id, tc.key, tc.name_de, tc.name_en, tc.reply_days, tc.escalation_needs_consent, tc.policy,
                    (SELECT COUNT(*) FROM cases c WHERE c.treatment_class_id = tc.id AND c.state NOT IN ('paid', 'closed'))
             FROM treatment_classes tc WHERE tc.creditor_id = $1 ORDER BY tc.id",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        rows.into_iter()
            .map(
                |(id, key, name_de, name_en, reply_days, consent, policy, running_cases)| {
                    let bands = serde_json::from_str(&policy)
                        .map_err(|e| err(sqlx::Error::Decode(Box::new(e))))?;
                    Ok(ClassSettings {
                        id,
                        key,
                        name_de,
                        name_en,
                        reply_days: u32::try_from(reply_days).unwrap_or(0),
                        escalation_needs_consent: consent != 0,
                        bands,
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
        expected_bands: &[PolicyBand],
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let err = store_err("update treatment class");
        let encode = |b: &[PolicyBand]| {
            serde_json::to_string(b).map_err(|e| err(sqlx::Error::Encode(Box::new(e))))
        };
        let mut tx = self.pool().begin().await.map_err(&err)?;
        let changed = sqlx::query(
            "UPDATE treatment_classes SET policy = $1, reply_days = $2, escalation_needs_consent = $3, updated_at = $4
             WHERE id = $5 AND creditor_id = $6 AND policy = $7",
        )
        .bind(encode(&class.bands)?)
        .bind(i64::from(class.reply_days))
        .bind(i64::from(class.escalation_needs_consent))
        .bind(audit.at_ms)
        .bind(class.id)
        .bind(creditor_id)
        .bind(encode(expected_bands)?)
        .execute(&mut *tx)
        .await
        .map_err(&err)?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(true)
    }
}
