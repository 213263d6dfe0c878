//! A creditor's API keys (port `ApiKeys`): only their hashes are stored.

use super::audit::insert_audit;
use super::{store_err, Db};
use app::dto::ApiKeyView;
use app::server::ports::{ApiKeys, AuditEntry, NewApiKey, StoreResult};
use async_trait::async_trait;

#[async_trait]
impl ApiKeys for Db {
    async fn api_keys(&self, creditor_id: i64) -> StoreResult<Vec<ApiKeyView>> {
        type Row = (
            i64,
            String,
            String,
            i64,
            Option<String>,
            Option<i64>,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT k.id, k.name, k.prefix, k.created_at, u.display_name, k.last_used_at, k.revoked_at
             FROM api_keys k LEFT JOIN creditor_users u ON u.id = k.created_by
             WHERE k.creditor_id = $1 ORDER BY k.id DESC",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load api keys"))?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, prefix, created_at_ms, created_by, last_used_ms, revoked_at_ms)| {
                    ApiKeyView {
                        id,
                        name,
                        prefix,
                        created_at_ms,
                        created_by,
                        last_used_ms,
                        revoked_at_ms,
                    }
                },
            )
            .collect())
    }

    async fn create_api_key(&self, key: NewApiKey, audit: AuditEntry) -> StoreResult<i64> {
        let err = store_err("create api key");
        let mut tx = self.begin_write().await.map_err(&err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_keys (creditor_id, name, prefix, key_hash, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(key.creditor_id)
        .bind(&key.name)
        .bind(&key.prefix)
        .bind(&key.key_hash)
        .bind(key.created_by)
        .bind(key.at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(id)
    }

    async fn revoke_api_key(
        &self,
        creditor_id: i64,
        key_id: i64,
        user_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let query = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1, revoked_by = $2, updated_at = $1
             WHERE id = $3 AND creditor_id = $4 AND revoked_at IS NULL",
        )
        .bind(audit.at_ms)
        .bind(user_id)
        .bind(key_id)
        .bind(creditor_id);
        Ok(self
            .execute_audited("revoke api key", query, &audit)
            .await?
            > 0)
    }

    async fn creditor_for_api_key(&self, key_hash: &str, now_ms: i64) -> StoreResult<Option<i64>> {
        let err = store_err("authenticate api key");
        let key: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, creditor_id, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await
        .map_err(&err)?;
        let Some((id, creditor_id, last_used)) = key else {
            return Ok(None);
        };
        // Noting each use would write on every request; once a minute is precise enough to see
        // whether a key is still in use.
        if last_used.is_none_or(|t| now_ms - t >= 60_000) {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(id)
                .execute(self.pool())
                .await
                .map_err(&err)?;
        }
        Ok(Some(creditor_id))
    }
}
