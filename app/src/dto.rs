//! Data shapes sent from the server to pages (the results of server functions).
//!
//! Plain serde structs built from domain values; no behaviour beyond what a page needs to show them.

use crate::domain::claim::{Breakdown, ItemKind};
use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A postal address as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}

/// Who the claim is owed to, as § 13a RDG requires it to be named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditorView {
    pub name: String,
    pub address: Address,
}

/// One line of a claim: principal, interest or a cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub kind: ItemKind,
    pub description: String,
    pub legal_basis: Option<String>,
    pub date: NaiveDate,
    pub amount: Money,
}

/// One claim (an invoice or other receivable) with its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimView {
    /// What the claim is for (contract subject), e.g. "Bestellung 4711: Wanderschuhe".
    pub subject: String,
    pub contract_date: Option<NaiveDate>,
    pub invoice_number: Option<String>,
    pub due_date: NaiveDate,
    pub items: Vec<ItemView>,
    pub total: Money,
}

/// A payment received on the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub value_date: NaiveDate,
    pub amount: Money,
}

/// Everything the debtor's case page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub reference: String,
    pub as_of: NaiveDate,
    pub debtor_name: String,
    pub creditor: CreditorView,
    pub summary: Breakdown,
    pub claims: Vec<ClaimView>,
    pub payments: Vec<PaymentView>,
}
