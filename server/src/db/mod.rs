//! Storage adapters over sqlx's `Any` driver: one code path for SQLite and PostgreSQL.
//!
//! Queries use `$N` placeholders, `RETURNING` and `ON CONFLICT`, which both backends understand;
//! instants are bound from Rust as epoch milliseconds so both store identical values. Errors are
//! logged here once, with their cause, and leave as an opaque `StoreError`.

pub(crate) mod access_letters;
mod accrual;
pub mod activities;
mod agency;
mod api_keys;
mod attempts;
pub(crate) mod audit;
pub mod bank;
pub mod bench;
mod booking;
mod case_page;
pub(crate) mod claims;
mod classes;
mod consent;
mod contact;
pub(crate) mod creditor_setup;
mod creditors;
mod debtor_access;
pub mod demo;
mod dialogue;
mod digest;
mod dunning;
mod effects;
mod handling;
mod imports;
pub(crate) mod intake;
mod legal;
pub mod letters;
pub mod outbox;
mod overview;
mod payments;
mod plans;
pub mod privacy;
mod queue;
mod read;
pub mod remittances;
mod retention;
mod row;
mod sessions;
mod sign_in;
mod team;
mod templates;
pub mod webhooks;
use crate::config::{Backend, DatabaseUrl};
use app::server::ports::{StoreError, StoreResult};
pub(crate) use audit::insert_audit;
pub use booking::book_transfer;
pub(crate) use booking::insert_allocated;
pub(crate) use effects::{insert_events, is_unique_violation, NewEvent};
pub(crate) use read::ReadConn;
pub use sessions::SqlSessionStore;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Why the database could not be opened or migrated; the message names the database and cause.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot create the folder {path} for the SQLite database: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A connection pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// On SQLite: connections for short reads on the calling thread (see `read`).
    reads: Option<std::sync::Arc<read::SqliteReads>>,
    /// The legal tables the case views read, kept for a minute.
    statute: legal::StatuteCache,
}

/// Maps a database error (sqlx's, or a read's: `read::ReadError`) to the opaque port error,
/// logging it once with what was being done.
pub(crate) fn store_err<E: std::fmt::Display>(context: &'static str) -> impl Fn(E) -> StoreError {
    move |e| {
        tracing::error!(error = %e, context, "database operation failed");
        StoreError
    }
}

impl Db {
    /// Runs one statement and, when it changed something, writes the audit entry with it in one
    /// transaction. Returns the rows changed; when none, nothing is kept and nothing audited.
    pub(super) async fn execute_audited<'q>(
        &self,
        context: &'static str,
        query: AnyQuery<'q>,
        audit: &app::server::ports::AuditEntry,
    ) -> StoreResult<u64> {
        let err = store_err(context);
        let mut tx = self.begin_write().await.map_err(&err)?;
        let changed = query.execute(&mut *tx).await.map_err(&err)?.rows_affected();
        if changed == 0 {
            return Ok(0);
        }
        insert_audit(&mut tx, audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(changed)
    }
}

/// Decodes a stored ISO date (`2026-12-06`); a malformed one is a data fault, logged and
/// reported as a failure. `NaiveDate`'s own parser reads exactly this form without first parsing
/// a pattern, as `parse_from_str` does on every call: the case page decodes dozens per visit.
pub(crate) fn date(raw: &str) -> StoreResult<chrono::NaiveDate> {
    raw.parse::<chrono::NaiveDate>().map_err(|e| {
        tracing::error!(error = %e, value = raw, "malformed date in the database");
        StoreError
    })
}

pub(crate) fn currency(raw: &str) -> StoreResult<app::domain::Currency> {
    app::domain::Currency::parse(raw).map_err(|e| {
        tracing::error!(error = %e, "malformed currency in the database");
        StoreError
    })
}

/// `$first, $first+1, …` for `n` values: the placeholders of an `IN (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Tables whose new rows may be given reserved ids ([`reserve_ids`]).
const RESERVABLE: [&str; 6] = [
    "payments",
    "debtors",
    "cases",
    "claims",
    "claim_items",
    "write_downs",
];

