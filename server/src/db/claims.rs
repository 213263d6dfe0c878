//! Claims as the REST API reads them: by the creditor's external id or a page at a time, the values
//! of a claim held (to tell a repeated hand-over from a changed one), the creditor's classes, and
//! storing one claim handed over by the API with the batch writer of the hand-over files.

use super::intake::{Known, References, StoredClaim};
use super::row::row;
use super::Db;
use app::domain::intake::ClaimRow;
use std::collections::BTreeMap;

row! {
    /// A claim with its case, debtor and class, as the API shows it.
    pub(crate) struct ClaimRecord {
        pub(crate) external_id: Option<String>,
        pub(crate) case_id: i64,
        pub(crate) case_reference: String,
        pub(crate) case_state: String,
        pub(crate) subject: String,
        pub(crate) due_date: String,
        pub(crate) principal_minor: i64,
        pub(crate) customer_number: String,
        pub(crate) debtor_name: String,
        pub(crate) class_key: Option<String>,
        pub(crate) created_at: i64,
    }
}

/// The columns of [`ClaimRecord`] and the tables they come from.
const CLAIM_RECORD: &str = "SELECT cl.external_id, c.id, c.reference, c.state, cl.subject, cl.due_date,
     (SELECT CAST(COALESCE(SUM(ci.amount_minor), 0) AS BIGINT) FROM claim_items ci WHERE ci.claim_id = cl.id AND ci.kind = 'principal'),
     d.customer_number, d.name, tc.key, cl.created_at
     FROM claims cl JOIN cases c ON c.id = cl.case_id JOIN debtors d ON d.id = c.debtor_id
     LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id";

row! {
    /// What a claim was handed over with: compared with a repeated hand-over.
    pub(crate) struct HeldClaim {
        pub(crate) subject: String,
        pub(crate) contract_date: String,
        pub(crate) due_date: String,
        pub(crate) principal_minor: i64,
        pub(crate) customer_number: String,
    }
}

impl Db {
    /// The creditor's treatment classes: key → id.
    pub(crate) async fn class_ids(
        &self,
        creditor_id: i64,
    ) -> Result<BTreeMap<String, i64>, sqlx::Error> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT key, id FROM treatment_classes WHERE creditor_id = $1")
                .bind(creditor_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// The creditor's treatment classes in the order they were made: key and English name.
    pub(crate) async fn class_names(
        &self,
        creditor_id: i64,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT key, name_en FROM treatment_classes WHERE creditor_id = $1 ORDER BY id",
        )
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
    }

    /// The creditor's claim with this external id.
    pub(crate) async fn claim_by_external_id(
        &self,
        creditor_id: i64,
        external_id: &str,
    ) -> Result<Option<ClaimRecord>, sqlx::Error> {
        sqlx::query_as(&format!(
            "{CLAIM_RECORD} WHERE cl.creditor_id = $1 AND cl.external_id = $2"
        ))
        .bind(creditor_id)
        .bind(external_id)
        .fetch_optional(self.pool())
        .await
    }

    /// One page of the creditor's claims, newest first, and how many there are.
    pub(crate) async fn claims_page(
        &self,
        creditor_id: i64,
        page: u32,
        per_page: u32,
    ) -> Result<(Vec<ClaimRecord>, i64), sqlx::Error> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM claims WHERE creditor_id = $1")
            .bind(creditor_id)
            .fetch_one(self.pool())
            .await?;
        let rows = sqlx::query_as(&format!(
            "{CLAIM_RECORD} WHERE cl.creditor_id = $1 ORDER BY cl.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(creditor_id)
        .bind(i64::from(per_page))
        .bind(i64::from(page.saturating_sub(1)) * i64::from(per_page))
        .fetch_all(self.pool())
        .await?;
        Ok((rows, total))
    }

    /// What the claim `claim_id` was handed over with.
    pub(crate) async fn held_claim(&self, claim_id: i64) -> Result<HeldClaim, sqlx::Error> {
        sqlx::query_as(
            "SELECT cl.subject, cl.contract_date, cl.due_date,
                    (SELECT CAST(COALESCE(SUM(ci.amount_minor), 0) AS BIGINT) FROM claim_items ci WHERE ci.claim_id = cl.id AND ci.kind = 'principal'),
                    d.customer_number
             FROM claims cl JOIN cases c ON c.id = cl.case_id JOIN debtors d ON d.id = c.debtor_id WHERE cl.id = $1",
        )
        .bind(claim_id)
        .fetch_one(self.pool())
        .await
    }

    /// Stores one claim handed over by the API, with its audit entry, in one transaction.
    pub(crate) async fn store_api_claim(
        &self,
        creditor_id: i64,
        class_id: Option<i64>,
        row: &ClaimRow,
        now: i64,
    ) -> Result<StoredClaim, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let mut references = References::next_free(&mut tx, now).await?;
        let mut known = Known::new(creditor_id, now);
        known.look_up(&mut tx, std::slice::from_ref(row)).await?;
        let stored = known.store(class_id, row, &mut references)?;
        known.write(&mut tx).await?;
        if let StoredClaim::Created { claim_id, .. } = &stored {
            sqlx::query(
                "INSERT INTO audit_log (occurred_at, actor_kind, actor_id, action, detail, created_at, updated_at)
                 VALUES ($1, 'creditor', $2, 'claims.created_by_api', $3, $1, $1)",
            )
            .bind(now)
            .bind(format!("creditor:{creditor_id}"))
            .bind(serde_json::json!({ "claim_id": claim_id, "external_id": row.external_id }).to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(stored)
    }
}
