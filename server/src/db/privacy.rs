//! Data protection (GDPR): a debtor's data as one JSON document (Art. 15, from the staff portal),
//! and the anonymisation of debtors whose cases all ended longer ago than the retention period
//! (Art. 5 (1) e, Art. 17), with a dry run that reports what would change.
//!
//! Anonymising keeps what bookkeeping needs — amounts, dates, references, states, the audit
//! trail — and removes who the person was and what they wrote: name, address, contact data,
//! IBAN, messages, dispute texts, notes, documents, letters, emails, access data, bank payer data.

use super::Db;
use serde_json::{json, Value};
use sqlx::Row;

/// The text that replaces what a person wrote or who they were.
pub const ERASED: &str = "[gelöscht]";

/// Every piece of a debtor's data, for the export of Art. 15 GDPR. `None` when the case is not in
/// the agency.
pub async fn export(db: &Db, agency_id: i64, case_id: i64) -> Result<Option<Value>, sqlx::Error> {
    let debtor: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT d.id, d.creditor_id, cr.name FROM cases c JOIN debtors d ON d.id = c.debtor_id
         JOIN creditors cr ON cr.id = c.creditor_id
         WHERE c.id = $1 AND cr.agency_id = $2",
    )
    .bind(case_id)
    .bind(agency_id)
    .fetch_optional(db.pool())
    .await?;
    let Some((debtor_id, _creditor_id, creditor)) = debtor else {
        return Ok(None);
    };
    let person = sqlx::query(
        "SELECT customer_number, kind, name, street, postcode, city, country, email, phone, language,
                iban, contact_channel, time_zone, address_researched, created_at
         FROM debtors WHERE id = $1",
    )
    .bind(debtor_id)
    .fetch_one(db.pool())
    .await?;
    let text = |r: &sqlx::any::AnyRow, i: usize| -> Value {
        r.try_get::<Option<String>, _>(i)
            .ok()
            .flatten()
            .map_or(Value::Null, Value::String)
    };
    let num = |r: &sqlx::any::AnyRow, i: usize| -> Value {
        r.try_get::<Option<i64>, _>(i)
            .ok()
            .flatten()
            .map_or(Value::Null, |n| json!(n))
    };
    let person = json!({
        "customer_number": text(&person, 0),
        "kind": text(&person, 1),
        "name": text(&person, 2),
        "street": text(&person, 3),
        "postcode": text(&person, 4),
        "city": text(&person, 5),
        "country": text(&person, 6),
        "email": text(&person, 7),
        "phone": text(&person, 8),
        "language": text(&person, 9),
        "iban": text(&person, 10),
        "contact_channel": text(&person, 11),
        "time_zone": text(&person, 12),
        "address_researched": num(&person, 13),
        "created_at_ms": num(&person, 14),
    });
    let case_ids: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM cases WHERE debtor_id = $1 ORDER BY id")
            .bind(debtor_id)
            .fetch_all(db.pool())
            .await?;
    let mut cases = Vec::new();
    for (id,) in case_ids {
        cases.push(case_export(db, id).await?);
    }
    let activities = rows(
        db,
        "SELECT event_id, kind, occurred_on, amount_minor FROM customer_activities WHERE debtor_id = $1 ORDER BY occurred_on, id",
        debtor_id,
        &["event_id", "kind", "date", "amount_cents"],
    )
    .await?;
    Ok(Some(json!({
        "about": "Personal data held by the collection agency about this person (Art. 15 GDPR).",
        "controller_for_the_claims": creditor,
        "person": person,
        "cases": cases,
        "customer_activity": activities,
    })))
}

/// Runs `sql` with one id and returns each row as an object with `names` as keys (text or
/// number, whatever the column holds).
async fn rows(db: &Db, sql: &str, id: i64, names: &[&str]) -> Result<Vec<Value>, sqlx::Error> {
    let found = sqlx::query(sql).bind(id).fetch_all(db.pool()).await?;
    Ok(found
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (i, name) in names.iter().enumerate() {
                let v = if let Ok(Some(s)) = r.try_get::<Option<String>, _>(i) {
                    Value::String(s)
                } else if let Ok(Some(n)) = r.try_get::<Option<i64>, _>(i) {
                    json!(n)
                } else {
                    Value::Null
                };
                o.insert((*name).to_string(), v);
            }
            Value::Object(o)
        })
        .collect())
}

