//! Remittance reports: once a month (and on demand), per creditor, the payments booked for its
//! cases that are in no report yet, with their allocation and what is passed on. The report row,
//! the payments' link to it and the email to the creditor's owners are written in one transaction;
//! a report for a creditor and month exists once.

use super::outbox::{enqueue_email, NewEmail};
use super::{store_err, Db};
use app::domain::remittance::{Period, Split};
use app::domain::{Currency, Money};
use app::dto::{RemittanceLine, RemittanceView};
use app::server::ports::{Remittances, StoreResult};
use async_trait::async_trait;

/// What one creditor's new report holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub creditor_id: i64,
    pub remittance_id: i64,
    pub payments: i64,
    pub split: Split,
}

fn ms(day: chrono::NaiveDate) -> i64 {
    day.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp_millis()
}

/// Makes the reports of `period` for every creditor with payments booked before its end that are
/// in no report yet. Creditors without such payments get none; a creditor's report that exists
/// already is left as it is.
pub async fn make_remittances(
    db: &Db,
    period: &Period,
    now_ms: i64,
    base_url: &str,
) -> Result<Vec<Made>, sqlx::Error> {
    let end = ms(period.end);
    let creditors: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT c.creditor_id FROM payments p JOIN cases c ON c.id = p.case_id
         WHERE p.remittance_id IS NULL AND p.created_at < $1 ORDER BY c.creditor_id",
    )
    .bind(end)
    .fetch_all(db.pool())
    .await?;
    let mut made = Vec::new();
    for creditor_id in creditors {
        let mut tx = db.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO remittances (creditor_id, period, payments, collected_minor, principal_minor, interest_minor,
                                      costs_minor, credit_minor, passed_on_minor, created_at, updated_at)
             VALUES ($1, $2, 0, 0, 0, 0, 0, 0, 0, $3, $3)
             ON CONFLICT (creditor_id, period) DO NOTHING RETURNING id",
        )
        .bind(creditor_id)
        .bind(&period.key)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            tx.rollback().await?;
            continue;
        };
        let payments = sqlx::query(
            "UPDATE payments SET remittance_id = $1, updated_at = $4
             WHERE remittance_id IS NULL AND created_at < $3
               AND case_id IN (SELECT id FROM cases WHERE creditor_id = $2)",
        )
        .bind(id)
        .bind(creditor_id)
        .bind(end)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let parts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT a.kind, CAST(SUM(a.amount_minor) AS BIGINT) FROM payment_allocations a
             JOIN payments p ON p.id = a.payment_id WHERE p.remittance_id = $1 GROUP BY a.kind",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let part = |k: &str| {
            parts
                .iter()
                .filter(|(kind, _)| kind == k)
                .map(|(_, m)| *m)
                .sum()
        };
        let split = Split {
            principal: part("principal"),
            interest: part("interest"),
            costs: part("cost"),
            credit: part("credit"),
        };
        sqlx::query(
            "UPDATE remittances SET payments = $2, collected_minor = $3, principal_minor = $4, interest_minor = $5,
                                    costs_minor = $6, credit_minor = $7, passed_on_minor = $8
             WHERE id = $1",
        )
        .bind(id)
        .bind(i64::try_from(payments).unwrap_or(i64::MAX))
        .bind(split.collected())
        .bind(split.principal)
        .bind(split.interest)
        .bind(split.costs)
        .bind(split.credit)
        .bind(split.passed_on())
        .execute(&mut *tx)
        .await?;
        // The creditor's owners hear of it; creditor users have no language of their own.
        let owners: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, email FROM creditor_users WHERE creditor_id = $1 AND role = 'owner' AND active = 1 ORDER BY id",
        )
        .bind(creditor_id)
        .fetch_all(&mut *tx)
        .await?;
        let eur = |m: i64| Money::new(m, Currency::EUR);
        let base = base_url.trim_end_matches('/');
        let link = format!("{base}/creditor/remittances");
        let subject = format!("Abrechnung / Remittance {}", period.key);
        let de = format!(
            "Ihre Abrechnung für {}: {} Zahlungen, eingezogen {}, an Sie weitergeleitet {} (Hauptforderung und Zinsen), Kosten {}.",
            period.key,
            payments,
            eur(split.collected()).format(app::domain::Language::De),
            eur(split.passed_on()).format(app::domain::Language::De),
            eur(split.costs).format(app::domain::Language::De),
        );
        let en = format!(
            "Your remittance for {}: {} payments, collected {}, passed on to you {} (principal and interest), costs {}.",
            period.key,
            payments,
            eur(split.collected()).format(app::domain::Language::En),
            eur(split.passed_on()).format(app::domain::Language::En),
            eur(split.costs).format(app::domain::Language::En),
        );
        let text = format!("{de}\n\n{en}\n\n{link}\n");
        let html = format!(
            "<!DOCTYPE html><html><body><p>{}</p><p>{}</p><p><a href=\"{link}\">{link}</a></p></body></html>",
            de.replace('<', "&lt;"),
            en.replace('<', "&lt;")
        );
        let host = base
            .split_once("://")
            .map_or(base, |(_, r)| r)
            .split(['/', ':'])
            .next()
            .unwrap_or("localhost")
            .to_string();
        for (user_id, to) in owners {
            enqueue_email(
                &mut tx,
                &NewEmail {
                    dedupe_key: &format!("remittance:{id}:{user_id}"),
                    case_id: None,
                    debtor_id: None,
                    to: &to,
                    time_zone: "Europe/Berlin",
                    subject: &subject,
                    text: &text,
                    html: &html,
                    host: &host,
                    now_ms,
                },
            )
            .await?;
        }
        tx.commit().await?;
        made.push(Made {
            creditor_id,
            remittance_id: id,
            payments: i64::try_from(payments).unwrap_or(i64::MAX),
            split,
        });
    }
    Ok(made)
}