/// `n` ids for new rows of `table`, for a batch that decides its rows in memory before it
/// writes them. PostgreSQL takes them from the table's sequence; SQLite numbers a row one past
/// the largest id (these tables have no `AUTOINCREMENT`), and the caller's write transaction is
/// the only writer until it commits — nothing else may insert into `table` in it meanwhile.
pub(crate) async fn reserve_ids(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if !RESERVABLE.contains(&table) {
        return Err(sqlx::Error::Protocol(format!(
            "no ids are reserved for {table}"
        )));
    }
    let n = i64::try_from(n).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query_scalar(&format!(
            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
        ))
        .bind(n)
        .fetch_all(&mut **tx)
        .await
    } else {
        let last: i64 = sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
            .fetch_one(&mut **tx)
            .await?;
        Ok((last + 1..=last + n).collect())
    }
}

/// Values bound in one statement at most: SQLite allows 32,766 (PostgreSQL 65,535); statements
/// with more rows are split.
pub(crate) const MAX_BINDS: usize = 30_000;

/// Rows per statement at most. 500 rows per statement once took SQLite twice the processor time
/// of a hundred; the cause was the parameters' names (see `insert_rows`), and with anonymous
/// parameters 500 and 100 rows per statement measure the same (hand-over, bank statement and
/// dunning run alike), so the smaller statements stay.
pub(crate) const ROWS_AT_ONCE: usize = 100;

/// A query on the `Any` driver with its bound values.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Inserts `rows` with `insert` (`INSERT INTO t (c1, …, cN)`, `cols` = N), many rows per statement,
/// `bind` binding each row's N values in order; `tail` follows the values (`ON CONFLICT …`,
/// `RETURNING …`) and binds nothing. Returns what the statements return. Every row is a round
/// trip less than an insert per row, which is what a batch of bookings costs on PostgreSQL over
/// the network.
pub(crate) async fn insert_rows<T>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    insert: &str,
    cols: usize,
    tail: &str,
    rows: &[T],
    bind: impl for<'q> Fn(AnyQuery<'q>, &'q T) -> AnyQuery<'q>,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let mut out = Vec::new();
    // SQLite reads `$N` as a named parameter, and sqlx looks up the name of each one it binds
    // in a list SQLite walks from the start: binding a hundred rows of thirteen values took
    // 850,000 steps, a quarter of the dunning run's processor time (measured with `perf`).
    // Anonymous `?` have no name to look up; they are bound in the order they appear.
    let sqlite = tx.backend_name() == "SQLite";
    let anonymous = format!("({})", vec!["?"; cols].join(", "));
    for chunk in rows.chunks((MAX_BINDS / cols.max(1)).clamp(1, ROWS_AT_ONCE)) {
        let values = (0..chunk.len())
            .map(|r| match sqlite {
                true => anonymous.clone(),
                false => format!("({})", placeholders(r * cols + 1, cols)),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("{insert} VALUES {values} {tail}");
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        out.extend(query.fetch_all(&mut **tx).await?);
    }
    Ok(out)
}

/// A query written with SQLite's JSON function names, spelt for `backend`: PostgreSQL calls
/// `json_array`, `json_object` and `json_group_array` `json_build_array`, `json_build_object` and
/// `json_agg`. Everything else about them — `ORDER BY` inside the aggregate, `CAST(… AS TEXT)` to
/// read the result as a string — is written the same on both.
///
/// A page that needs a case and its lists reads them in one statement this way: each statement
/// costs a hand-over to the database's worker (SQLite) or a round trip (PostgreSQL), which at
/// a dozen statements per page is most of the page's time.
pub(crate) fn json_spelling(backend: Backend, sql: &str) -> std::borrow::Cow<'_, str> {
    match backend {
        Backend::Sqlite => std::borrow::Cow::Borrowed(sql),
        Backend::Postgres => std::borrow::Cow::Owned(
            sql.replace("json_group_array(", "json_agg(")
                .replace("json_array(", "json_build_array(")
                .replace("json_object(", "json_build_object("),
        ),
    }
}

/// The rows of a list read with `json_group_array(json_array(…))`: each row a JSON array, decoded
/// into the tuple its columns would have been read as. An empty list is `NULL` on PostgreSQL and
/// `[]` on SQLite; both give no rows.
pub(crate) fn json_rows<T: serde::de::DeserializeOwned>(
    list: Option<&str>,
    what: &'static str,
) -> Result<Vec<T>, StoreError> {
    match list {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            tracing::error!(error = %e, what, "a list read from the database does not decode");
            StoreError
        }),
    }
}

