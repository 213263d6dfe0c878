//! The dunning engine's storage: the facts of each case whose clock may run, and each step taken
//! once, with all its effects, in one transaction.

use super::accrual::accrued_by_case;
use super::audit::insert_audits;
use super::effects::{add_work, apply_effects, insert_events, NewEvent};
use super::outbox::{enqueue_email, NewEmail};
use super::plans::{decode, queue, queue_all};
use super::{
    currency as currency_of, date, insert_rows, iso, json_rows, json_spelling, placeholders,
    store_err, AnyQuery, Db, ReadConn, ROWS_AT_ONCE,
};
use app::domain::case_state::{CaseState, HoldReason};
use app::domain::dunning::{stillness, Cadence, HoldSpan, PlanSpan};
use app::domain::plan::{policy_for_balance, Instalment, MissedInstalmentRule, PolicyBand};
use app::domain::webhook::event_type;
use app::domain::{Language, Money};
use app::server::ports::{
    AuditEntry, Dunning, DunningCase, DunningStep, EndedHold, QueuedEmail, RunningPlan, StoreError,
    StoreResult, Stored,
};
use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The day of an instant (UTC).
fn day_of(ms: i64) -> StoreResult<NaiveDate> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.date_naive())
        .ok_or(StoreError)
}

/// The rule for missed instalments when a class has no band for the plan (the seeded standard).
const FALLBACK_RULE: MissedInstalmentRule = MissedInstalmentRule {
    grace_days: 7,
    misses_to_break: 2,
};

/// What the engine reads of a case, in one statement: the case, its debtor, creditor and class;
/// the steps taken so far and the balance (every item less every payment and write-down, which
/// `paid` counts; the running interest not yet charged is added from `accrued_by_case`, as on the
/// case page); how many amounts are in another currency than the case's; its holds and its plans
/// that ran (as JSON lists, see `json_spelling`). A dunning run reads a page of cases with it,
/// the debtor's case page one case.
const CASE_COLUMNS: &str = "c.id AS case_id, c.reference AS reference, c.state AS state,
     c.created_at AS created_at, tc.key AS class_key, tc.cadence AS cadence,
     tc.escalation_needs_consent AS needs_consent, tc.policy AS policy, cr.name AS creditor_name,
     d.id AS debtor_id, d.name AS debtor_name, d.email AS email, d.language AS language,
     d.time_zone AS time_zone, d.contact_channel AS contact_channel, c.currency AS currency,
     (SELECT COUNT(*) FROM dunning_steps s WHERE s.case_id = c.id AND s.step_key LIKE 'step:%') AS steps_done,
     (SELECT MAX(s.done_at) FROM dunning_steps s WHERE s.case_id = c.id AND s.step_key LIKE 'step:%') AS last_step_at,
     CAST(COALESCE((SELECT SUM(i.amount_minor) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
                    WHERE cl.case_id = c.id), 0) AS BIGINT) AS owed,
     CAST(COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.case_id = c.id), 0)
          + COALESCE((SELECT SUM(w.amount_minor) FROM write_downs w WHERE w.case_id = c.id), 0) AS BIGINT) AS paid,
     (SELECT COUNT(*) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
       WHERE cl.case_id = c.id AND i.currency <> c.currency)
     + (SELECT COUNT(*) FROM payments p WHERE p.case_id = c.id AND p.currency <> c.currency) AS foreign_amounts,
     (SELECT CAST(json_group_array(json_array(h.id, h.reason, h.from_date, h.until_date, h.lifted_at)
             ORDER BY h.id) AS TEXT)
      FROM holds h WHERE h.case_id = c.id) AS holds,
     (SELECT CAST(json_group_array(json_array(p.id, p.state, p.decided_at, p.updated_at, p.schedule)
             ORDER BY p.id) AS TEXT)
      FROM plans p WHERE p.case_id = c.id AND p.state IN ('agreed', 'broken', 'completed')) AS plans
     FROM cases c
     JOIN creditors cr ON cr.id = c.creditor_id
     JOIN debtors d ON d.id = c.debtor_id
     LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id";

/// A row of [`CASE_COLUMNS`].
#[derive(sqlx::FromRow)]
struct CaseRow {
    case_id: i64,
    reference: String,
    state: String,
    created_at: i64,
    class_key: Option<String>,
    cadence: Option<String>,
    needs_consent: Option<i64>,
    policy: Option<String>,
    creditor_name: String,
    debtor_id: i64,
    debtor_name: String,
    email: Option<String>,
    language: String,
    time_zone: String,
    contact_channel: String,
    currency: String,
    steps_done: i64,
    last_step_at: Option<i64>,
    owed: i64,
    paid: i64,
    foreign_amounts: i64,
    holds: Option<String>,
    plans: Option<String>,
}

