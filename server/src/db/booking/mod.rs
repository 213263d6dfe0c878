//! Booking payments on cases, inside the caller's transaction: the payment rows, their allocation
//! to claims and items by §§ 366, 367 BGB, the timeline events (which also queue the creditors'
//! webhooks), the receipts and — when nothing is left to pay — the closing of a case with a
//! thank-you. Used for bank transfers from statements, handler-confirmed payments and online
//! payments alike.
//!
//! The cases are read once, the payments booked in memory, each seeing the ones before it, and
//! what they write is written in one statement per table: a hundred transfers of a bank
//! statement cost a dozen statements instead of a thousand, each of which is a round trip to
//! PostgreSQL.

use super::accrual::encode;
use super::legal::{statute_of, StatuteRow, STATUTE_SQL};
use super::webhooks::{delivery, Delivery, HookCase, HookPayment};
use super::{iso, placeholders, MAX_BINDS};
use app::domain::accrual::{accrue, charge, AccrualClaim, InterestPolicy, Statute};
use app::domain::allocation::{allocate, Allocation, ClaimFacts, Designation, Payment};
use app::domain::case_state::{transition, Actor, CaseEvent, CaseState};
use app::domain::claim::ItemKind;
use app::domain::interest::{Conventions, DebtorKind};
use app::domain::ledger::Ledger;
use app::domain::{Language, Money};
use app::server::emails;
use app::server::ports::QueuedEmail;
use chrono::NaiveDate;
use sqlx::{Any, Transaction};
use std::collections::HashMap;
mod ledgers;
mod write;
mod write_off;
use ledgers::read_cases;
pub(crate) use write_off::write_off;

/// A payment to book.
pub(crate) struct NewPayment<'a> {
    pub case_id: i64,
    pub amount: Money,
    pub value_date: NaiveDate,
    /// `transfer`, `online` or `confirmed`.
    pub method: &'a str,
    /// Names the payment in email dedupe keys, e.g. `bank:<entry key>:0`.
    pub source: &'a str,
    pub now_ms: i64,
    pub base_url: &'a str,
}

/// What the booking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Booked {
    pub payment_id: i64,
    pub paid_in_full: bool,
}

pub(super) fn bad(what: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Protocol(format!("booking: {what}"))
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':'])
        .next()
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost")
        .to_string()
}

/// How the debtor is told of a booking.
pub(crate) enum Receipt<'a> {
    /// The standard receipt email.
    Standard,
    /// An email the caller built (the online payment brings its own).
    Given(&'a QueuedEmail),
    /// None: the caller tells the debtor itself (a handler's confirmation).
    Skip,
}

/// A case as its bookings need it, and as the bookings of this transaction leave it: its ledger
/// and the § 366 facts of its claims, its state, the debtor to tell, and what is owed and paid.
pub(super) struct CaseBook {
    ledger: Ledger,
    facts: Vec<ClaimFacts>,
    state: CaseState,
    reference: String,
    creditor_id: i64,
    debtor_id: i64,
    name: String,
    email: Option<String>,
    language: Language,
    time_zone: String,
    creditor: String,
    website: Option<String>,
    /// Whether the creditor has a webhook address.
    listening: bool,
    external_ids: Vec<String>,
    owed: i64,
    paid: i64,
    /// The debtor's kind when statutory interest runs on the case (the customer group says so).
    running: Option<DebtorKind>,
    /// What the accrual of running interest knows of each claim.
    accrual: Vec<AccrualClaim>,
}

impl CaseBook {
    fn hook(&self) -> HookCase {
        HookCase {
            creditor_id: self.creditor_id,
            reference: self.reference.clone(),
            state: self.state.code().to_string(),
            external_ids: self.external_ids.clone(),
        }
    }
}

struct PaymentRow {
    id: i64,
    case_id: i64,
    amount: Money,
    value_date: String,
    method: String,
    now: i64,
}

struct AllocationRow {
    payment_id: i64,
    case_id: i64,
    item_id: Option<i64>,
    kind: &'static str,
    amount: Money,
    value_date: String,
    now: i64,
}

/// Running interest (or the lump sum) charged before a payment was allocated.
struct ItemRow {
    id: i64,
    claim_id: i64,
    kind: &'static str,
    accrued: &'static str,
    description: &'static str,
    basis: &'static str,
    amount: Money,
    from: String,
    through: String,
    /// Principal and rate when the item has one segment.
    single: Option<(i64, i64)>,
    segments: Option<String>,
    now: i64,
}