/// The SQLite URL with `mode=rwc` (create the file if missing) unless a mode was given, after
/// creating the folder the file lives in.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = std::path::Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|source| DbError::Folder {
                path: parent.display().to_string(),
                source,
            })?;
        }
    }
    Ok(if query.contains("mode=") {
        url.to_string()
    } else if query.is_empty() {
        format!("{url}?mode=rwc")
    } else {
        format!("{url}&mode=rwc")
    })
}

impl Db {
    /// Opens a pool for `url`. SQLite runs in WAL mode with a busy timeout and foreign keys on.
    pub async fn connect(url: &DatabaseUrl) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = url.backend;
        let raw = match backend {
            Backend::Sqlite => prepare_sqlite_url(url.expose())?,
            Backend::Postgres => url.expose().to_string(),
        };
        let connect_err = |source| DbError::Connect {
            url: url.redacted(),
            source,
        };
        let options = AnyConnectOptions::from_str(&raw)
            .map_err(connect_err)?
            .log_statements(tracing::log::LevelFilter::Debug)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            // A pooled SQLite connection cannot go away under us, and testing it costs a round
            // trip to its worker thread on every query; a PostgreSQL connection can (a restarted
            // server), so it is tested before use.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed while one writer writes; the busy timeout makes
                        // a second writer wait instead of failing at once.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_err)?;
        let reads = match backend {
            Backend::Sqlite => read::SqliteReads::for_url(&raw),
            Backend::Postgres => None,
        };
        Ok(Db {
            pool,
            backend,
            reads,
            statute: legal::StatuteCache::default(),
        })
    }

    /// Applies the migrations of this backend's folder.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// True when the database answers a trivial query within two seconds.
    pub async fn ping(&self) -> bool {
        let query = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool);
        matches!(
            tokio::time::timeout(Duration::from_secs(2), query).await,
            Ok(Ok(1))
        )
    }

    /// The pool, for adapters and seeding in this crate.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that writes. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads before it writes is refused at its first write —
    /// "database is locked", at once, without waiting — when another connection wrote in between,
    /// because its snapshot is stale. An immediate one waits its turn (`busy_timeout`) instead.
    /// On PostgreSQL a plain `BEGIN`: rows are locked as they are written.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for short reads by key (a session, a case page): on SQLite one that runs on
    /// the calling thread, on PostgreSQL a pooled one (see `read`).
    pub(crate) async fn read_conn(&self, context: &'static str) -> StoreResult<ReadConn> {
        ReadConn::take(&self.pool, self.reads.as_ref())
            .await
            .map_err(store_err(context))
    }

    /// A pooled connection to read on, for reads that may take long (batch work): they stay on
    /// sqlx's worker threads whatever the backend.
    pub(crate) async fn pooled_read_conn(&self, context: &'static str) -> StoreResult<ReadConn> {
        ReadConn::take(&self.pool, None)
            .await
            .map_err(store_err(context))
    }

    /// Refreshes PostgreSQL's planner statistics of `tables` (nothing to do on SQLite). A bulk
    /// import calls this as the tables it fills grow: a table that was small when it was last
    /// analysed is planned as small — scanned whole for every look-up — until autovacuum notices,
    /// which takes a minute or more, or never where autovacuum is off.
    pub async fn refresh_statistics(&self, tables: &[&str]) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres && !tables.is_empty() {
            sqlx::query(&format!("ANALYZE {}", tables.join(", ")))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Closes every connection (used by tests and at shutdown).
    pub async fn close(&self) {
        if let Some(reads) = &self.reads {
            reads.close();
        }
        self.pool.close().await;
    }
}

/// Version and description of each embedded migration.
pub type MigrationList = Vec<(i64, String)>;

/// The embedded migrations per backend (SQLite, PostgreSQL), for the test that both folders match.
pub fn migration_versions() -> (MigrationList, MigrationList) {
    let list = |m: &Migrator| {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    };
    (list(&SQLITE_MIGRATIONS), list(&POSTGRES_MIGRATIONS))
}

/// A date as stored: ISO 8601 (`2026-12-06`), which is how `NaiveDate` displays (without
/// parsing a pattern on every call, as `format("%Y-%m-%d")` does).
pub(crate) fn iso(d: chrono::NaiveDate) -> String {
    d.to_string()
}