impl TryFrom<&rusqlite::Row<'_>> for CaseRow {
    type Error = rusqlite::Error;

    fn try_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<CaseRow> {
        Ok(CaseRow {
            case_id: row.get("case_id")?,
            reference: row.get("reference")?,
            state: row.get("state")?,
            created_at: row.get("created_at")?,
            class_key: row.get("class_key")?,
            cadence: row.get("cadence")?,
            needs_consent: row.get("needs_consent")?,
            policy: row.get("policy")?,
            creditor_name: row.get("creditor_name")?,
            debtor_id: row.get("debtor_id")?,
            debtor_name: row.get("debtor_name")?,
            email: row.get("email")?,
            language: row.get("language")?,
            time_zone: row.get("time_zone")?,
            contact_channel: row.get("contact_channel")?,
            currency: row.get("currency")?,
            steps_done: row.get("steps_done")?,
            last_step_at: row.get("last_step_at")?,
            owed: row.get("owed")?,
            paid: row.get("paid")?,
            foreign_amounts: row.get("foreign_amounts")?,
            holds: row.get("holds")?,
            plans: row.get("plans")?,
        })
    }
}

/// A hold as listed in [`CaseRow::holds`]: id, reason, from, until, lifted at.
type HoldRow = (i64, String, String, Option<String>, Option<i64>);
/// A plan as listed in [`CaseRow::plans`]: id, state, decided at, updated at, schedule.
type PlanRow = (i64, String, Option<i64>, i64, String);

/// One case as the engine sees it, read on `conn`: one statement, and one more for the payments of
/// a running plan.
pub(super) async fn dunning_case_on(
    conn: &mut ReadConn,
    db: &Db,
    case_id: i64,
    today: NaiveDate,
) -> StoreResult<Option<DunningCase>> {
    let sql = format!("SELECT {CASE_COLUMNS} WHERE c.id = $1");
    let row: Option<CaseRow> = conn
        .optional(&json_spelling(db.backend(), &sql), &[case_id.into()])
        .await
        .map_err(store_err("load a case for dunning"))?;
    match row {
        Some(row) => {
            let accrued = accrued_by_case(db, conn, &[row.case_id], today).await?;
            let running = accrued.get(&row.case_id).copied().unwrap_or(0);
            dunning_case(conn, row, today, running).await.map(Some)
        }
        None => Ok(None),
    }
}