async fn case_export(db: &Db, case_id: i64) -> Result<Value, sqlx::Error> {
    let case = rows(
        db,
        "SELECT reference, state, reason, created_at FROM cases WHERE id = $1",
        case_id,
        &[
            "reference",
            "state",
            "reason_for_not_paying",
            "handed_over_at_ms",
        ],
    )
    .await?;
    Ok(json!({
        "case": case.into_iter().next(),
        "claims": rows(db, "SELECT external_id, subject, contract_date, invoice_number, due_date FROM claims WHERE case_id = $1 ORDER BY id", case_id,
            &["external_id", "subject", "contract_date", "invoice_number", "due_date"]).await?,
        "claim_items": rows(db, "SELECT i.kind, i.description, i.item_date, i.amount_minor FROM claim_items i JOIN claims cl ON cl.id = i.claim_id WHERE cl.case_id = $1 ORDER BY i.id", case_id,
            &["kind", "description", "date", "amount_cents"]).await?,
        "payments": rows(db, "SELECT value_date, amount_minor, method FROM payments WHERE case_id = $1 ORDER BY id", case_id,
            &["value_date", "amount_cents", "method"]).await?,
        "write_downs": rows(db, "SELECT value_date, amount_minor, kind, reason FROM write_downs WHERE case_id = $1 ORDER BY id", case_id,
            &["value_date", "amount_cents", "kind", "reason"]).await?,
        "messages": rows(db, "SELECT author_kind, body, created_at FROM messages WHERE case_id = $1 ORDER BY id", case_id,
            &["author", "text", "at_ms"]).await?,
        "disputes": rows(db, "SELECT kind, body, state, answer, created_at FROM disputes WHERE case_id = $1 ORDER BY id", case_id,
            &["kind", "text", "state", "answer", "at_ms"]).await?,
        "reported_payments": rows(db, "SELECT paid_on, amount_minor, note, state FROM payment_claims WHERE case_id = $1 ORDER BY id", case_id,
            &["paid_on", "amount_cents", "note", "state"]).await?,
        "plans": rows(db, "SELECT state, proposed_by, schedule, created_at FROM plans WHERE case_id = $1 ORDER BY id", case_id,
            &["state", "proposed_by", "schedule", "at_ms"]).await?,
        "documents": rows(db, "SELECT filename, content_type, size_bytes, created_at FROM attachments WHERE case_id = $1 ORDER BY id", case_id,
            &["filename", "content_type", "size_bytes", "at_ms"]).await?,
        "letters_and_reminders": rows(db, "SELECT kind, channel, due_on, letter_subject FROM dunning_steps WHERE case_id = $1 ORDER BY id", case_id,
            &["kind", "channel", "due_on", "letter_subject"]).await?,
        "emails": rows(db, "SELECT recipient, state, created_at FROM outbox WHERE case_id = $1 AND kind = 'email' ORDER BY id", case_id,
            &["to", "state", "at_ms"]).await?,
        "timeline": rows(db, "SELECT kind, actor_kind, occurred_at FROM case_events WHERE case_id = $1 ORDER BY id", case_id,
            &["what", "by", "at_ms"]).await?,
        "fairness_answer": rows(db, "SELECT score, comment FROM satisfaction_answers WHERE case_id = $1", case_id,
            &["score", "comment"]).await?,
    }))
}

/// What an anonymisation run found (and, unless it was a dry run, changed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasureReport {
    pub dry_run: bool,
    /// The debtors' case references, per debtor.
    pub debtors: Vec<Vec<String>>,
    pub messages: i64,
    pub documents: i64,
}

impl ErasureReport {
    /// The report as `server erase` prints it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for refs in &self.debtors {
            out.push_str(&format!("  {}\n", refs.join(", ")));
        }
        out.push_str(&format!(
            "{} {} debtors ({} messages, {} documents){}.\n",
            if self.dry_run {
                "Would anonymise"
            } else {
                "Anonymised"
            },
            self.debtors.len(),
            self.messages,
            self.documents,
            if self.dry_run {
                "; nothing was changed (dry run)"
            } else {
                ""
            }
        ));
        out
    }
}

/// Anonymises every debtor not yet anonymised whose cases have all ended (paid or closed) and
/// whose last case ended before `cutoff_ms`; with `dry_run` only reports. One transaction per
/// debtor: a debtor is anonymised completely or not at all.
pub async fn erase(
    db: &Db,
    cutoff_ms: i64,
    now_ms: i64,
    dry_run: bool,
) -> Result<ErasureReport, sqlx::Error> {
    let due: Vec<(i64,)> = sqlx::query_as(
        "SELECT d.id FROM debtors d
         WHERE d.erased_at IS NULL
           AND EXISTS (SELECT 1 FROM cases c WHERE c.debtor_id = d.id)
           AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.debtor_id = d.id AND c.state NOT IN ('paid', 'closed'))
           AND (SELECT MAX(COALESCE((SELECT MAX(e.occurred_at) FROM case_events e
                                      WHERE e.case_id = c.id AND e.kind IN ('case_closed', 'written_off', 'claim_cancelled')),
                                    c.updated_at))
                FROM cases c WHERE c.debtor_id = d.id) < $1
         ORDER BY d.id",
    )
    .bind(cutoff_ms)
    .fetch_all(db.pool())
    .await?;
    let mut report = ErasureReport {
        dry_run,
        ..ErasureReport::default()
    };
    for (debtor_id,) in due {
        let refs: Vec<(String,)> =
            sqlx::query_as("SELECT reference FROM cases WHERE debtor_id = $1 ORDER BY id")
                .bind(debtor_id)
                .fetch_all(db.pool())
                .await?;
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(debtor_id)
                .fetch_one(db.pool())
                .await
        };
        report.messages += count(
            "SELECT COUNT(*) FROM messages m JOIN cases c ON c.id = m.case_id WHERE c.debtor_id = $1",
        )
        .await?;
        report.documents += count(
            "SELECT COUNT(*) FROM attachments a JOIN cases c ON c.id = a.case_id WHERE c.debtor_id = $1",
        )
        .await?;
        report
            .debtors
            .push(refs.into_iter().map(|(r,)| r).collect());
        if !dry_run {
            anonymise(db, debtor_id, now_ms).await?;
        }
    }
    Ok(report)
}

