//! What checking a debtor's credentials reads (port `DebtorAccess`).

use super::{store_err, Db};
use app::domain::access::normalize_postcode;
use app::server::ports::{CaseAccess, DebtorAccess, StoreResult};
use async_trait::async_trait;

type AccessRow = (i64, String, String);

fn access(row: AccessRow, code_hashes: Vec<String>) -> CaseAccess {
    let (case_id, reference, postcode) = row;
    CaseAccess {
        case_id,
        reference,
        postcode: normalize_postcode(&postcode),
        code_hashes,
    }
}

#[async_trait]
impl DebtorAccess for Db {
    async fn access_by_token_hash(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<CaseAccess>> {
        let row: Option<AccessRow> = sqlx::query_as(
            "SELECT c.id, c.reference, d.postcode
             FROM access_credentials a
             JOIN cases c ON c.id = a.case_id
             JOIN debtors d ON d.id = c.debtor_id
             WHERE a.token_hash = $1 AND a.revoked_at IS NULL AND a.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("access by token"))?;
        Ok(row.map(|r| access(r, Vec::new())))
    }

    async fn access_by_reference(
        &self,
        reference: &str,
        now_ms: i64,
    ) -> StoreResult<Option<CaseAccess>> {
        let row: Option<AccessRow> = sqlx::query_as(
            "SELECT c.id, c.reference, d.postcode
             FROM cases c JOIN debtors d ON d.id = c.debtor_id
             WHERE c.reference = $1",
        )
        .bind(reference)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("access by reference"))?;
        let Some(row) = row else { return Ok(None) };
        let hashes: Vec<String> = sqlx::query_scalar(
            "SELECT code_hash FROM access_credentials
             WHERE case_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY id",
        )
        .bind(row.0)
        .bind(now_ms)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("access codes of a case"))?;
        Ok(Some(access(row, hashes)))
    }
}
