//! The agency's own settings (port `AgencySettings`).

use super::{store_err, Db};
use app::server::ports::{AgencySettings, AuditEntry, StoreResult};
use async_trait::async_trait;

impl Db {
    /// Every agency's id, oldest first (the command line asks whose a statement is when there
    /// are several).
    pub async fn agency_ids(&self) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT id FROM agencies ORDER BY id")
            .fetch_all(self.pool())
            .await
            .map_err(store_err("list agencies"))
    }
}

#[async_trait]
impl AgencySettings for Db {
    async fn agency(&self, agency_id: i64) -> StoreResult<Option<(String, u32)>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT name, reply_days FROM agencies WHERE id = $1")
                .bind(agency_id)
                .fetch_optional(self.pool())
                .await
                .map_err(store_err("load agency"))?;
        Ok(row.map(|(name, days)| (name, u32::try_from(days).unwrap_or(2))))
    }

    async fn set_reply_days(
        &self,
        agency_id: i64,
        days: u32,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let query =
            sqlx::query("UPDATE agencies SET reply_days = $2, updated_at = $3 WHERE id = $1")
                .bind(agency_id)
                .bind(i64::from(days))
                .bind(audit.at_ms);
        self.execute_audited("set reply days", query, &audit)
            .await
            .map(|_| ())
    }
}
