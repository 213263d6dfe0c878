//! The attempt counters of every limit ([`app::server::limits`]), shared by all instances.

use super::{store_err, Db};
use app::server::limits::{Attempts, Counted};
use app::server::ports::StoreResult;
use async_trait::async_trait;

#[async_trait]
impl Attempts for Db {
    async fn reserve(
        &self,
        scope: &'static str,
        subject: &str,
        window_ms: i64,
        now_ms: i64,
    ) -> StoreResult<Counted> {
        // One statement counts and reads: two parallel attempts are serialised on the row
        // (SQLite's write lock, PostgreSQL's row lock of ON CONFLICT DO UPDATE), so each sees the
        // count with its own attempt in it. A window that has run out starts afresh.
        let (tries, window_start): (i64, i64) = sqlx::query_as(
            "INSERT INTO attempt_windows (scope, subject, window_start, tries) VALUES ($1, $2, $3, 1)
             ON CONFLICT (scope, subject) DO UPDATE SET
                tries = CASE WHEN attempt_windows.window_start <= $4 THEN 1
                             ELSE attempt_windows.tries + 1 END,
                window_start = CASE WHEN attempt_windows.window_start <= $4 THEN $3
                                    ELSE attempt_windows.window_start END
             RETURNING tries, window_start",
        )
        .bind(scope)
        .bind(subject)
        .bind(now_ms)
        .bind(now_ms - window_ms)
        .fetch_one(self.pool())
        .await
        .map_err(store_err("count an attempt"))?;
        Ok(Counted {
            tries: u32::try_from(tries).unwrap_or(u32::MAX),
            window_start_ms: window_start,
        })
    }

    async fn give_back(
        &self,
        scope: &'static str,
        subject: &str,
        window_start_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE attempt_windows SET tries = tries - 1
             WHERE scope = $1 AND subject = $2 AND window_start = $3 AND tries > 0",
        )
        .bind(scope)
        .bind(subject)
        .bind(window_start_ms)
        .execute(self.pool())
        .await
        .map_err(store_err("give an attempt back"))?;
        Ok(())
    }

    async fn clear(&self, scope: &'static str, subject: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM attempt_windows WHERE scope = $1 AND subject = $2")
            .bind(scope)
            .bind(subject)
            .execute(self.pool())
            .await
            .map_err(store_err("clear attempts"))?;
        Ok(())
    }

    async fn forget_before(&self, before_ms: i64) -> StoreResult<u64> {
        sqlx::query("DELETE FROM attempt_windows WHERE window_start < $1")
            .bind(before_ms)
            .execute(self.pool())
            .await
            .map(|r| r.rows_affected())
            .map_err(store_err("forget old attempts"))
    }
}
