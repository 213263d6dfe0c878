//! Imports of hand-over files uploaded in the creditor portal: the job row, the import in a
//! background task (one transaction: all rows, the valid ones when asked, or none), its progress
//! and the report kept for the creditor.
//!
//! Progress lives in memory while the import runs: writing it to the database would wait for the
//! write lock that the import's own transaction holds on SQLite.

use super::audit::insert_audit;
use super::{store_err, Db};
use app::dto::ImportJobView;
use app::server::ports::{AuditEntry, ImportUpload, Imports, StoreResult};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

/// Rows read so far by the imports running in this process, by job.
static PROGRESS: LazyLock<Mutex<HashMap<i64, Arc<AtomicUsize>>>> = LazyLock::new(Default::default);

fn progress_of(job: i64) -> Option<usize> {
    PROGRESS
        .lock()
        .ok()?
        .get(&job)
        .map(|n| n.load(Ordering::Relaxed))
}

impl Db {
    pub(super) async fn start_import_job(
        &self,
        upload: ImportUpload,
        audit: AuditEntry,
    ) -> StoreResult<i64> {
        let err = store_err("start import");
        let mut tx = self.begin_write().await.map_err(&err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO import_jobs (creditor_id, creditor_user_id, filename, partial, state, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'running', $5, $5) RETURNING id",
        )
        .bind(upload.creditor_id)
        .bind(upload.user_id)
        .bind(&upload.filename)
        .bind(i64::from(upload.partial))
        .bind(upload.at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        let db = self.clone();
        tokio::spawn(async move { db.run_import(id, upload).await });
        Ok(id)
    }

    async fn run_import(self, id: i64, upload: ImportUpload) {
        let read = Arc::new(AtomicUsize::new(0));
        if let Ok(mut running) = PROGRESS.lock() {
            running.insert(id, read.clone());
        }
        let counter = read.clone();
        let outcome = crate::intake::import_claims(
            &self,
            upload.creditor_id,
            upload.content.as_slice(),
            upload.partial,
            upload.at_ms,
            move |n| counter.store(n, Ordering::Relaxed),
        )
        .await;
        let finished = chrono::Utc::now().timestamp_millis();
        let (state, rows, imported, problems, report) = match outcome {
            Ok(r) => (
                if r.written { "done" } else { "rejected" },
                r.rows,
                r.imported,
                r.problems.len(),
                r.render(),
            ),
            Err(e) => (
                "failed",
                read.load(Ordering::Relaxed),
                0,
                0,
                format!("{e}\n"),
            ),
        };
        let stored = sqlx::query(
            "UPDATE import_jobs SET state = $1, rows_read = $2, imported = $3, problems = $4, report = $5,
                    finished_at = $6, updated_at = $6
             WHERE id = $7",
        )
        .bind(state)
        .bind(i64::try_from(rows).unwrap_or(0))
        .bind(i64::try_from(imported).unwrap_or(0))
        .bind(i64::try_from(problems).unwrap_or(0))
        .bind(report)
        .bind(finished)
        .bind(id)
        .execute(self.pool())
        .await;
        if let Err(e) = stored {
            tracing::error!(job = id, error = %e, "the import's outcome could not be stored");
        }
        if let Ok(mut running) = PROGRESS.lock() {
            running.remove(&id);
        }
    }

    /// Imports that were running when the server stopped: their transaction never committed, so
    /// nothing of them was written; they are marked as such for the creditor.
    pub async fn fail_interrupted_imports(&self, now: i64) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query(
            "UPDATE import_jobs SET state = 'failed', finished_at = $1, updated_at = $1,
                    report = 'The import was interrupted (the server stopped); nothing was imported. Please upload the file again.'
             WHERE state = 'running'",
        )
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    pub(super) async fn load_import_jobs(
        &self,
        creditor_id: i64,
        job_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ImportJobView>> {
        type Row = (
            i64,
            String,
            i64,
            String,
            i64,
            i64,
            i64,
            String,
            i64,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT j.id, j.filename, j.partial, j.state, j.rows_read, j.imported, j.problems,
                    CASE WHEN $2 IS NULL THEN '' ELSE j.report END, j.created_at, j.finished_at, u.display_name
             FROM import_jobs j LEFT JOIN creditor_users u ON u.id = j.creditor_user_id
             WHERE j.creditor_id = $1 AND ($2 IS NULL OR j.id = $2)
             ORDER BY j.id DESC LIMIT $3",
        )
        .bind(creditor_id)
        .bind(job_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load imports"))?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    filename,
                    partial,
                    state,
                    rows_read,
                    imported,
                    problems,
                    report,
                    created,
                    finished,
                    by,
                )| {
                    let rows_read = if state == "running" {
                        progress_of(id).map_or(rows_read, |n| i64::try_from(n).unwrap_or(rows_read))
                    } else {
                        rows_read
                    };
                    ImportJobView {
                        id,
                        filename,
                        partial: partial != 0,
                        state,
                        rows_read,
                        imported,
                        problems,
                        report,
                        created_at_ms: created,
                        finished_at_ms: finished,
                        uploaded_by: by,
                    }
                },
            )
            .collect())
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