/// The engine's view of a case from its row and the running interest it accrued and has not
/// been charged yet; a running plan's payments are read on `conn`.
async fn dunning_case(
    conn: &mut ReadConn,
    row: CaseRow,
    today: NaiveDate,
    running: i64,
) -> StoreResult<DunningCase> {
    let err = store_err("load a case for dunning");
    let CaseRow {
        case_id,
        reference,
        state,
        created_at,
        class_key,
        cadence,
        needs_consent,
        policy,
        creditor_name,
        debtor_id,
        debtor_name,
        email,
        language,
        time_zone,
        contact_channel,
        currency,
        steps_done,
        last_step_at: last_at,
        owed,
        paid,
        foreign_amounts: foreign,
        holds,
        plans,
    } = row;
    let Some(state) = CaseState::from_code(&state) else {
        tracing::error!(case_id, state, "unknown case state in the database");
        return Err(StoreError);
    };
    let cadence = match cadence.as_deref() {
        Some(c) if !c.is_empty() => decode::<Cadence>(c)?,
        _ => Cadence::default_for(class_key.as_deref().unwrap_or("standard")),
    };
    if foreign > 0 {
        tracing::error!(case_id, "case amounts in another currency than the case's");
        return Err(StoreError);
    }
    let balance = Money::new(owed + running - paid, currency_of(&currency)?);
    // The rows are decoded here; when the clock stood still is decided by the domain.
    let holds: Vec<HoldRow> = json_rows(holds.as_deref(), "holds of a case")?;
    let hold_spans = holds
        .iter()
        .map(|(_, _, from, until, lifted)| {
            Ok(HoldSpan {
                from: date(from)?,
                until: until.as_deref().map(date).transpose()?,
                lifted: lifted.map(day_of).transpose()?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let plans: Vec<PlanRow> = json_rows(plans.as_deref(), "plans of a case")?;
    let plan_spans = plans
        .iter()
        .map(|(_, plan_state, decided_at, updated_at, _)| {
            Ok(PlanSpan {
                agreed: plan_state == "agreed",
                from: day_of(decided_at.unwrap_or(*updated_at))?,
                last_change: day_of(*updated_at)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let still = stillness(
        &hold_spans,
        &plan_spans,
        state == CaseState::OnHold,
        state == CaseState::PlanAgreed,
        today,
    );
    let ended_hold = match (still.ended_hold_on, holds.last()) {
        (Some(ended_on), Some((id, reason, ..))) => {
            let Some(reason) = HoldReason::from_stored(reason) else {
                tracing::error!(case_id, reason, "unknown hold reason in the database");
                return Err(StoreError);
            };
            Some(EndedHold {
                id: *id,
                reason,
                ended_on,
            })
        }
        _ => None,
    };
    let pauses = still.pauses;
    let running = still.running_plan.map(|i| {
        let (id, _, _, _, schedule) = &plans[i];
        (*id, plan_spans[i].from, schedule.clone())
    });
    let plan = match running {
        None => None,
        Some((id, agreed_on, schedule)) => {
            let instalments: Vec<Instalment> = decode(&schedule)?;
            let total = Money::sum(balance.currency, instalments.iter().map(|i| i.amount))
                .unwrap_or(balance);
            let bands: Vec<PolicyBand> = match policy {
                Some(p) => decode(&p)?,
                None => Vec::new(),
            };
            let rule = policy_for_balance(&bands, total).map_or(FALLBACK_RULE, |p| p.missed);
            let rows: Vec<(i64, String, String)> = conn
                .all(
                    "SELECT amount_minor, currency, value_date FROM payments
                     WHERE case_id = $1 AND value_date >= $2 ORDER BY value_date, id",
                    &[case_id.into(), iso(agreed_on).as_str().into()],
                )
                .await
                .map_err(&err)?;
            let payments = rows
                .into_iter()
                .map(|(minor, cur, day)| Ok((date(&day)?, Money::new(minor, currency_of(&cur)?))))
                .collect::<StoreResult<Vec<_>>>()?;
            Some(RunningPlan {
                id,
                instalments,
                payments,
                rule,
            })
        }
    };
    Ok(DunningCase {
        case_id,
        reference,
        state,
        cadence,
        escalation_needs_consent: needs_consent.is_none_or(|c| c != 0),
        creditor_name,
        debtor_id,
        debtor_name,
        debtor_email: email.filter(|e| !e.trim().is_empty()),
        prefers_letter: contact_channel == "letter",
        language: Language::from_code(&language).unwrap_or(Language::De),
        time_zone,
        handed_over_on: day_of(created_at)?,
        balance,
        steps_done: usize::try_from(steps_done).unwrap_or(0),
        last_step_on: last_at.map(day_of).transpose()?,
        pauses,
        plan,
        ended_hold,
    })
}

#[async_trait]
impl Dunning for Db {
    async fn dunning_cases(
        &self,
        after_id: i64,
        limit: u32,
        today: NaiveDate,
    ) -> StoreResult<Vec<DunningCase>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS}
             WHERE c.state IN ('open', 'in_dialogue', 'plan_agreed', 'on_hold') AND c.id > $1
             ORDER BY c.id LIMIT $2"
        );
        // A page of cases is batch work: it stays on sqlx's worker threads (see `read`).
        let mut conn = self.pooled_read_conn("list cases for dunning").await?;
        let rows: Vec<CaseRow> = conn
            .all(
                &json_spelling(self.backend(), &sql),
                &[after_id.into(), i64::from(limit).into()],
            )
            .await
            .map_err(store_err("list cases for dunning"))?;
        let ids: Vec<i64> = rows.iter().map(|r| r.case_id).collect();
        let accrued = accrued_by_case(self, &mut conn, &ids, today).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let running = accrued.get(&row.case_id).copied().unwrap_or(0);
            out.push(dunning_case(&mut conn, row, today, running).await?);
        }
        Ok(out)
    }

    async fn dunning_case_by_id(
        &self,
        case_id: i64,
        today: NaiveDate,
    ) -> StoreResult<Option<DunningCase>> {
        let mut conn = self.read_conn("load a case for dunning").await?;
        dunning_case_on(&mut conn, self, case_id, today).await
    }

    async fn record_step(&self, step: DunningStep) -> StoreResult<Stored> {
        let err = store_err("record a dunning step");
        let mut tx = self.begin_write().await.map_err(&err)?;
        let stored = record_in(&mut tx, &step).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(stored)
    }

    async fn record_steps(&self, steps: Vec<DunningStep>) -> StoreResult<Vec<Stored>> {
        let together = async {
            let mut tx = self.begin_write().await?;
            let out = record_all(&mut tx, &steps).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(out)
        };
        match together.await {
            Ok(out) => Ok(out),
            Err(e) => {
                // Nothing of the batch was stored; one transaction per step then, so that one
                // failing step keeps none of the others from being taken.
                tracing::warn!(error = %e, "a batch of dunning steps failed; taking them one by one");
                let mut out = Vec::with_capacity(steps.len());
                for step in steps {
                    out.push(self.record_step(step).await?);
                }
                Ok(out)
            }
        }
    }
}

/// The columns of a step's row; [`bind_step`] binds its values.
const INSERT_STEP: &str = "INSERT INTO dunning_steps (case_id, step_key, kind, channel, due_on, done_at, letter_subject, letter_body, created_at, updated_at)";

/// The step's row is new unless the case took the step before.
const STEP_IS_NEW: &str = "ON CONFLICT (case_id, step_key) DO NOTHING RETURNING case_id, id";

fn bind_step<'q>(q: AnyQuery<'q>, step: &'q DunningStep) -> AnyQuery<'q> {
    let now = step.effects.audit.at_ms;
    q.bind(step.case_id)
        .bind(step.step_key.as_str())
        .bind(step.kind)
        .bind(step.channel)
        .bind(iso(step.due_on))
        .bind(now)
        .bind(step.letter.as_ref().map(|l| l.0.as_str()))
        .bind(step.letter.as_ref().map(|l| l.1.as_str()))
        .bind(now)
        .bind(now)
}

/// The (case, id) pairs of step rows written now.
fn new_rows(rows: Vec<sqlx::any::AnyRow>) -> Result<HashMap<i64, i64>, sqlx::Error> {
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Whether `step` is written with others like it by [`record_all`]: its effects are its row, the
/// state check, the timeline event, the audit entry and the debtor's email, and nothing else —
/// every reminder and final notice of a mass run. Holds, plans, work items, creditors' emails
/// and events that creditors' webhooks report go one step at a time.
fn plain(step: &DunningStep) -> bool {
    step.effects.hold.is_none()
        && step.plan_state.is_none()
        && step.work.is_none()
        && step.creditor_email.is_none()
        && step.effects.audit.actor_kind != "debtor"
        && event_type(step.effects.event_kind).is_none()
}

/// Stores `steps` inside `tx`, each with the outcome [`record_in`] would give it. The plain steps
/// (see [`plain`]) of cases with one step in the batch are written together, a hundred rows per
/// statement and table — a page of reminders costs a dozen statements instead of a thousand —
/// the others one by one with `record_in`. The steps of one case stay in order: each expects the
/// state the one before leaves.
async fn record_all(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    steps: &[DunningStep],
) -> Result<Vec<Stored>, sqlx::Error> {
    let mut per_case: HashMap<i64, usize> = HashMap::new();
    for s in steps {
        *per_case.entry(s.case_id).or_default() += 1;
    }
    let mut out = vec![Stored::Duplicate; steps.len()];
    let mut batch = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        if per_case[&s.case_id] == 1 && plain(s) {
            batch.push((i, s));
        } else {
            out[i] = record_in(tx, s).await?;
        }
    }
    let rows: Vec<&DunningStep> = batch.iter().map(|(_, s)| *s).collect();
    let ids = new_rows(
        insert_rows(tx, INSERT_STEP, 10, STEP_IS_NEW, &rows, |q, s| {
            bind_step(q, s)
        })
        .await?,
    )?;
    // The state check of every new step, one statement for each (expected, new state, time).
    let mut checks: BTreeMap<(&str, &str, i64), Vec<i64>> = BTreeMap::new();
    for s in rows.iter().filter(|s| ids.contains_key(&s.case_id)) {
        let e = &s.effects;
        checks
            .entry((e.expected_state.code(), e.new_state.code(), e.audit.at_ms))
            .or_default()
            .push(s.case_id);
    }
    // The cases still in the state their step expected (and now in its new state).
    let mut passed: HashSet<i64> = HashSet::new();
    for ((expected, new, at), cases) in &checks {
        for chunk in cases.chunks(ROWS_AT_ONCE) {
            let sql = format!(
                "UPDATE cases SET state = $1, updated_at = $2 WHERE state = $3 AND id IN ({}) RETURNING id",
                placeholders(4, chunk.len())
            );
            let mut q = sqlx::query_scalar(&sql)
                .bind(*new)
                .bind(*at)
                .bind(*expected);
            for id in chunk {
                q = q.bind(*id);
            }
            let done: Vec<i64> = q.fetch_all(&mut **tx).await?;
            passed.extend(done);
        }
    }
    // A case whose state changed meanwhile keeps nothing of its step.
    let stale: Vec<i64> = ids
        .iter()
        .filter(|(case, _)| !passed.contains(case))
        .map(|(_, id)| *id)
        .collect();
    for chunk in stale.chunks(ROWS_AT_ONCE) {
        let sql = format!(
            "DELETE FROM dunning_steps WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    let mut taken = Vec::with_capacity(passed.len());
    for (i, s) in batch {
        out[i] = match ids.get(&s.case_id) {
            None => Stored::Duplicate,
            Some(_) if !passed.contains(&s.case_id) => Stored::StateChanged,
            Some(id) => {
                taken.push(s);
                Stored::New(*id)
            }
        };
    }
    let events: Vec<NewEvent> = taken
        .iter()
        .map(|s| NewEvent {
            case_id: s.case_id,
            at: s.effects.audit.at_ms,
            actor: s.effects.audit.actor_kind,
            kind: s.effects.event_kind,
            detail: &s.effects.event_detail,
        })
        .collect();
    insert_events(tx, &events).await?;
    let audits: Vec<&AuditEntry> = taken.iter().map(|s| &s.effects.audit).collect();
    insert_audits(tx, &audits).await?;
    let emails: Vec<(i64, &QueuedEmail, i64)> = taken
        .iter()
        .filter_map(|s| Some((s.case_id, s.email.as_ref()?, s.effects.audit.at_ms)))
        .collect();
    queue_all(tx, &emails).await?;
    Ok(out)
}

/// Stores one step with all its effects inside `tx`. A step taken before is a `Duplicate` and a
/// case whose state changed meanwhile is `StateChanged`; neither leaves anything written.
async fn record_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    step: &DunningStep,
) -> Result<Stored, sqlx::Error> {
    let now = step.effects.audit.at_ms;
    let rows = insert_rows(tx, INSERT_STEP, 10, STEP_IS_NEW, &[step], |q, s| {
        bind_step(q, s)
    })
    .await?;
    let Some(&id) = new_rows(rows)?.get(&step.case_id) else {
        return Ok(Stored::Duplicate);
    };
    // The state check comes first in `apply_effects`: when it fails, nothing but the step's own
    // row was written, and that goes again.
    if !apply_effects(tx, step.case_id, &step.effects).await? {
        sqlx::query("DELETE FROM dunning_steps WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        return Ok(Stored::StateChanged);
    }
    if let Some((plan_id, plan_state)) = step.plan_state {
        sqlx::query(
            "UPDATE plans SET state = $2, updated_at = $3 WHERE id = $1 AND state = 'agreed'",
        )
        .bind(plan_id)
        .bind(plan_state)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(kind) = step.work {
        add_work(tx, step.case_id, kind, now).await?;
    }
    if let Some(email) = &step.email {
        queue(tx, step.case_id, email, now).await?;
    }
    if let Some(note) = &step.creditor_email {
        let owners: Vec<(i64, String)> = sqlx::query_as(
            "SELECT u.id, u.email FROM creditor_users u JOIN cases c ON c.creditor_id = u.creditor_id
             WHERE c.id = $1 AND u.role = 'owner' AND u.active = 1 ORDER BY u.id",
        )
        .bind(step.case_id)
        .fetch_all(&mut **tx)
        .await?;
        for (user_id, to) in owners {
            enqueue_email(
                tx,
                &NewEmail {
                    dedupe_key: &format!("{}:{user_id}", note.dedupe_key),
                    case_id: Some(step.case_id),
                    debtor_id: None,
                    to: &to,
                    time_zone: "Europe/Berlin",
                    subject: &note.subject,
                    text: &note.text,
                    html: &note.html,
                    host: &note.host,
                    now_ms: now,
                },
            )
            .await?;
        }
    }
    Ok(Stored::New(id))
}
