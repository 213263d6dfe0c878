//! A hand-over's claims stored a chunk at a time (`Known`): the chunk's known claims, debtors and
//! running cases are looked up with a handful of statements, its rows decided in memory one after
//! the other, and written with one statement per table; the case references of the year are handed
//! out in order within the import's transaction (`References`).

use app::domain::access::case_reference;
use app::domain::intake::ClaimRow;
use sqlx::{Any, Transaction};
use std::collections::{HashMap, HashSet};

/// Case references of the year, handed out in order within one transaction.
pub struct References {
    year: i32,
    last: u32,
}

impl References {
    /// The references after the highest one of the year of `now`.
    pub async fn next_free(tx: &mut Transaction<'_, Any>, now: i64) -> Result<Self, sqlx::Error> {
        let year = chrono::DateTime::from_timestamp_millis(now)
            .map(|t| chrono::Datelike::year(&t))
            .unwrap_or(2026);
        let last: Option<String> = sqlx::query_scalar(
            "SELECT reference FROM cases WHERE reference LIKE $1 ORDER BY reference DESC LIMIT 1",
        )
        .bind(format!(
            "{}%",
            case_reference(year, 0).trim_end_matches('0')
        ))
        .fetch_optional(&mut **tx)
        .await?;
        let last = last
            .and_then(|r| r.rsplit('-').next().and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        Ok(References { year, last })
    }

    fn take(&mut self) -> String {
        self.last += 1;
        case_reference(self.year, self.last)
    }
}

/// Rows of a hand-over whose claims and debtors are looked up with one statement each.
pub(crate) const LOOK_UP_AT_ONCE: usize = 500;

/// What a treatment class waives of the interest and costs handed over with a claim.
#[derive(Debug, Clone, Copy, Default)]
struct Waivers {
    interest: bool,
    costs: bool,
}

/// A debtor's running case and what its class waives.
#[derive(Debug, Clone, Copy)]
struct Running {
    case_id: i64,
    waives: Waivers,
}

/// Ids reserved for the new rows of a chunk (see `crate::db::reserve_ids`).
#[derive(Debug, Default)]
struct Reserved {
    debtors: std::vec::IntoIter<i64>,
    cases: std::vec::IntoIter<i64>,
    claims: std::vec::IntoIter<i64>,
}

/// A case to write.
#[derive(Debug)]
struct NewCase {
    id: i64,
    reference: String,
    debtor_id: i64,
    class_id: Option<i64>,
}

/// What a hand-over knows of the creditor's claims, debtors and their running cases, and what it
/// stored but has not written yet. A chunk of rows is looked up at once (`look_up`: a handful of
/// statements for 500 rows), stored in memory row by row (`store`, each row seeing the ones
/// before it: a debtor's second claim joins the case the first one opened) and written at once
/// (`write`: one statement per table and hundred rows) — instead of four or five statements
/// per claim.
#[derive(Debug)]
pub struct Known<'r> {
    creditor_id: i64,
    /// External id → claim.
    claims: HashMap<String, i64>,
    /// Customer number → debtor.
    debtors: HashMap<String, i64>,
    /// Debtor → its running case, once looked up or opened (`None`: it has none).
    running: HashMap<i64, Option<Running>>,
    /// Treatment class → what it waives (the creditor's classes, read once).
    classes: Option<HashMap<i64, Waivers>>,
    ids: Reserved,
    now: i64,
    new_debtors: Vec<(i64, &'r ClaimRow)>,
    new_cases: Vec<NewCase>,
    new_claims: Vec<(i64, i64, &'r ClaimRow)>,
    items: Vec<NewItem>,
    /// Case and detail of the charges a class waived (a timeline entry each).
    waived: Vec<(i64, String)>,
}

/// A claim item to write: principal, interest or cost.
#[derive(Debug)]
struct NewItem {
    claim_id: i64,
    kind: &'static str,
    description: String,
    legal_basis: Option<&'static str>,
    item_date: String,
    amount_minor: i64,
    interest_base_minor: Option<i64>,
    interest_rate_bp: Option<i64>,
    period_start: Option<String>,
    period_end: Option<String>,
}

/// The next of the reserved ids; running out is a fault in counting what a chunk needs.
fn next_id(ids: &mut std::vec::IntoIter<i64>, what: &str) -> Result<i64, sqlx::Error> {
    ids.next().ok_or_else(|| {
        sqlx::Error::Protocol(format!(
            "a hand-over stored more {what} than it reserved ids for"
        ))
    })
}

impl<'r> Known<'r> {
    /// Nothing known yet of `creditor_id`'s claims; what is stored is stored at `now`.
    pub fn new(creditor_id: i64, now: i64) -> Self {
        Known {
            creditor_id,
            claims: HashMap::new(),
            debtors: HashMap::new(),
            running: HashMap::new(),
            classes: None,
            ids: Reserved::default(),
            now,
            new_debtors: Vec::new(),
            new_cases: Vec::new(),
            new_claims: Vec::new(),
            items: Vec::new(),
            waived: Vec::new(),
        }
    }

    /// Looks up the claims, debtors and running cases `rows` name that are not known yet, and
    /// reserves the ids of the debtors, cases and claims that storing them will create.
    pub async fn look_up(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        rows: &[ClaimRow],
    ) -> Result<(), sqlx::Error> {
        let creditor_id = self.creditor_id;
        if self.classes.is_none() {
            let classes: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT id, waive_interest, waive_costs FROM treatment_classes WHERE creditor_id = $1",
            )
            .bind(creditor_id)
            .fetch_all(&mut **tx)
            .await?;
            self.classes = Some(
                classes
                    .into_iter()
                    .map(|(id, i, c)| {
                        (
                            id,
                            Waivers {
                                interest: i != 0,
                                costs: c != 0,
                            },
                        )
                    })
                    .collect(),
            );
        }
        let ids: HashSet<&str> = rows
            .iter()
            .map(|r| r.external_id.as_str())
            .filter(|id| !self.claims.contains_key(*id))
            .collect();
        let select = "SELECT external_id, id FROM claims";
        for (id, claim_id) in in_list(tx, select, creditor_id, "external_id", ids).await? {
            self.claims.insert(id, claim_id);
        }
        let numbers: HashSet<&str> = rows
            .iter()
            .map(|r| r.customer_number.as_str())
            .filter(|n| !self.debtors.contains_key(*n))
            .collect();
        let select = "SELECT customer_number, id FROM debtors";
        for (number, debtor_id) in
            in_list(tx, select, creditor_id, "customer_number", numbers).await?
        {
            self.debtors.insert(number, debtor_id);
        }
        // A debtor's claims at one creditor are one case while it is running.
        let unasked: Vec<i64> = rows
            .iter()
            .filter_map(|r| self.debtors.get(&r.customer_number).copied())
            .filter(|d| !self.running.contains_key(d))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in unasked.chunks(crate::db::MAX_BINDS) {
            let sql = format!(
                "SELECT c.debtor_id, c.id, COALESCE(tc.waive_interest, 0), COALESCE(tc.waive_costs, 0)
                 FROM cases c LEFT JOIN treatment_classes tc ON tc.id = c.treatment_class_id
                 WHERE c.id IN (SELECT MIN(id) FROM cases WHERE debtor_id IN ({})
                                AND state NOT IN ('paid', 'closed') GROUP BY debtor_id)",
                crate::db::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (i64, i64, i64, i64)>(&sql);
            for debtor in chunk {
                query = query.bind(*debtor);
            }
            for (debtor, case_id, i, c) in query.fetch_all(&mut **tx).await? {
                let waives = Waivers {
                    interest: i != 0,
                    costs: c != 0,
                };
                self.running
                    .insert(debtor, Some(Running { case_id, waives }));
            }
            for debtor in chunk {
                self.running.entry(*debtor).or_insert(None);
            }
        }
        // What storing the rows creates: a debtor for each customer number not known, a case for
        // each debtor without a running one, a claim for each claim not known.
        let mut claims = HashSet::new();
        let mut new_debtors = HashSet::new();
        let mut new_cases = HashSet::new();
        for r in rows
            .iter()
            .filter(|r| !self.claims.contains_key(&r.external_id))
        {
            if !claims.insert(r.external_id.as_str()) {
                continue;
            }
            match self.debtors.get(&r.customer_number) {
                None => {
                    new_debtors.insert(r.customer_number.as_str());
                }
                Some(d) if !matches!(self.running.get(d), Some(Some(_))) => {
                    new_cases.insert(*d);
                }
                Some(_) => {}
            }
        }
        self.ids = Reserved {
            debtors: crate::db::reserve_ids(tx, "debtors", new_debtors.len())
                .await?
                .into_iter(),
            cases: crate::db::reserve_ids(tx, "cases", new_debtors.len() + new_cases.len())
                .await?
                .into_iter(),
            claims: crate::db::reserve_ids(tx, "claims", claims.len())
                .await?
                .into_iter(),
        };
        Ok(())
    }

    /// Stores one checked claim in memory: its debtor (found by customer number or new), its case
    /// (the debtor's running case or a new one with a reference from `references`) and its
    /// principal, interest and costs. A claim whose external id is known is left as it is.
    /// `look_up` must have seen `row`; `write` writes what was stored.
    pub fn store(
        &mut self,
        class_id: Option<i64>,
        row: &'r ClaimRow,
        references: &mut References,
    ) -> Result<StoredClaim, sqlx::Error> {
        if let Some(&claim_id) = self.claims.get(&row.external_id) {
            return Ok(StoredClaim::Existing { claim_id });
        }
        let (debtor_id, new_debtor) = match self.debtors.get(&row.customer_number) {
            Some(&id) => (id, false),
            None => {
                let id = next_id(&mut self.ids.debtors, "debtors")?;
                self.debtors.insert(row.customer_number.clone(), id);
                self.new_debtors.push((id, row));
                (id, true)
            }
        };
        let (running, new_case) = match self.running.get(&debtor_id).copied().flatten() {
            Some(running) => (running, false),
            None => {
                let id = next_id(&mut self.ids.cases, "cases")?;
                let waives = class_id
                    .and_then(|c| self.classes.as_ref()?.get(&c).copied())
                    .unwrap_or_default();
                self.new_cases.push(NewCase {
                    id,
                    reference: references.take(),
                    debtor_id,
                    class_id,
                });
                let running = Running {
                    case_id: id,
                    waives,
                };
                self.running.insert(debtor_id, Some(running));
                (running, true)
            }
        };
        let claim_id = next_id(&mut self.ids.claims, "claims")?;
        self.new_claims.push((claim_id, running.case_id, row));
        self.claims.insert(row.external_id.clone(), claim_id);
        self.items.push(NewItem {
            claim_id,
            kind: "principal",
            description: format!("Hauptforderung {}", row.external_id),
            legal_basis: None,
            item_date: crate::db::iso(row.contract_date),
            amount_minor: row.principal.minor,
            interest_base_minor: None,
            interest_rate_bp: None,
            period_start: None,
            period_end: None,
        });
        self.store_charges(running, claim_id, row);
        Ok(StoredClaim::Created {
            claim_id,
            new_debtor,
            new_case,
        })
    }

    /// The interest and costs handed over with a claim, unless the case's treatment class waives
    /// them: then they are not charged, and an internal timeline entry records what was waived.
    fn store_charges(&mut self, case: Running, claim_id: i64, row: &ClaimRow) {
        let mut waived = serde_json::Map::new();
        if let Some(i) = &row.interest {
            if case.waives.interest {
                waived.insert("interest_minor".into(), i.amount.minor.into());
            } else {
                let day = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
                self.items.push(NewItem {
                    claim_id,
                    kind: "interest",
                    description: format!(
                        "Verzugszinsen {},{:02} % p. a. vom {} bis {}",
                        i.rate_bp / 100,
                        i.rate_bp % 100,
                        day(i.from),
                        day(i.to)
                    ),
                    legal_basis: Some("§§ 286, 288 BGB"),
                    item_date: crate::db::iso(i.to),
                    amount_minor: i.amount.minor,
                    interest_base_minor: Some(row.principal.minor),
                    interest_rate_bp: Some(i.rate_bp),
                    period_start: Some(crate::db::iso(i.from)),
                    period_end: Some(crate::db::iso(i.to)),
                });
            }
        }
        if let Some(c) = &row.costs {
            if case.waives.costs {
                waived.insert("costs_minor".into(), c.amount.minor.into());
            } else {
                self.items.push(NewItem {
                    claim_id,
                    kind: "cost",
                    description: c.description.clone(),
                    legal_basis: None,
                    item_date: crate::db::iso(row.due_date),
                    amount_minor: c.amount.minor,
                    interest_base_minor: None,
                    interest_rate_bp: None,
                    period_start: None,
                    period_end: None,
                });
            }
        }
        if !waived.is_empty() {
            waived.insert("external_id".into(), row.external_id.clone().into());
            self.waived
                .push((case.case_id, serde_json::Value::Object(waived).to_string()));
        }
    }

    /// Writes what was stored since the last `write`, in the order it was stored: debtors, cases,
    /// claims, their items and the timeline entries of waived charges. Must run before anything
    /// reads them, and before the transaction commits.
    pub async fn write(&mut self, tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
        let (creditor_id, now) = (self.creditor_id, self.now);
        crate::db::insert_rows(
            tx,
            "INSERT INTO debtors (id, creditor_id, customer_number, kind, name, street, postcode, city, country,
                                  email, phone, language, iban, address_researched, created_at, updated_at)",
            16,
            "",
            &self.new_debtors,
            |q, (id, row)| {
                q.bind(*id)
                    .bind(creditor_id)
                    .bind(row.customer_number.as_str())
                    .bind(row.debtor_kind.as_str())
                    .bind(row.debtor_name.as_str())
                    .bind(row.street.as_str())
                    .bind(row.postcode.as_str())
                    .bind(row.city.as_str())
                    .bind(row.country.as_str())
                    .bind(row.email.as_deref())
                    .bind(row.phone.as_deref())
                    .bind(row.language.code())
                    .bind(row.iban.as_ref().map(|i| i.as_str().to_string()))
                    .bind(i64::from(row.address_researched))
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        crate::db::insert_rows(
            tx,
            "INSERT INTO cases (id, reference, creditor_id, debtor_id, currency, state, treatment_class_id, created_at, updated_at)",
            9,
            "",
            &self.new_cases,
            |q, c| {
                q.bind(c.id)
                    .bind(c.reference.as_str())
                    .bind(creditor_id)
                    .bind(c.debtor_id)
                    .bind("EUR")
                    .bind("open")
                    .bind(c.class_id)
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        crate::db::insert_rows(
            tx,
            "INSERT INTO claims (id, case_id, creditor_id, external_id, subject, contract_date, invoice_number, due_date,
                                 created_at, updated_at)",
            10,
            "",
            &self.new_claims,
            |q, (id, case_id, row)| {
                q.bind(*id)
                    .bind(*case_id)
                    .bind(creditor_id)
                    .bind(row.external_id.as_str())
                    .bind(row.subject.as_str())
                    .bind(crate::db::iso(row.contract_date))
                    .bind(row.external_id.as_str())
                    .bind(crate::db::iso(row.due_date))
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        crate::db::insert_rows(
            tx,
            "INSERT INTO claim_items (claim_id, kind, description, legal_basis, item_date, amount_minor, currency,
                                      interest_base_minor, interest_rate_bp, period_start, period_end, created_at, updated_at)",
            13,
            "",
            &self.items,
            |q, i| {
                q.bind(i.claim_id)
                    .bind(i.kind)
                    .bind(i.description.as_str())
                    .bind(i.legal_basis)
                    .bind(i.item_date.as_str())
                    .bind(i.amount_minor)
                    .bind("EUR")
                    .bind(i.interest_base_minor)
                    .bind(i.interest_rate_bp)
                    .bind(i.period_start.as_deref())
                    .bind(i.period_end.as_deref())
                    .bind(now)
                    .bind(now)
            },
        )
        .await?;
        let events: Vec<crate::db::NewEvent> = self
            .waived
            .iter()
            .map(|(case_id, detail)| crate::db::NewEvent {
                case_id: *case_id,
                at: now,
                actor: "system",
                kind: "charges_waived",
                detail,
            })
            .collect();
        crate::db::insert_events(tx, &events).await?;
        self.new_debtors.clear();
        self.new_cases.clear();
        self.new_claims.clear();
        self.items.clear();
        self.waived.clear();
        self.ids = Reserved::default();
        Ok(())
    }

    /// Forgets the claims looked up or stored so far (a file names each claim once: the claims
    /// of a chunk written are not asked for again).
    pub fn forget_claims(&mut self) {
        self.claims.clear();
    }
}

/// `select` (two columns: a text key, an id) of the creditor's rows whose `column` is in `keys`.
async fn in_list(
    tx: &mut Transaction<'_, Any>,
    select: &str,
    creditor_id: i64,
    column: &str,
    keys: HashSet<&str>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{select} WHERE creditor_id = $1 AND {column} IN ({})",
        crate::db::placeholders(2, keys.len())
    );
    let mut query = sqlx::query_as::<_, (String, i64)>(&sql).bind(creditor_id);
    for key in keys {
        query = query.bind(key);
    }
    query.fetch_all(&mut **tx).await
}

/// What storing one claim did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredClaim {
    /// A claim with this external id was there already and is left unchanged.
    Existing { claim_id: i64 },
    /// The claim is new; its debtor and case are new or were there.
    Created {
        claim_id: i64,
        new_debtor: bool,
        new_case: bool,
    },
}
