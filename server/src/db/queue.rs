//! The queue of open work items (port `WorkQueue`): one page in queue order with its filters,
//! the creditors to filter by, and assignment within the agency.

use super::accrual::accrued_by_case;
use super::audit::insert_audit;
use super::{currency, store_err, Db};
use app::domain::Money;
use app::dto::QueueItem;
use app::server::ports::{AuditEntry, QueueFilter, StoreResult, WorkQueue};
use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};

/// A WHERE clause with positional parameters, numbered as they are added.
struct Filter {
    sql: String,
    args: AnyArguments<'static>,
    n: usize,
}

impl Filter {
    fn new() -> Filter {
        Filter {
            sql: String::new(),
            args: AnyArguments::default(),
            n: 0,
        }
    }

    fn and<T>(&mut self, clause: &str, value: T)
    where
        T: 'static + Send + sqlx::Encode<'static, Any> + sqlx::Type<Any>,
    {
        self.n += 1;
        self.sql.push_str(&format!(
            " AND {}",
            clause.replace('?', &format!("${}", self.n))
        ));
        // Adding an argument only fails for types the driver cannot encode, which these are not.
        let _ = self.args.add(value);
    }
}

/// The queue's WHERE clause for the agency and the chosen filters.
fn queue_filter(agency_id: i64, f: &QueueFilter) -> Filter {
    let mut filter = Filter::new();
    filter.and("w.agency_id = ?", agency_id);
    if let Some(kind) = f.kind {
        filter.and("w.kind = ?", kind.code().to_string());
    }
    if let Some(creditor) = f.creditor_id {
        filter.and("c.creditor_id = ?", creditor);
    }
    if let Some(class) = &f.class_key {
        filter.and("tc.key = ?", class.clone());
    }
    match f.assignee {
        Some(Some(id)) => filter.and("w.assignee_id = ?", id),
        Some(None) => filter.sql.push_str(" AND w.assignee_id IS NULL"),
        None => {}
    }
    filter
}

#[async_trait]
impl WorkQueue for Db {
    async fn queue(
        &self,
        agency_id: i64,
        f: &QueueFilter,
        today: NaiveDate,
    ) -> StoreResult<(Vec<QueueItem>, u64)> {
        let err = store_err("load work queue");
        let filter = queue_filter(agency_id, f);
        // The partial index work_items_queue_idx (agency, due, rank, id) over open items delivers
        // this order, so a page reads its own rows and the count reads the index alone (the
        // joins only when a filter needs them). queue_rank is kept by triggers (see migration
        // 20261202000100).
        let joins = "JOIN cases c ON c.id = w.case_id LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id";
        let count_joins = if f.creditor_id.is_some() || f.class_key.is_some() {
            joins
        } else {
            ""
        };
        let total: i64 = sqlx::query_scalar_with(
            &format!(
                "SELECT COUNT(*) FROM work_items w {count_joins} WHERE w.done_at IS NULL{}",
                filter.sql
            ),
            queue_filter(agency_id, f).args,
        )
        .fetch_one(self.pool())
        .await
        .map_err(&err)?;
        let per_page = i64::from(f.per_page.max(1));
        // The balance as the case view computes it (every item less every payment, and the
        // running interest not yet charged), for the listed rows only.
        let sql = format!(
            "SELECT w.id, w.case_id, c.reference, d.name, cr.name, w.kind, tc.key, tc.name_de, tc.name_en,
                    w.due_at, w.assignee_id, s.display_name, c.currency,
                    CAST(COALESCE((SELECT SUM(i.amount_minor) FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
                                   WHERE cl.case_id = c.id), 0) AS BIGINT)
                    - CAST(COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.case_id = c.id), 0) AS BIGINT)
                    - CAST(COALESCE((SELECT SUM(w.amount_minor) FROM write_downs w WHERE w.case_id = c.id), 0) AS BIGINT)
             FROM work_items w {joins}
             JOIN creditors cr ON cr.id = c.creditor_id JOIN debtors d ON d.id = c.debtor_id
             LEFT JOIN staff_users s ON s.id = w.assignee_id
             WHERE w.done_at IS NULL{}
             ORDER BY w.due_at, w.queue_rank, w.id
             LIMIT {per_page} OFFSET {}",
            filter.sql,
            i64::from(f.page) * per_page
        );
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
            Option<String>,
            String,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as_with(&sql, filter.args)
            .fetch_all(self.pool())
            .await
            .map_err(&err)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let mut conn = self.read_conn("list the queue").await?;
        let accrued = accrued_by_case(self, &mut conn, &ids, today).await?;
        let items = rows
            .into_iter()
            .map(
                |(
                    id,
                    case_id,
                    reference,
                    debtor,
                    creditor,
                    kind,
                    key,
                    de,
                    en,
                    due,
                    a_id,
                    a_name,
                    cur,
                    balance,
                )| {
                    Ok(QueueItem {
                        id,
                        case_id,
                        reference,
                        debtor_name: debtor,
                        creditor_name: creditor,
                        kind,
                        class_key: key,
                        class_name: de.zip(en),
                        due_at_ms: due,
                        assignee: a_id.zip(a_name),
                        balance: Some(Money::new(
                            balance + accrued.get(&case_id).copied().unwrap_or(0),
                            currency(&cur)?,
                        )),
                    })
                },
            )
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((items, u64::try_from(total).unwrap_or(0)))
    }

    async fn creditors(&self, agency_id: i64) -> StoreResult<Vec<(i64, String)>> {
        sqlx::query_as("SELECT id, name FROM creditors WHERE agency_id = $1 ORDER BY name, id")
            .bind(agency_id)
            .fetch_all(self.pool())
            .await
            .map_err(store_err("list creditors"))
    }

    async fn assign(
        &self,
        agency_id: i64,
        item_id: i64,
        assignee: Option<i64>,
        mut audit: AuditEntry,
    ) -> StoreResult<bool> {
        let err = store_err("assign work item");
        let mut tx = self.begin_write().await.map_err(&err)?;
        if let Some(person) = assignee {
            let colleague: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM staff_users WHERE id = $1 AND agency_id = $2 AND active = 1",
            )
            .bind(person)
            .bind(agency_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(&err)?;
            if colleague.is_none() {
                return Ok(false);
            }
        }
        let case_id: Option<i64> = sqlx::query_scalar(
            "SELECT w.case_id FROM work_items w JOIN cases c ON c.id = w.case_id JOIN creditors cr ON cr.id = c.creditor_id
             WHERE w.id = $1 AND cr.agency_id = $2 AND w.done_at IS NULL",
        )
        .bind(item_id)
        .bind(agency_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(&err)?;
        let Some(case_id) = case_id else {
            return Ok(false);
        };
        sqlx::query("UPDATE work_items SET assignee_id = $2, updated_at = $3 WHERE id = $1")
            .bind(item_id)
            .bind(assignee)
            .bind(audit.at_ms)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        audit.case_id = Some(case_id);
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(true)
    }
}
