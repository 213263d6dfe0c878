//! The dated legal tables: base rates and statutory interest parameters.

use super::{date, store_err, Db, ReadConn};
use app::domain::accrual::Statute;
use app::domain::interest::{BaseRate, BaseRateTable, StatutoryParameters};
use app::server::ports::{LegalTables, StoreError, StoreResult};
use async_trait::async_trait;

fn bp(value: i64) -> StoreResult<i32> {
    i32::try_from(value).map_err(|_| {
        tracing::error!(value, "basis points out of range in a legal table");
        StoreError
    })
}

#[async_trait]
impl LegalTables for Db {
    async fn base_rates(&self) -> StoreResult<Vec<BaseRate>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT valid_from, rate_bp FROM base_rates ORDER BY valid_from")
                .fetch_all(self.pool())
                .await
                .map_err(store_err("load base rates"))?;
        rows.into_iter()
            .map(|(from, rate)| {
                Ok(BaseRate {
                    valid_from: date(&from)?,
                    rate_bp: bp(rate)?,
                })
            })
            .collect()
    }

    async fn set_base_rate(&self, rate: BaseRate, source: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO base_rates (valid_from, rate_bp, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (valid_from) DO UPDATE SET rate_bp = excluded.rate_bp, source = excluded.source,
                                                    updated_at = excluded.updated_at",
        )
        .bind(crate::db::iso(rate.valid_from))
        .bind(i64::from(rate.rate_bp))
        .bind(source)
        .bind(now_ms)
        .execute(self.pool())
        .await
        .map_err(store_err("set base rate"))?;
        self.statute.forget();
        Ok(())
    }

    async fn statutory_parameters(&self) -> StoreResult<Vec<StatutoryParameters>> {
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT valid_from, consumer_margin_bp, business_margin_bp, business_lump_sum_minor
             FROM statutory_parameters ORDER BY valid_from",
        )
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load statutory parameters"))?;
        rows.into_iter()
            .map(|(from, consumer, business, lump)| {
                Ok(StatutoryParameters {
                    valid_from: date(&from)?,
                    consumer_margin_bp: bp(consumer)?,
                    business_margin_bp: bp(business)?,
                    business_lump_sum_minor: lump,
                })
            })
            .collect()
    }
}

/// Both legal tables in one statement: part 0 the base rates (valid from, rate), part 1 the
/// statutory parameters (valid from, consumer margin, business margin, lump sum).
pub(crate) const STATUTE_SQL: &str =
    "SELECT CAST(0 AS BIGINT), valid_from, rate_bp, CAST(0 AS BIGINT), CAST(0 AS BIGINT) FROM base_rates
     UNION ALL
     SELECT CAST(1 AS BIGINT), valid_from, consumer_margin_bp, business_margin_bp, business_lump_sum_minor
     FROM statutory_parameters";

/// A row of [`STATUTE_SQL`].
pub(crate) type StatuteRow = (i64, String, i64, i64, i64);

/// The legal tables the accrual of running interest reads, from the rows of [`STATUTE_SQL`].
pub(crate) fn statute_of(rows: Vec<StatuteRow>) -> StoreResult<Statute> {
    let (mut rates, mut parameters) = (Vec::new(), Vec::new());
    for (part, from, a, b, lump) in rows {
        let valid_from = date(&from)?;
        if part == 0 {
            rates.push(BaseRate {
                valid_from,
                rate_bp: bp(a)?,
            });
        } else {
            parameters.push(StatutoryParameters {
                valid_from,
                consumer_margin_bp: bp(a)?,
                business_margin_bp: bp(b)?,
                business_lump_sum_minor: lump,
            });
        }
    }
    let rates = BaseRateTable::new(rates).map_err(|e| {
        tracing::error!(error = %e, "the base rates in the database are not valid");
        StoreError
    })?;
    Ok(Statute { rates, parameters })
}

/// How long the legal tables are kept in memory. They change twice a year with `server base-rates
/// set`, which every instance then sees within this time (this process at once).
const STATUTE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The legal tables as the case views read them: every view of a case that runs interest needs
/// them, so they are read at most once a minute instead of once a view.
#[derive(Debug, Clone, Default)]
pub(crate) struct StatuteCache(std::sync::Arc<std::sync::Mutex<Option<Kept>>>);

/// The tables and when they were read.
type Kept = (std::time::Instant, std::sync::Arc<Statute>);

impl StatuteCache {
    /// The tables, from memory when read less than a minute ago, else read on `conn`.
    pub(crate) async fn get(&self, conn: &mut ReadConn) -> StoreResult<std::sync::Arc<Statute>> {
        let kept = self.0.lock().ok().and_then(|g| g.clone());
        if let Some((_, statute)) = kept.filter(|(at, _)| at.elapsed() < STATUTE_TTL) {
            return Ok(statute);
        }
        let rows = conn
            .all(STATUTE_SQL, &[])
            .await
            .map_err(store_err("load the legal tables"))?;
        let statute = std::sync::Arc::new(statute_of(rows)?);
        if let Ok(mut g) = self.0.lock() {
            *g = Some((std::time::Instant::now(), statute.clone()));
        }
        Ok(statute)
    }

    /// Forgets the tables after this process changed them.
    pub(crate) fn forget(&self) {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
    }
}
