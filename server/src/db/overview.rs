//! The creditor's overview (ports `Overview` and `CreditorCases`): figures, the list of its
//! cases, moving a case to another class and pausing it.

use super::accrual::accrued_by_case;
use super::audit::insert_audit;
use super::effects::{apply_effects, insert_event};
use super::{store_err, Db};
use app::domain::case_state::CaseState;
use app::domain::{Currency, Money};
use app::dto::{OverviewFilter, OverviewRow};
use app::server::ports::{
    AuditEntry, CreditorCases, Effects, Figures, Overview, StoreError, StoreResult, Stored,
};
use async_trait::async_trait;
use chrono::NaiveDate;

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
        today: NaiveDate,
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
        // What is claimed includes the running interest not yet charged, as on the case page.
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut conn = self.read_conn("load creditor overview").await?;
        let accrued = accrued_by_case(self, &mut conn, &ids, today).await?;
        drop(conn);
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
                            claimed: eur(claimed + accrued.get(&case_id).copied().unwrap_or(0)),
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
