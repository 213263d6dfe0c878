//! A handler's case (port `HandlerCases`): what it shows and the actions on it, each with its
//! effects in one transaction. Every query about cases filters on the staff member's agency, so a handler
//! of one agency finds nothing of another's, whatever id they type.

use super::booking::{book_payment, write_off, NewPayment, Receipt};
use super::dialogue::{attachments_of, owned};
use super::effects::{apply_effects, is_unique_violation};
use super::plans::{insert_instalments, json, lift_holds, plan_view, queue as queue_email};
use super::{date, store_err, Db};
use app::domain::case_state::CaseState;
use app::domain::plan::Instalment;
use app::domain::{Currency, Language, Money};
use app::dto::{ActionRecord, CaseWork, HandlerPlan, OpenWork, PaymentClaimView, PlanApprovalView};
use app::server::ports::{
    CaseChange, HandlerAction, HandlerCase, HandlerCases, StoreError, StoreResult, Stored,
};
use async_trait::async_trait;
use sqlx::{Any, Transaction};

fn money(minor: i64, currency: &str) -> StoreResult<Money> {
    Currency::parse(currency)
        .map(|c| Money::new(minor, c))
        .map_err(|_| StoreError)
}

impl Db {
    /// The claim items of a case: id, description, amount.
    async fn items(&self, case_id: i64) -> StoreResult<Vec<(i64, String, Money)>> {
        let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT ci.id, ci.description, ci.amount_minor, ci.currency FROM claim_items ci
             JOIN claims cl ON cl.id = ci.claim_id WHERE cl.case_id = $1 ORDER BY cl.id, ci.id",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load claim items"))?;
        rows.into_iter()
            .map(|(id, d, minor, cur)| Ok((id, d, money(minor, &cur)?)))
            .collect()
    }
}