struct EventRow {
    case_id: i64,
    at: i64,
    kind: &'static str,
    detail: String,
}

/// Payments booked in memory on cases read once, written by `write` in one statement per table.
/// No other payment may be written in the transaction between `load` and `write` (the payments'
/// ids are reserved by `load`).
pub(crate) struct Bookings {
    cases: HashMap<i64, CaseBook>,
    /// Payment ids reserved and not yet used.
    ids: Vec<i64>,
    payments: Vec<PaymentRow>,
    /// The legal tables, read when a case runs statutory interest.
    statute: Option<Statute>,
    /// Claim item ids reserved for running interest and not yet used.
    item_ids: Vec<i64>,
    items: Vec<ItemRow>,
    allocations: Vec<AllocationRow>,
    events: Vec<EventRow>,
    deliveries: Vec<(i64, Option<Delivery>)>,
    emails: Vec<(i64, QueuedEmail, i64)>,
    /// Cases paid in full: id, the state they go to, when.
    closed: Vec<(i64, &'static str, i64)>,
}

impl Bookings {
    /// Reads `case_ids` (any order, repeats allowed) for up to `payments` bookings in `tx`.
    pub(crate) async fn load(
        tx: &mut Transaction<'_, Any>,
        case_ids: &[i64],
        payments: usize,
    ) -> Result<Bookings, sqlx::Error> {
        let mut ids = case_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut cases = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_BINDS) {
            read_cases(tx, chunk, &mut cases).await?;
        }
        let listening: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| cases.get(id).is_some_and(|c: &CaseBook| c.listening))
            .collect();
        for chunk in listening.chunks(MAX_BINDS) {
            let sql = format!(
                "SELECT case_id, external_id FROM claims WHERE case_id IN ({}) AND external_id IS NOT NULL ORDER BY id",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for (case_id, external_id) in query.fetch_all(&mut **tx).await? {
                if let Some(c) = cases.get_mut(&case_id) {
                    c.external_ids.push(external_id);
                }
            }
        }
        let mut reserved =
            super::reserve_ids(tx, "payments", if cases.is_empty() { 0 } else { payments }).await?;
        // Used from the end: the lowest first.
        reserved.sort_unstable_by(|a, b| b.cmp(a));
        // Each payment on a case with running interest may charge an interest item per claim
        // and a lump sum per claim before it is allocated.
        let items: usize = case_ids
            .iter()
            .filter_map(|id| cases.get(id))
            .filter(|c| c.running.is_some())
            .map(|c| 2 * c.accrual.len())
            .sum();
        let statute = if items > 0 {
            let rows: Vec<StatuteRow> = sqlx::query_as(STATUTE_SQL).fetch_all(&mut **tx).await?;
            Some(statute_of(rows).map_err(|_| bad("the legal tables are not valid"))?)
        } else {
            None
        };
        let mut item_ids = super::reserve_ids(tx, "claim_items", items).await?;
        item_ids.sort_unstable_by(|a, b| b.cmp(a));
        Ok(Bookings {
            cases,
            ids: reserved,
            statute,
            item_ids,
            items: Vec::new(),
            payments: Vec::new(),
            allocations: Vec::new(),
            events: Vec::new(),
            deliveries: Vec::new(),
            emails: Vec::new(),
            closed: Vec::new(),
        })
    }

    /// The state of loaded case `case_id` after the bookings so far.
    pub(crate) fn state(&self, case_id: i64) -> Option<CaseState> {
        self.cases.get(&case_id).map(|c| c.state)
    }

