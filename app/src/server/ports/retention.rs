//! Retention: which customers stayed after their case, from the creditor's own records.

use super::StoreResult;
use async_trait::async_trait;

/// One case of a customer, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCaseRecord {
    pub case_id: i64,
    pub reference: String,
    pub state: String,
    pub class_key: Option<String>,
    pub reason: Option<String>,
    pub handed_over_ms: i64,
    pub claimed_minor: i64,
    pub paid_minor: i64,
    /// The earliest due date of its claims.
    pub due_on: Option<chrono::NaiveDate>,
    /// The value date of its last payment.
    pub last_paid_on: Option<chrono::NaiveDate>,
    /// When it ended (closed, written off, cancelled), if it did.
    pub ended_ms: Option<i64>,
    pub plans: i64,
    pub disputes: i64,
    pub reminders: i64,
}

/// One customer of a creditor: what the relationship page is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub debtor_id: i64,
    pub name: String,
    pub customer_number: String,
    /// Oldest first.
    pub cases: Vec<CustomerCaseRecord>,
    /// Case reference, author (`debtor`/`handler`), text, time; oldest first.
    pub messages: Vec<(String, String, String, i64)>,
    /// Every reported activity, oldest first.
    pub activities: Vec<crate::domain::retention::Activity>,
}

/// What the retention figures of one creditor are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionSource {
    /// Cases that ended (paid or closed), with how they went.
    pub cases: Vec<crate::domain::retention::EndedCase>,
    /// Every activity the creditor reported about its debtors.
    pub activities: Vec<crate::domain::retention::Activity>,
    /// The debtors' answers to the fairness question: case and score (1–5).
    pub scores: Vec<(i64, u8)>,
}

/// What the retention figures and a customer's relationship page read.
#[async_trait]
pub trait Retention: Send + Sync {
    /// The creditor's ended cases with how they went, and every activity the creditor reported
    /// about its debtors: what the retention figures are computed from.
    async fn retention_data(&self, creditor_id: i64) -> StoreResult<RetentionSource>;
    /// Checks and stores a CSV file of customer activity for `creditor_id`: all rows or, when any
    /// row has a problem, none.
    async fn import_activities(
        &self,
        creditor_id: i64,
        raw: Vec<u8>,
        today: chrono::NaiveDate,
        now_ms: i64,
    ) -> StoreResult<crate::dto::ActivityImportView>;
    /// Everything about one customer of `creditor_id` (the debtor `debtor_id`): cases, messages,
    /// reported activity. `None` when the debtor is not the creditor's.
    async fn customer_record(
        &self,
        creditor_id: i64,
        debtor_id: i64,
    ) -> StoreResult<Option<CustomerRecord>>;
}
