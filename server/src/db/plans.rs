//! Instalment plans: the context a decision needs, and storing proposals, agreements and answers
//! to counter-offers together with their effects and confirmation email.

use super::effects::{add_work, apply_effects};
use super::outbox::{enqueue_emails, NewEmail};
use super::{store_err, Db};
use app::domain::plan::{Instalment, PlanReason, PlanRequest, PolicyBand};
use app::domain::work::{PlanConsentDefault, WorkKind, CONSENT_DAYS};
use app::domain::{Currency, Language, Money};
use app::dto::PlanView;
use app::server::ports::{
    CreditorDecision, Effects, NewPlan, PlanApprovalRequest, PlanApprovals, PlanContextData, Plans,
    QueuedEmail, StoreError, StoreResult, Stored,
};
use async_trait::async_trait;
use sqlx::{Any, Transaction};

pub(super) fn json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| {
        tracing::error!(error = %e, "unreadable JSON in the plans tables");
        StoreError
    })
}

/// Writes the instalments of an agreed plan.
pub(super) async fn insert_instalments(
    tx: &mut Transaction<'_, Any>,
    plan_id: i64,
    schedule: &[Instalment],
    now: i64,
) -> Result<(), sqlx::Error> {
    for i in schedule {
        sqlx::query(
            "INSERT INTO plan_instalments (plan_id, number, due_date, amount_minor, currency, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(plan_id)
        .bind(i64::from(i.number))
        .bind(crate::db::iso(i.due))
        .bind(i.amount.minor)
        .bind(i.amount.currency.code().to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Queues the email and stores the fresh link it carries, in the caller's transaction.
pub(super) async fn queue(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    e: &QueuedEmail,
    now: i64,
) -> Result<(), sqlx::Error> {
    queue_all(tx, &[(case_id, e, now)]).await
}

/// Queues emails (each with its case and time) in the caller's transaction, a hundred rows per
/// statement. Their personal links are minted when they are sent (`outbox::relay_once`).
pub(super) async fn queue_all(
    tx: &mut Transaction<'_, Any>,
    emails: &[(i64, &QueuedEmail, i64)],
) -> Result<(), sqlx::Error> {
    let outgoing: Vec<NewEmail> = emails
        .iter()
        .map(|(case_id, e, now)| NewEmail::to_debtor(e, *case_id, *now))
        .collect();
    enqueue_emails(tx, &outgoing).await
}

/// A plan row (id, state, proposed_by, request, schedule, cost, reasons) as the pages show it.
pub(super) fn plan_view(
    (id, state, proposed_by, request, schedule, cost, reasons): (
        i64,
        String,
        String,
        String,
        String,
        i64,
        String,
    ),
) -> StoreResult<PlanView> {
    let request: PlanRequest = decode(&request)?;
    let schedule: Vec<Instalment> = decode(&schedule)?;
    let reasons: Vec<PlanReason> = decode(&reasons)?;
    Ok(PlanView {
        id,
        state,
        proposed_by,
        cost: Money::new(cost, request.balance.currency),
        request,
        schedule,
        reasons,
    })
}

/// Ends the holds of `reasons` on a case (stored by their debug names).
pub(super) async fn lift_holds(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    reasons: &[app::domain::case_state::HoldReason],
    now: i64,
) -> Result<(), sqlx::Error> {
    for reason in reasons {
        sqlx::query(
            "UPDATE holds SET lifted_at = $3, updated_at = $3 WHERE case_id = $1 AND reason = $2 AND lifted_at IS NULL",
        )
        .bind(case_id)
        .bind(format!("{reason:?}"))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl Plans for Db {
    async fn plan_context(
        &self,
        case_id: i64,
        today: chrono::NaiveDate,
    ) -> StoreResult<Option<PlanContextData>> {
        let err = store_err("load plan context");
        type Row = (
            String,
            i64,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<i64>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT c.reference, d.id, d.name, d.email, d.language, d.time_zone, tc.policy, tc.reply_days
             FROM cases c JOIN debtors d ON d.id = c.debtor_id
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_optional(self.pool())
        .await
        .map_err(&err)?;
        let Some((reference, debtor_id, name, email, language, time_zone, policy, reply_days)) =
            row
        else {
            return Ok(None);
        };
        let balance = app::server::ports::CasePages::case_view(self, case_id, today)
            .await?
            .map(|v| v.summary.balance)
            .unwrap_or(Money::zero(Currency::EUR));
        let bands: Vec<PolicyBand> = match policy {
            Some(p) => decode(&p)?,
            None => Vec::new(),
        };
        let open: Option<(i64, String, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT id, state, proposed_by, request, schedule, cost_minor, reasons FROM plans
             WHERE case_id = $1 AND state IN ('proposed', 'countered', 'agreed') ORDER BY id DESC LIMIT 1",
        )
        .bind(case_id)
        .fetch_optional(self.pool())
        .await
        .map_err(&err)?;
        let open_plan = open.map(plan_view).transpose()?;
        Ok(Some(PlanContextData {
            balance,
            bands,
            reply_days: u32::try_from(reply_days.unwrap_or(5)).unwrap_or(5),
            reference,
            debtor_id,
            debtor_name: name,
            debtor_email: email,
            debtor_language: Language::from_code(&language).unwrap_or_default(),
            time_zone,
            open_plan,
        }))
    }

    async fn store_plan(
        &self,
        case_id: i64,
        submission_key: &str,
        plan: NewPlan,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored> {
        let err = store_err("store plan");
        let now = effects.audit.at_ms;
        let mut tx = self.begin_write().await.map_err(&err)?;
        let inserted: Result<i64, sqlx::Error> = async {
            sqlx::query_scalar(
                "INSERT INTO plans (case_id, state, proposed_by, request, schedule, cost_minor, reasons, cost_notice_seen_at,
                                    submission_key, decided_at, created_at, updated_at)
                 VALUES ($1, $2, 'debtor', $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(case_id)
            .bind(plan.state)
            .bind(json(&plan.request)?)
            .bind(json(&plan.schedule)?)
            .bind(plan.cost.minor)
            .bind(json(&plan.reasons)?)
            .bind(plan.cost_notice_seen_at)
            .bind(submission_key)
            .bind((plan.state == "agreed").then_some(now))
            .bind(now)
            .fetch_one(&mut *tx)
            .await
        }
        .await;
        let plan_id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Ok(Stored::Duplicate)
            }
            Err(e) => return Err(err(e)),
        };
        if !apply_effects(&mut tx, case_id, &effects)
            .await
            .map_err(&err)?
        {
            return Ok(Stored::StateChanged);
        }
        if plan.state == "agreed" {
            insert_instalments(&mut tx, plan_id, &plan.schedule, now)
                .await
                .map_err(&err)?;
        }
        if let Some(e) = &email {
            queue(&mut tx, case_id, e, now).await.map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(Stored::New(plan_id))
    }

    async fn answer_counter(
        &self,
        case_id: i64,
        plan_id: i64,
        accept: bool,
        effects: Effects,
        email: Option<QueuedEmail>,
    ) -> StoreResult<Stored> {
        let err = store_err("answer counter-offer");
        let now = effects.audit.at_ms;
        let mut tx = self.begin_write().await.map_err(&err)?;
        let new_state = if accept { "agreed" } else { "declined" };
        // Compare-and-set on the plan: a second click finds it no longer 'countered'.
        let changed = sqlx::query(
            "UPDATE plans SET state = $3, decided_at = $4, updated_at = $4 WHERE id = $1 AND case_id = $2 AND state = 'countered'",
        )
        .bind(plan_id)
        .bind(case_id)
        .bind(new_state)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        if changed.rows_affected() != 1 {
            return Ok(Stored::Duplicate);
        }
        if !apply_effects(&mut tx, case_id, &effects)
            .await
            .map_err(&err)?
        {
            return Ok(Stored::StateChanged);
        }
        lift_holds(
            &mut tx,
            case_id,
            &[app::domain::case_state::HoldReason::PlanProposal],
            now,
        )
        .await
        .map_err(&err)?;
        if accept {
            let schedule: String = sqlx::query_scalar("SELECT schedule FROM plans WHERE id = $1")
                .bind(plan_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(&err)?;
            let schedule: Vec<Instalment> = decode(&schedule)?;
            insert_instalments(&mut tx, plan_id, &schedule, now)
                .await
                .map_err(&err)?;
        }
        if let Some(e) = &email {
            queue(&mut tx, case_id, e, now).await.map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(Stored::New(plan_id))
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
        approval_id: i64,
        d: CreditorDecision,
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
        .bind(approval_id)
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
            .bind(approval_id)
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
        Ok(Stored::New(approval_id))
    }
}
