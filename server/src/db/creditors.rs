//! The creditors (port `Creditors`): their names and their active owners.

use super::{store_err, Db};
use app::server::ports::{CreditorOwner, Creditors, StoreResult};
use async_trait::async_trait;

#[async_trait]
impl Creditors for Db {
    async fn creditor_owners(&self) -> StoreResult<Vec<CreditorOwner>> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT u.creditor_id, u.id, u.email, u.display_name, c.name
             FROM creditor_users u JOIN creditors c ON c.id = u.creditor_id
             WHERE u.role = 'owner' AND u.active = 1 ORDER BY u.creditor_id, u.id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load creditor owners"))?;
        Ok(rows
            .into_iter()
            .map(
                |(creditor_id, user_id, email, display_name, creditor_name)| CreditorOwner {
                    creditor_id,
                    user_id,
                    email,
                    display_name,
                    creditor_name,
                },
            )
            .collect())
    }

    async fn creditor_name(&self, creditor_id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT name FROM creditors WHERE id = $1")
            .bind(creditor_id)
            .fetch_optional(self.pool())
            .await
            .map_err(store_err("load creditor name"))
    }
}