    /// Charges the running interest of `case_id` up to `value_date` (not for the value date
    /// itself) and a lump sum not charged yet as items, before a payment is allocated or the case
    /// written off, so § 367 pays them before the principal.
    fn charge_running(
        &mut self,
        case_id: i64,
        value_date: NaiveDate,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let Some(case) = self.cases.get_mut(&case_id) else {
            return Err(bad(format!("case {case_id} was not read")));
        };
        if let Some(kind) = case.running {
            let statute = self
                .statute
                .as_ref()
                .ok_or_else(|| bad("the legal tables were not read"))?;
            let accrual = accrue(
                &case.ledger,
                &case.accrual,
                InterestPolicy::Statutory,
                kind,
                statute,
                value_date,
                Conventions::default(),
            )
            .map_err(bad)?;
            let ids = &mut self.item_ids;
            let charged = charge(&mut case.ledger, &mut case.accrual, accrual, || ids.pop())
                .ok_or_else(|| bad("more accrued items than ids reserved"))?;
            for (item, accrued) in charged {
                case.owed += item.amount.minor;
                let single = match accrued.lines.as_slice() {
                    [line] => Some((line.principal.minor, i64::from(line.rate_bp))),
                    _ => None,
                };
                self.items.push(ItemRow {
                    id: item.id,
                    claim_id: item.claim_id,
                    kind: item.kind.code(),
                    accrued: accrued.code(),
                    description: accrued.description(),
                    basis: accrued.legal_basis(),
                    amount: item.amount,
                    from: iso(accrued.from),
                    through: iso(accrued.through),
                    single,
                    segments: (!accrued.lines.is_empty()).then(|| encode(&accrued.lines)),
                    now,
                });
            }
        }
        Ok(())
    }

    /// Records a payment of `amount` on `case_id` allocated to its items by §§ 366, 367 BGB, and
    /// nothing else; returns its id and how much went to costs, interest, principal and credit.
    pub(crate) fn allocate(
        &mut self,
        case_id: i64,
        amount: Money,
        value_date: NaiveDate,
        method: &str,
        now: i64,
    ) -> Result<(i64, [i64; 4]), sqlx::Error> {
        if !self.cases.contains_key(&case_id) {
            return Err(bad(format!("case {case_id} was not read")));
        }
        let payment_id = self
            .ids
            .pop()
            .ok_or_else(|| bad("more payments than ids reserved"))?;
        self.charge_running(case_id, value_date, now)?;
        let case = self
            .cases
            .get_mut(&case_id)
            .ok_or_else(|| bad(format!("case {case_id} was not read")))?;
        let payment = Payment {
            payment_id,
            amount,
            value_date,
            designation: Designation::None,
        };
        let mut split = [0i64; 4]; // costs, interest, principal, credit
        let postings = match allocate(&case.ledger, &case.facts, &payment).map_err(bad)? {
            Allocation::Booked { postings, .. } => postings,
            // Only a designation can be referred, and these payments carry none.
            Allocation::Referred(r) => return Err(bad(format!("referred: {r:?}"))),
        };
        for posting in &postings {
            let kind = posting.item_id.and_then(|id| {
                case.ledger
                    .items
                    .iter()
                    .find(|i| i.id == id)
                    .map(|i| i.kind)
            });
            let slot = match kind {
                Some(ItemKind::Cost) => 0,
                Some(ItemKind::Interest) => 1,
                Some(ItemKind::Principal) => 2,
                None => 3,
            };
            split[slot] += posting.amount.minor;
            self.allocations.push(AllocationRow {
                payment_id,
                case_id,
                item_id: posting.item_id,
                kind: kind.map_or("credit", |k| k.code()),
                amount: posting.amount,
                value_date: iso(posting.value_date),
                now,
            });
        }
        // The next payment on the case sees this one.
        case.ledger.postings.extend(postings);
        case.paid += amount.minor;
        self.payments.push(PaymentRow {
            id: payment_id,
            case_id,
            amount,
            value_date: iso(value_date),
            method: method.to_string(),
            now,
        });
        Ok((payment_id, split))
    }

