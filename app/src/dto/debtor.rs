//! What the debtor's case page shows: the claim breakdown with its legal details, and the payment
//! details.

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

/// How an interest item was calculated (§ 13a (1) no. 3 RDG).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestDetail {
    /// The interest-bearing amount.
    pub base: Money,
    /// The yearly rate in basis points.
    pub rate_bp: i64,
    /// The first day charged.
    pub from: NaiveDate,
    /// The last day charged.
    pub to: NaiveDate,
}

/// One line of a claim: principal, interest or a cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub kind: ItemKind,
    pub description: String,
    pub legal_basis: Option<String>,
    pub date: NaiveDate,
    pub amount: Money,
    pub interest: Option<InterestDetail>,
    /// Costs that include VAT (the creditor cannot deduct it as input tax).
    pub vat_included: bool,
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
    /// The supervisory authority of the agency (§ 13a (1) no. 8 RDG), one line each.
    pub supervisory_authority: Vec<String>,
    /// The address was researched, not given by the creditor (§ 13a (1) no. 7 RDG).
    pub address_researched: bool,
    /// When running interest could not be computed up to `as_of` because no base rate is known
    /// from this day on: interest is shown for the days before it only.
    pub interest_stopped_at: Option<NaiveDate>,
}

/// The answer of the public "is this genuine?" check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceCheck {
    /// The creditor the reference belongs to; `None` if no such case exists.
    pub creditor: Option<String>,
    pub agency_name: String,
    pub agency_address: Vec<String>,
    pub agency_email: String,
    pub agency_phone: String,
}

/// What the debtor needs for a bank transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDetails {
    pub payee: String,
    /// In groups of four.
    pub iban: String,
    pub bic: Option<String>,
    pub amount: Money,
    /// The RF creditor reference, in groups of four.
    pub reference: String,
    /// The EPC QR code (GiroCode) as an SVG image; `None` when the amount is zero.
    pub qr_svg: Option<String>,
    /// Whether paying online (by card and the provider's other methods) is offered.
    pub online: bool,
}
