//! A creditor's treatment classes (port `Classes`); a change is stored only over the settings
//! its editor saw, so two owners editing at once do not overwrite each other unseen.

use super::{store_err, Db};
use app::domain::dunning::Cadence;
use app::domain::plan::PolicyBand;
use app::domain::work::{PlanConsentDefault, CONSENT_DAYS};
use app::dto::ClassSettings;
use app::server::ports::{AuditEntry, Classes, StoreResult};
use async_trait::async_trait;

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
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tc.id, tc.key, tc.name_de, tc.name_en, tc.reply_days, tc.escalation_needs_consent, tc.policy,
                    (SELECT COUNT(*) FROM cases c WHERE c.treatment_class_id = tc.id AND c.state NOT IN ('paid', 'closed')),
                    tc.consent_days, tc.consent_default, tc.cadence, tc.plan_consent_default,
                    tc.waive_interest, tc.waive_costs, tc.running_interest
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
                    running_interest,
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
                        running_interest: running_interest != 0,
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
                    waive_interest = $13, waive_costs = $14, running_interest = $15
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
        .bind(i64::from(class.waive_costs))
        .bind(i64::from(class.running_interest));
        Ok(self
            .execute_audited("update treatment class", query, &audit)
            .await?
            > 0)
    }
}