/// A database in a fresh SQLite file under `dir` with one table made by `table` (the unit tests'
/// start: a file, so that both kinds of read connection see it).
#[cfg(test)]
pub(crate) async fn test_sqlite_file(dir: &tempfile::TempDir, table: &str) -> Db {
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = Db::connect(&crate::config::DatabaseUrl::parse(&url).expect("url"))
        .await
        .expect("connect");
    sqlx::query(table).execute(db.pool()).await.expect("table");
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rows_beyond_what_one_statement_takes_are_inserted_in_several() {
        let dir = tempfile::tempdir().expect("dir");
        let db = test_sqlite_file(
            &dir,
            "CREATE TABLE t (a BIGINT NOT NULL, b BIGINT NOT NULL, c TEXT NOT NULL)",
        )
        .await;
        // 3 values a row: 60,000 values, more than SQLite takes in one statement (32,766).
        let rows: Vec<(i64, i64, String)> =
            (0..20_000).map(|n| (n, 2 * n, format!("r{n}"))).collect();
        let mut tx = db.begin_write().await.expect("begin");
        let returned = insert_rows(
            &mut tx,
            "INSERT INTO t (a, b, c)",
            3,
            "RETURNING a",
            &rows,
            |q, r| q.bind(r.0).bind(r.1).bind(r.2.as_str()),
        )
        .await
        .expect("inserted");
        tx.commit().await.expect("commit");
        assert_eq!(returned.len(), 20_000, "what every statement returns");
        let (count, sum, last): (i64, i64, String) =
            sqlx::query_as("SELECT COUNT(*), SUM(b - 2 * a), MAX(c) FROM t")
                .fetch_one(db.pool())
                .await
                .expect("read");
        assert_eq!((count, sum, last.as_str()), (20_000, 0, "r9999"));
    }

    #[test]
    fn sqlite_urls_get_create_mode_unless_a_mode_is_given() {
        let dir = std::env::temp_dir().join(format!("rapport-url-{}", std::process::id()));
        let file = dir.join("x.db");
        let url = format!("sqlite://{}", file.display());
        assert_eq!(
            prepare_sqlite_url(&url).expect("ok"),
            format!("{url}?mode=rwc")
        );
        assert!(dir.is_dir(), "the folder is created");
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:").expect("ok"),
            "sqlite::memory:?mode=rwc"
        );
        assert_eq!(
            prepare_sqlite_url(&format!("{url}?mode=ro")).expect("ok"),
            format!("{url}?mode=ro")
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_write_transaction_that_read_first_waits_for_another_writer_instead_of_failing() {
        let dir = tempfile::tempdir().expect("dir");
        let db = test_sqlite_file(
            &dir,
            "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
        )
        .await;
        sqlx::query("INSERT INTO counters (id, n) VALUES (1, 0)")
            .execute(db.pool())
            .await
            .expect("row");
        let mut tx = db.begin_write().await.expect("begin");
        let (n,): (i64,) = sqlx::query_as("SELECT n FROM counters WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .expect("read");
        // Another writer comes while the transaction stands between its read and its write.
        let other = tokio::spawn({
            let db = db.clone();
            async move {
                sqlx::query("UPDATE counters SET n = n + 10 WHERE id = 1")
                    .execute(db.pool())
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        sqlx::query("UPDATE counters SET n = $1 WHERE id = 1")
            .bind(n + 1)
            .execute(&mut *tx)
            .await
            .expect("the transaction's write is not refused");
        tx.commit().await.expect("commit");
        other
            .await
            .expect("task")
            .expect("the other writer waited its turn");
        let (n,): (i64,) = sqlx::query_as("SELECT n FROM counters WHERE id = 1")
            .fetch_one(db.pool())
            .await
            .expect("read");
        assert_eq!(n, 11, "both writes count, one after the other");
    }

    #[test]
    fn stored_dates_are_written_and_read_as_iso_dates() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 7).expect("date");
        assert_eq!(iso(day), "2026-03-07");
        assert_eq!(date("2026-03-07").expect("read"), day);
        assert_eq!(date(&iso(day)).expect("read"), day);
        for bad in ["", "07.03.2026", "2026-02-30", "2026-3", "2026-03-07x"] {
            assert!(date(bad).is_err(), "{bad:?} is not a stored date");
        }
    }
}
