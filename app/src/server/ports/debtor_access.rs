//! A debtor opens a case: by personal link, or by reference, access code and postcode.

use super::StoreResult;
use async_trait::async_trait;

/// What is needed to check a debtor's credentials for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    pub case_id: i64,
    pub reference: String,
    /// The expected second factor (the postcode of the debtor's address), normalised.
    pub postcode: String,
    /// Argon2id hashes of the access codes currently valid for the case (one per letter sent).
    pub code_hashes: Vec<String>,
}

/// What checking a debtor's credentials reads.
#[async_trait]
pub trait DebtorAccess: Send + Sync {
    /// The case whose valid (unexpired, unrevoked) link token has this SHA-256 hash.
    async fn access_by_token_hash(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<CaseAccess>>;
    /// The case with this reference, with the hashes of its valid access codes.
    async fn access_by_reference(
        &self,
        reference: &str,
        now_ms: i64,
    ) -> StoreResult<Option<CaseAccess>>;
}