/// Applies the action's own change. False when what it acts on is no longer as expected.
async fn apply_change(
    tx: &mut Transaction<'static, Any>,
    a: &HandlerAction,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let case_id = a.case_id;
    let one = |r: sqlx::any::AnyQueryResult| r.rows_affected() == 1;
    match &a.change {
        CaseChange::Nothing => Ok(true),
        CaseChange::Message { body } => {
            sqlx::query(
                "INSERT INTO messages (case_id, author_kind, author_id, body, submission_key, created_at, updated_at)
                 VALUES ($1, 'handler', $2, $3, $4, $5, $5)",
            )
            .bind(case_id)
            .bind(a.staff_id)
            .bind(body)
            .bind(&a.submission_key)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        CaseChange::PlanDecision {
            plan_id,
            accept,
            note,
        } => {
            let changed = sqlx::query(
                "UPDATE plans SET state = $3, decision_note = $4, decided_at = $5, updated_at = $5
                 WHERE id = $1 AND case_id = $2 AND state = 'proposed'",
            )
            .bind(plan_id)
            .bind(case_id)
            .bind(if *accept { "agreed" } else { "declined" })
            .bind(note.clone())
            .bind(now)
            .execute(&mut **tx)
            .await?;
            if !one(changed) {
                return Ok(false);
            }
            if *accept {
                let schedule: String =
                    sqlx::query_scalar("SELECT schedule FROM plans WHERE id = $1")
                        .bind(plan_id)
                        .fetch_one(&mut **tx)
                        .await?;
                let schedule: Vec<Instalment> = serde_json::from_str(&schedule)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                insert_instalments(tx, *plan_id, &schedule, now).await?;
            }
            Ok(true)
        }
        CaseChange::Counter { replaces, plan } => {
            let changed = sqlx::query(
                "UPDATE plans SET state = 'declined', decision_note = 'countered', decided_at = $3, updated_at = $3
                 WHERE id = $1 AND case_id = $2 AND state = 'proposed'",
            )
            .bind(replaces)
            .bind(case_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            if !one(changed) {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO plans (case_id, state, proposed_by, request, schedule, cost_minor, reasons, submission_key,
                                    created_at, updated_at)
                 VALUES ($1, 'countered', 'handler', $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(case_id)
            .bind(json(&plan.request)?)
            .bind(json(&plan.schedule)?)
            .bind(plan.cost.minor)
            .bind(json(&plan.reasons)?)
            .bind(&a.submission_key)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        CaseChange::Dispute {
            dispute_id,
            upheld,
            answer,
            corrections,
        } => {
            if *dispute_id != 0 {
                let changed = sqlx::query(
                    "UPDATE disputes SET state = $3, answer = $4, answered_at = $5, updated_at = $5
                     WHERE id = $1 AND case_id = $2 AND state = 'open'",
                )
                .bind(dispute_id)
                .bind(case_id)
                .bind(if *upheld { "upheld" } else { "rejected" })
                .bind(answer)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                if !one(changed) {
                    return Ok(false);
                }
            }
            for (item_id, new_minor) in corrections {
                let old: Option<i64> = sqlx::query_scalar(
                    "SELECT ci.amount_minor FROM claim_items ci JOIN claims cl ON cl.id = ci.claim_id
                     WHERE ci.id = $1 AND cl.case_id = $2",
                )
                .bind(item_id)
                .bind(case_id)
                .fetch_optional(&mut **tx)
                .await?;
                let Some(old) = old.filter(|old| new_minor < old) else {
                    return Ok(false);
                };
                sqlx::query(
                    "INSERT INTO item_corrections (item_id, case_id, old_minor, new_minor, reason, staff_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                )
                .bind(item_id)
                .bind(case_id)
                .bind(old)
                .bind(new_minor)
                .bind(answer)
                .bind(a.staff_id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE claim_items SET amount_minor = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(item_id)
                .bind(new_minor)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
            Ok(true)
        }
        CaseChange::PlanApproval {
            plan_id,
            recommend_approve,
            note,
        } => {
            // Only for the case's own open proposal, and once per plan.
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT p.id FROM plans p WHERE p.id = $1 AND p.case_id = $2 AND p.state = 'proposed'
                   AND NOT EXISTS (SELECT 1 FROM plan_approvals pa WHERE pa.plan_id = p.id)",
            )
            .bind(plan_id)
            .bind(case_id)
            .fetch_optional(&mut **tx)
            .await?;
            if open.is_none() {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO plan_approvals (case_id, plan_id, staff_id, recommend_approve, note, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(case_id)
            .bind(plan_id)
            .bind(a.staff_id)
            .bind(i64::from(*recommend_approve))
            .bind(note)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            Ok(true)
        }
        // Before the effects close the case: the interest up to today is charged while it runs.
        CaseChange::WriteOff { reason } => {
            let day = chrono::DateTime::from_timestamp_millis(now)
                .map(|t| t.date_naive())
                .ok_or_else(|| sqlx::Error::Protocol("the clock is out of range".into()))?;
            write_off(tx, case_id, day, reason, Some(a.staff_id), now).await?;
            Ok(true)
        }
        CaseChange::PaymentClaim {
            claim_id,
            confirmed,
        } => {
            let changed = sqlx::query(
                "UPDATE payment_claims SET state = $3, decided_at = $4, updated_at = $4
                 WHERE id = $1 AND case_id = $2 AND state = 'open'",
            )
            .bind(claim_id)
            .bind(case_id)
            .bind(if *confirmed { "confirmed" } else { "not_found" })
            .bind(now)
            .execute(&mut **tx)
            .await?;
            if !one(changed) {
                return Ok(false);
            }
            // A confirmed payment is booked after the action's own effects (see apply_action).
            Ok(true)
        }
    }
}

#[async_trait]
impl HandlerCases for Db {
    async fn case_by_reference(&self, agency_id: i64, reference: &str) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "SELECT c.id FROM cases c JOIN creditors cr ON cr.id = c.creditor_id WHERE c.reference = $1 AND cr.agency_id = $2",
        )
        .bind(reference)
        .bind(agency_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("find case by reference"))
    }

    async fn handler_case(&self, agency_id: i64, case_id: i64) -> StoreResult<Option<HandlerCase>> {
        let err = store_err("load case for a handler");
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
            i64,
            String,
            Option<String>,
            String,
            String,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT c.state, c.reference, cr.name, tc.key, tc.escalation_needs_consent, d.id, d.name, d.email,
                    d.language, d.time_zone
             FROM cases c JOIN creditors cr ON cr.id = c.creditor_id JOIN debtors d ON d.id = c.debtor_id
             LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
             WHERE c.id = $1 AND cr.agency_id = $2",
        )
        .bind(case_id)
        .bind(agency_id)
        .fetch_optional(self.pool())
        .await
        .map_err(&err)?;
        let Some((
            state,
            reference,
            creditor,
            class_key,
            consent,
            debtor_id,
            name,
            email,
            lang,
            tz,
        )) = row
        else {
            return Ok(None);
        };
        let open_disputes: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM disputes WHERE case_id = $1 AND state = 'open' ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let claims: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT id, paid_on, amount_minor, currency FROM payment_claims WHERE case_id = $1 AND state = 'open' ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let items = self.items(case_id).await?;
        Ok(Some(HandlerCase {
            case_id,
            state: CaseState::from_code(&state).ok_or(StoreError)?,
            reference,
            creditor_name: creditor,
            class_key,
            escalation_needs_consent: consent.is_none_or(|c| c != 0),
            debtor_id,
            debtor_name: name,
            debtor_email: email.filter(|e| !e.is_empty()),
            debtor_language: Language::from_code(&lang).unwrap_or_default(),
            time_zone: tz,
            open_disputes,
            open_payment_claims: claims
                .into_iter()
                .map(|(id, d, minor, cur)| Ok((id, date(&d)?, money(minor, &cur)?)))
                .collect::<StoreResult<_>>()?,
            items,
        }))
    }

    async fn case_work(&self, case_id: i64) -> StoreResult<CaseWork> {
        let err = store_err("load case work");
        type PlanRow = (
            i64,
            String,
            String,
            String,
            String,
            i64,
            String,
            i64,
            Option<String>,
        );
        let plans: Vec<PlanRow> = sqlx::query_as(
            "SELECT id, state, proposed_by, request, schedule, cost_minor, reasons, created_at, decision_note
             FROM plans WHERE case_id = $1 ORDER BY id DESC",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        type ApprovalRow = (i64, i64, i64, String, String, String, i64, Option<i64>);
        let approvals: Vec<ApprovalRow> = sqlx::query_as(
            "SELECT plan_id, created_at, recommend_approve, note, state, comment, by_default, decided_at
             FROM plan_approvals WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let approval_of = |plan_id: i64| {
            approvals.iter().find(|a| a.0 == plan_id).map(
                |(_, at, recommend, note, state, comment, by_default, decided)| PlanApprovalView {
                    requested_at_ms: *at,
                    recommend_approve: *recommend != 0,
                    note: note.clone(),
                    state: state.clone(),
                    comment: comment.clone(),
                    by_default: *by_default != 0,
                    decided_at_ms: *decided,
                },
            )
        };
        let plans = plans
            .into_iter()
            .map(
                |(id, state, by, request, schedule, cost, reasons, at, note)| {
                    Ok(HandlerPlan {
                        plan: plan_view((id, state, by, request, schedule, cost, reasons))?,
                        at_ms: at,
                        note,
                        approval: approval_of(id),
                    })
                },
            )
            .collect::<StoreResult<_>>()?;
        let files = attachments_of(self, case_id).await?;
        let claims: Vec<(i64, String, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, paid_on, amount_minor, currency, note, state FROM payment_claims WHERE case_id = $1 ORDER BY id DESC",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let payment_claims = claims
            .into_iter()
            .map(|(id, d, minor, cur, note, state)| {
                Ok(PaymentClaimView {
                    id,
                    paid_on: date(&d)?,
                    amount: money(minor, &cur)?,
                    note,
                    state,
                    attachments: owned(&files, "payment_claim", id),
                })
            })
            .collect::<StoreResult<_>>()?;
        let open: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT w.id, w.kind, w.due_at, s.display_name FROM work_items w LEFT JOIN staff_users s ON s.id = w.assignee_id
             WHERE w.case_id = $1 AND w.done_at IS NULL ORDER BY w.due_at, w.id",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let actions: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT a.kind, s.display_name, a.created_at FROM staff_actions a JOIN staff_users s ON s.id = a.staff_id
             WHERE a.case_id = $1 ORDER BY a.created_at DESC, a.id DESC",
        )
        .bind(case_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        Ok(CaseWork {
            plans,
            payment_claims,
            open_work: open
                .into_iter()
                .map(|(id, kind, due_at_ms, assignee)| OpenWork {
                    id,
                    kind,
                    due_at_ms,
                    assignee,
                })
                .collect(),
            actions: actions
                .into_iter()
                .map(|(kind, staff_name, at_ms)| ActionRecord {
                    kind,
                    staff_name,
                    at_ms,
                })
                .collect(),
            items: self.items(case_id).await?,
            failed_emails: sqlx::query_as(
                "SELECT updated_at, recipient, COALESCE(last_error, '') FROM outbox
                 WHERE case_id = $1 AND state = 'dead' ORDER BY id DESC",
            )
            .bind(case_id)
            .fetch_all(self.pool())
            .await
            .map_err(&err)?,
        })
    }

    async fn apply_action(&self, a: HandlerAction) -> StoreResult<Stored> {
        let err = store_err("apply handler action");
        let now = a.effects.audit.at_ms;
        let mut tx = self.begin_write().await.map_err(&err)?;
        // The action's own row first: a form sent twice stops here, and SQLite takes its write
        // lock at once.
        let inserted = sqlx::query(
            "INSERT INTO staff_actions (case_id, staff_id, kind, submission_key, detail, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(a.case_id)
        .bind(a.staff_id)
        .bind(a.kind)
        .bind(&a.submission_key)
        .bind(&a.effects.event_detail)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Ok(Stored::Duplicate),
            Err(e) => return Err(err(e)),
        }
        if !apply_change(&mut tx, &a, now).await.map_err(&err)? {
            return Ok(Stored::StateChanged);
        }
        if !apply_effects(&mut tx, a.case_id, &a.effects)
            .await
            .map_err(&err)?
        {
            return Ok(Stored::StateChanged);
        }
        lift_holds(&mut tx, a.case_id, &a.lift_holds, now)
            .await
            .map_err(&err)?;
        if let CaseChange::PaymentClaim {
            claim_id,
            confirmed: true,
        } = &a.change
        {
            // Booked like any payment: allocated, reported to the creditor, and the case closes when
            // nothing is left. The handler's own email tells the debtor, so no second receipt.
            let (minor, currency, paid_on): (i64, String, String) = sqlx::query_as(
                "SELECT amount_minor, currency, paid_on FROM payment_claims WHERE id = $1",
            )
            .bind(claim_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(&err)?;
            let currency = super::currency(&currency)?;
            let paid_on = date(&paid_on)?;
            book_payment(
                &mut tx,
                &NewPayment {
                    case_id: a.case_id,
                    amount: Money::new(minor, currency),
                    value_date: paid_on,
                    method: "reported_transfer",
                    source: &format!("claim:{claim_id}"),
                    now_ms: now,
                    base_url: &a.base_url,
                },
                Receipt::Skip,
            )
            .await
            .map_err(&err)?;
        }
        for kind in &a.done {
            sqlx::query(
                "UPDATE work_items SET done_at = $3, done_by = $4, updated_at = $3
                 WHERE case_id = $1 AND kind = $2 AND done_at IS NULL",
            )
            .bind(a.case_id)
            .bind(kind.code())
            .bind(now)
            .bind(a.staff_id)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        }
        if let Some(e) = &a.email {
            queue_email(&mut tx, a.case_id, e, now)
                .await
                .map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(Stored::New(a.case_id))
    }

    async fn staff_attachment(
        &self,
        agency_id: i64,
        attachment_id: i64,
    ) -> StoreResult<Option<(String, String, Vec<u8>)>> {
        sqlx::query_as(
            "SELECT a.filename, a.content_type, a.content FROM attachments a
             JOIN cases c ON c.id = a.case_id JOIN creditors cr ON cr.id = c.creditor_id
             WHERE a.id = $1 AND cr.agency_id = $2",
        )
        .bind(attachment_id)
        .bind(agency_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("load attachment for staff"))
    }
}