    /// Books `p`: payment, allocation, timeline event (and with it the creditor's webhook),
    /// receipt, and the closing of a case that is paid in full. Without an email address no
    /// email is written.
    pub(crate) fn book(
        &mut self,
        p: &NewPayment<'_>,
        receipt: Receipt<'_>,
    ) -> Result<Booked, sqlx::Error> {
        let now = p.now_ms;
        let currency = p.amount.currency;
        let (payment_id, split) =
            self.allocate(p.case_id, p.amount, p.value_date, p.method, now)?;
        let case = self
            .cases
            .get_mut(&p.case_id)
            .ok_or_else(|| bad(format!("case {} was not read", p.case_id)))?;
        let detail = serde_json::json!({
            "amount": p.amount.decimal(),
            "currency": currency.code(),
            "value_date": iso(p.value_date),
            "method": p.method,
            "allocation": {
                "costs": Money::new(split[0], currency).decimal(),
                "interest": Money::new(split[1], currency).decimal(),
                "principal": Money::new(split[2], currency).decimal(),
                "credit": Money::new(split[3], currency).decimal(),
            },
        })
        .to_string();
        self.events.push(EventRow {
            case_id: p.case_id,
            at: now,
            kind: "payment_received",
            detail,
        });
        if case.listening {
            let payment = HookPayment {
                minor: p.amount.minor,
                currency: currency.code().to_string(),
                value_date: iso(p.value_date),
                method: p.method.to_string(),
                split,
            };
            let hook = delivery("payment_received", now, &case.hook(), Some(&payment));
            self.deliveries.push((p.case_id, hook));
        }
        let base = p.base_url.trim_end_matches('/');
        let mail =
            |case: &CaseBook, key: String, (subject, text, html): (String, String, String)| {
                case.email.clone().map(|to| QueuedEmail {
                    dedupe_key: key,
                    debtor_id: case.debtor_id,
                    to,
                    time_zone: case.time_zone.clone(),
                    subject,
                    text,
                    html,
                    host: host_of(base),
                })
            };
        match receipt {
            Receipt::Given(r) => self.emails.push((p.case_id, r.clone(), now)),
            Receipt::Skip => {}
            Receipt::Standard => {
                let built = mail(
                    case,
                    format!("payment:{}:receipt", p.source),
                    emails::payment_received(
                        case.language,
                        &case.name,
                        &case.reference,
                        p.amount,
                        p.value_date,
                        &format!("{base}/"),
                    ),
                );
                if let Some(r) = built {
                    self.emails.push((p.case_id, r, now));
                }
            }
        }

        let mut paid_in_full = false;
        if case.paid >= case.owed {
            let closed = transition(case.state, CaseEvent::PaidInFull, Actor::System)
                .and_then(|s| transition(s, CaseEvent::Closed, Actor::System));
            if let Ok(next) = closed {
                paid_in_full = true;
                case.state = next;
                self.closed.push((p.case_id, next.code(), now));
                self.events.push(EventRow {
                    case_id: p.case_id,
                    at: now,
                    kind: "case_closed",
                    detail: r#"{"reason":"paid_in_full"}"#.to_string(),
                });
                if case.listening {
                    let hook = delivery("case_closed", now, &case.hook(), None);
                    self.deliveries.push((p.case_id, hook));
                }
                let website = case
                    .website
                    .clone()
                    .filter(|w| w.starts_with("https://") || w.starts_with("http://"));
                let thanks = mail(
                    case,
                    format!("case:{}:paid_in_full", p.case_id),
                    emails::paid_in_full(
                        case.language,
                        &case.name,
                        &case.reference,
                        &case.creditor,
                        website.as_deref(),
                        &format!("{base}/"),
                    ),
                );
                if let Some(thanks) = thanks {
                    self.emails.push((p.case_id, thanks, now));
                }
            }
        }
        Ok(Booked {
            payment_id,
            paid_in_full,
        })
    }
}

/// Inserts a payment on `case_id` and its allocation to the case's items by §§ 366, 367 BGB, and
/// nothing else (the demo's payments of the past); returns the payment's id.
pub(crate) async fn insert_allocated(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    amount: Money,
    value_date: NaiveDate,
    method: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let mut bookings = Bookings::load(tx, &[case_id], 1).await?;
    let (payment_id, _) = bookings.allocate(case_id, amount, value_date, method, now)?;
    bookings.write(tx).await?;
    Ok(payment_id)
}

/// Books `p` as part of `tx` (see `Bookings::book`).
pub(crate) async fn book_payment(
    tx: &mut Transaction<'_, Any>,
    p: &NewPayment<'_>,
    receipt: Receipt<'_>,
) -> Result<Booked, sqlx::Error> {
    let mut bookings = Bookings::load(tx, &[p.case_id], 1).await?;
    let booked = bookings.book(p, receipt)?;
    bookings.write(tx).await?;
    Ok(booked)
}

/// Books a bank transfer matched to `case_id` as part of `tx`; returns the payment's id.
pub async fn book_transfer(
    tx: &mut Transaction<'_, Any>,
    case_id: i64,
    amount: Money,
    value_date: NaiveDate,
    source: &str,
    now_ms: i64,
    base_url: &str,
) -> Result<i64, sqlx::Error> {
    let p = NewPayment {
        case_id,
        amount,
        value_date,
        method: "transfer",
        source,
        now_ms,
        base_url,
    };
    Ok(book_payment(tx, &p, Receipt::Standard).await?.payment_id)
}
