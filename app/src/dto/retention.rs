//! Retention: the dashboard's filter, report and charts, and a customer's relationship page.

use super::creditor::CreditorMember;
use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What an upload of customer activity did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityImportView {
    pub written: bool,
    pub rows: usize,
    pub created: usize,
    pub unchanged: usize,
    pub problems: usize,
    /// The report as the command line prints it: one line per problem, then the summary.
    pub report: String,
}

/// The filter of the retention dashboard, as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionFilter {
    /// Cases that ended on or after this day (`YYYY-MM-DD`), or all.
    pub from: Option<String>,
    /// Cases that ended on or before this day, or all.
    pub to: Option<String>,
    /// A treatment class key, or all.
    pub class: Option<String>,
}

/// One chart of the dashboard: an accessible SVG drawn on the server, and the id of the table
/// that holds the same data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub svg: String,
    pub table_id: String,
}

/// The creditor's retention dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPage {
    pub member: CreditorMember,
    pub filter: RetentionFilter,
    /// Fields of the filter that could not be read.
    pub filter_problems: Vec<String>,
    /// The creditor's classes: key and name in the page's language.
    pub classes: Vec<(String, String)>,
    pub report: crate::domain::retention::Report,
    pub charts: Vec<Chart>,
    /// The result of an activity upload a moment ago, shown once.
    pub upload: Option<ActivityImportView>,
    /// The satisfaction answers by class and by path.
    pub satisfaction: Vec<SatisfactionGroup>,
}

/// The debtors' answers to "How fairly were you treated?" for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionGroup {
    /// `class` or `path`.
    pub dimension: String,
    pub key: String,
    pub answers: usize,
    /// The average score times 10 (42 = 4.2), if anyone answered.
    pub average_tenths: Option<u32>,
}

/// One case on a customer's relationship page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCase {
    pub reference: String,
    pub state: String,
    pub class_key: Option<String>,
    pub reason: Option<String>,
    pub handed_over_ms: i64,
    pub claimed: Money,
    pub paid: Money,
    pub due_on: Option<NaiveDate>,
    /// The day of the last payment, when the case was paid in full.
    pub paid_on: Option<NaiveDate>,
    /// Days between the due date and full payment (negative: early).
    pub days_late: Option<i64>,
    pub ended_on: Option<NaiveDate>,
    /// `at_once`, `plan` or `dispute` for a case that ended paid.
    pub path: Option<String>,
    pub reminders: i64,
    /// Orders and renewals within 365 days after the case ended: kind, day, amount, days after.
    pub returns: Vec<(String, NaiveDate, Option<Money>, i64)>,
}

/// A customer's relationship page: every case, how they paid over time, the conversation and
/// what they did afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub member: CreditorMember,
    pub name: String,
    pub customer_number: String,
    /// Whether the latest case is in the key-account class.
    pub key_account: bool,
    /// Oldest first.
    pub cases: Vec<CustomerCase>,
    /// `better`, `worse` or `same`: the last case paid in full against the one before; `None`
    /// with fewer than two.
    pub trend: Option<String>,
    /// Case reference, author, text, time; oldest first. The texts are empty unless
    /// `message_texts`.
    pub messages: Vec<(String, String, String, i64)>,
    /// Whether the reader may read the messages' texts (owners only).
    pub message_texts: bool,
    /// Every reported activity: kind, day, amount; oldest first.
    pub activities: Vec<(String, NaiveDate, Option<Money>)>,
}