type ReportRow = (i64, String, i64, i64, i64, i64, i64, i64, i64, i64);

fn report_view(
    (id, period, payments, collected, principal, interest, costs, credit, passed_on, at): ReportRow,
) -> RemittanceView {
    let eur = |m| Money::new(m, Currency::EUR);
    RemittanceView {
        id,
        period,
        payments,
        collected: eur(collected),
        principal: eur(principal),
        interest: eur(interest),
        costs: eur(costs),
        credit: eur(credit),
        passed_on: eur(passed_on),
        created_at_ms: at,
    }
}

const REPORT_COLUMNS: &str =
    "id, period, payments, collected_minor, principal_minor, interest_minor, costs_minor,
     credit_minor, passed_on_minor, created_at FROM remittances";

impl Db {
    pub(super) async fn remittance_list(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Vec<RemittanceView>, i64)> {
        let err = store_err("list remittances");
        let rows: Vec<ReportRow> = sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} WHERE creditor_id = $1 ORDER BY period DESC, id DESC"
        ))
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) FROM payments p JOIN cases c ON c.id = p.case_id
             WHERE c.creditor_id = $1 AND p.remittance_id IS NULL",
        )
        .bind(creditor_id)
        .fetch_one(self.pool())
        .await
        .map_err(&err)?;
        Ok((rows.into_iter().map(report_view).collect(), pending))
    }

    pub(super) async fn remittance_detail(
        &self,
        creditor_id: i64,
        id: i64,
    ) -> StoreResult<Option<(RemittanceView, Vec<RemittanceLine>)>> {
        let err = store_err("load a remittance");
        let row: Option<ReportRow> = sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} WHERE id = $1 AND creditor_id = $2"
        ))
        .bind(id)
        .bind(creditor_id)
        .fetch_optional(self.pool())
        .await
        .map_err(&err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        type LineRow = (i64, String, String, Option<String>, String, String, i64);
        let payments: Vec<LineRow> = sqlx::query_as(
            "SELECT p.id, p.value_date, c.reference, d.customer_number, d.name, p.method, p.amount_minor
             FROM payments p JOIN cases c ON c.id = p.case_id JOIN debtors d ON d.id = c.debtor_id
             WHERE p.remittance_id = $1 AND c.creditor_id = $2 ORDER BY p.value_date, p.id",
        )
        .bind(id)
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let allocations: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT a.payment_id, a.kind, a.amount_minor FROM payment_allocations a
             JOIN payments p ON p.id = a.payment_id WHERE p.remittance_id = $1",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(&err)?;
        let eur = |m| Money::new(m, Currency::EUR);
        let lines = payments
            .into_iter()
            .map(
                |(pid, value_date, reference, customer_number, name, method, amount)| {
                    let part = |k: &str| {
                        allocations
                            .iter()
                            .filter(|(p, kind, _)| *p == pid && kind == k)
                            .map(|(_, _, m)| *m)
                            .sum()
                    };
                    Ok(RemittanceLine {
                        value_date: super::date(&value_date)?,
                        reference,
                        customer_number,
                        debtor_name: name,
                        method,
                        amount: eur(amount),
                        principal: eur(part("principal")),
                        interest: eur(part("interest")),
                        costs: eur(part("cost")),
                        credit: eur(part("credit")),
                    })
                },
            )
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some((report_view(row), lines)))
    }
}

#[async_trait]
impl Remittances for Db {
    async fn remittances(
        &self,
        creditor_id: i64,
    ) -> StoreResult<(Vec<app::dto::RemittanceView>, i64)> {
        self.remittance_list(creditor_id).await
    }

    async fn remittance(
        &self,
        creditor_id: i64,
        remittance_id: i64,
    ) -> StoreResult<Option<(app::dto::RemittanceView, Vec<app::dto::RemittanceLine>)>> {
        self.remittance_detail(creditor_id, remittance_id).await
    }
}