async fn anonymise(db: &Db, debtor_id: i64, now_ms: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let cases = "(SELECT id FROM cases WHERE debtor_id = $1)";
    let statements = [
        format!(
            "UPDATE debtors SET name = '{ERASED}', street = '', postcode = '', city = '', email = NULL,
                    phone = NULL, iban = NULL, date_of_birth = NULL,
                    customer_number = 'erased-' || CAST(id AS TEXT),
                    erased_at = $2, updated_at = $2 WHERE id = $1"
        ),
        format!("UPDATE messages SET body = '{ERASED}', updated_at = $2 WHERE case_id IN {cases}"),
        format!(
            "UPDATE disputes SET body = '{ERASED}', answer = CASE WHEN answer IS NULL THEN NULL ELSE '{ERASED}' END,
                    updated_at = $2 WHERE case_id IN {cases}"
        ),
        format!("UPDATE payment_claims SET note = '{ERASED}', updated_at = $2 WHERE case_id IN {cases}"),

        format!("UPDATE satisfaction_answers SET comment = '', updated_at = $2 WHERE case_id IN {cases}"),
        format!(
            "UPDATE dunning_steps SET letter_subject = NULL, letter_body = NULL, updated_at = $2 WHERE case_id IN {cases}"
        ),
        format!(
            "UPDATE outbox SET recipient = '{ERASED}', payload = '{{}}', updated_at = $2
             WHERE (case_id IN {cases} OR debtor_id = $1) AND state <> 'pending' AND state <> 'sending'"
        ),
        format!("UPDATE case_events SET detail = '{{}}', updated_at = $2 WHERE case_id IN {cases}"),
        format!("UPDATE staff_actions SET detail = '{{}}', updated_at = $2 WHERE case_id IN {cases}"),
        format!("UPDATE plans SET decision_note = NULL, updated_at = $2 WHERE case_id IN {cases}"),
        format!("UPDATE item_corrections SET reason = '{ERASED}', updated_at = $2 WHERE case_id IN {cases}"),
        format!(
            "UPDATE bank_entries SET payer_name = NULL, payer_iban = NULL, remittance = '{ERASED}', note = '{ERASED}',
                    dismissal_note = NULL, updated_at = $2 WHERE case_id IN {cases} OR suggested_case_id IN {cases}"
        ),
        format!("UPDATE consent_decisions SET comment = '{ERASED}', updated_at = $2 WHERE case_id IN {cases}"),
        format!(
            "UPDATE plan_approvals SET note = '{ERASED}', comment = '{ERASED}', updated_at = $2 WHERE case_id IN {cases}"
        ),
    ];
    for sql in &statements {
        sqlx::query(sql)
            .bind(debtor_id)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
    }
    for sql in [
        format!("DELETE FROM attachments WHERE case_id IN {cases}"),
        format!("DELETE FROM access_credentials WHERE case_id IN {cases}"),
        // What the customer bought is about the person, not the case: it goes with them.
        "DELETE FROM customer_activities WHERE debtor_id = $1".to_string(),
    ] {
        sqlx::query(&sql).bind(debtor_id).execute(&mut *tx).await?;
    }
    sqlx::query(
        "INSERT INTO audit_log (occurred_at, actor_kind, actor_id, action, detail, created_at, updated_at)
         VALUES ($1, 'system', 'erase', 'debtor.anonymised', $2, $1, $1)",
    )
    .bind(now_ms)
    .bind(json!({ "debtor_id": debtor_id }).to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Writes a consistent copy of a SQLite database to `out` (`VACUUM INTO`: a snapshot taken in one
/// read transaction, so the portal may keep running). PostgreSQL is backed up with `pg_dump`.
pub async fn backup_sqlite(db: &Db, out: &std::path::Path) -> anyhow::Result<()> {
    if db.backend() != crate::config::Backend::Sqlite {
        anyhow::bail!(
            "the database is PostgreSQL: back it up with pg_dump (see the README), not with this command"
        );
    }
    let path = out
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the path {} is not UTF-8", out.display()))?;
    // The copy holds everything: created empty, for its owner only, before SQLite fills it
    // (VACUUM INTO writes into an empty file and keeps its permissions).
    crate::exports::private_file(out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(db.pool())
        .await?;
    Ok(())
}
