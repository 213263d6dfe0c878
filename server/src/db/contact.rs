//! The debtor's contact data, reached through the case (a debtor session knows only its case).

use super::audit::insert_audit;
use super::{store_err, Db};
use app::dto::ContactView;
use app::server::ports::{AuditEntry, Contacts, StoreResult};
use async_trait::async_trait;

#[async_trait]
impl Contacts for Db {
    async fn contact(&self, case_id: i64) -> StoreResult<Option<ContactView>> {
        type Row = (
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT d.email, d.phone, d.street, d.postcode, d.city, d.language, d.contact_channel
             FROM cases c JOIN debtors d ON d.id = c.debtor_id WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("load contact data"))?;
        Ok(row.map(
            |(email, phone, street, postcode, city, language, channel)| ContactView {
                email: email.unwrap_or_default(),
                phone: phone.unwrap_or_default(),
                street,
                postcode,
                city,
                language,
                channel,
                form_key: String::new(),
            },
        ))
    }

    async fn save_contact(
        &self,
        case_id: i64,
        c: ContactView,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let err = store_err("save contact data");
        let mut tx = self.begin_write().await.map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        sqlx::query(
            "UPDATE debtors SET email = $2, phone = $3, street = $4, postcode = $5, city = $6, language = $7,
                                contact_channel = $8, updated_at = $9
             WHERE id = (SELECT debtor_id FROM cases WHERE id = $1)",
        )
        .bind(case_id)
        .bind((!c.email.is_empty()).then_some(c.email.as_str()))
        .bind((!c.phone.is_empty()).then_some(c.phone.as_str()))
        .bind(&c.street)
        .bind(&c.postcode)
        .bind(&c.city)
        .bind(&c.language)
        .bind(&c.channel)
        .bind(audit.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        sqlx::query(
            "INSERT INTO case_events (case_id, occurred_at, actor_kind, kind, detail, created_at, updated_at)
             VALUES ($1, $2, 'debtor', 'contact_updated', '{}', $2, $2)",
        )
        .bind(case_id)
        .bind(audit.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        tx.commit().await.map_err(&err)
    }
}
