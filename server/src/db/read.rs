//! Reads on a connection of either kind: a pooled sqlx connection, or — on SQLite — a
//! connection of our own that runs SQLite on the calling thread.
//!
//! Why two kinds: sqlx runs each SQLite connection on a thread of its own. Every statement is
//! handed to that thread and its rows handed back (two thread wake-ups), and a pooled connection
//! is tested with one more hand-over when it goes back to the pool. A debtor's page reads its
//! session and its case on every visit; profiled under load (BENCHMARKS.md), the hand-overs and
//! the parked threads cost more than SQLite's own work. Short reads by key — a session, a case
//! page's three statements, about a hundred microseconds together, less than rendering the page
//! — therefore run right here on the async worker. Writes, transactions, lists and batch work
//! stay with sqlx; PostgreSQL always goes through sqlx.
//!
//! Both kinds run the same query text: `$N` placeholders are bound by their number on both, and
//! rows decode into the same tuples (sqlx's `FromRow` and rusqlite's `TryFrom<&Row>` both exist
//! for tuples).

use rusqlite::OpenFlags;
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A value bound to a `$N` placeholder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Int(i64),
    Text(&'a str),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v)
    }
}

/// A row type both drivers can decode (tuples of the usual column types, or a struct with both
/// implementations).
pub(crate) trait ReadRow:
    for<'r> sqlx::FromRow<'r, AnyRow>
    + for<'r> TryFrom<&'r rusqlite::Row<'r>, Error = rusqlite::Error>
    + Send
    + Unpin
{
}

impl<T> ReadRow for T where
    T: for<'r> sqlx::FromRow<'r, AnyRow>
        + for<'r> TryFrom<&'r rusqlite::Row<'r>, Error = rusqlite::Error>
        + Send
        + Unpin
{
}

/// Why a read failed; logged by the adapter that asked (`store_err`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// How long a read on the async worker may wait for a lock. A reader of a WAL database waits
/// only in rare moments (recovery after a crash, a writer resetting the log); it must not hold
/// up the worker for long, so it gives up sooner than the writers' five seconds.
const READ_BUSY_TIMEOUT: Duration = Duration::from_millis(250);
/// Idle connections kept; two async workers use one each at a time, so a few are plenty.
const IDLE_KEPT: usize = 4;

/// The SQLite connections for reads on the calling thread.
pub(crate) struct SqliteReads {
    path: PathBuf,
    /// The URL asked for a read-only database (`mode=ro`).
    read_only: bool,
    idle: Mutex<Vec<rusqlite::Connection>>,
    closed: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteReads {
    /// Reads for the database file of a `sqlite:` URL; `None` for an in-memory database (another
    /// connection would see another database) and URLs that name no file.
    pub(crate) fn for_url(url: &str) -> Option<Arc<SqliteReads>> {
        let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
            return None;
        }
        Some(Arc::new(SqliteReads {
            path: PathBuf::from(path),
            read_only: query.contains("mode=ro"),
            idle: Mutex::new(Vec::new()),
            closed: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        // Opened read-write (not created) so that it may share the WAL index with the writers
        // whatever order connections open and close in; `query_only` makes it refuse writes.
        // A database the URL opens read-only is opened read-only here too.
        let mode = if self.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            mode | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(READ_BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", true)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    fn lease(self: &Arc<Self>) -> rusqlite::Result<Lease> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        Ok(Lease {
            conn: Some(conn),
            reads: Arc::clone(self),
        })
    }

    /// Closes the idle connections; leased ones close when they come back. A closed database's
    /// last connection writes the log back into the file, as with sqlx's pool.
    pub(crate) fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A connection taken from [`SqliteReads`]; it goes back when dropped.
pub(crate) struct Lease {
    conn: Option<rusqlite::Connection>,
    reads: Arc<SqliteReads>,
}

impl Lease {
    /// The leased connection (there until the lease is dropped).
    fn conn(&self) -> rusqlite::Result<&rusqlite::Connection> {
        self.conn.as_ref().ok_or(rusqlite::Error::InvalidQuery)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.reads.closed.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            // A snapshot (`ReadConn::snapshot`) ends here; a connection that cannot end it is
            // closed rather than kept.
            if !conn.is_autocommit()
                && conn
                    .prepare_cached("ROLLBACK")
                    .and_then(|mut s| s.raw_execute())
                    .is_err()
            {
                return;
            }
            let mut idle = self.reads.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < IDLE_KEPT {
                idle.push(conn);
            }
        }
    }
}

/// A connection to read on: pooled (sqlx) or, on SQLite, on the calling thread.
pub(crate) enum ReadConn {
    Pool(PoolConnection<Any>),
    Sqlite(Lease),
}

impl ReadConn {
    /// A connection for short reads: on SQLite one of `reads`, else one of `pool`.
    pub(crate) async fn take(
        pool: &AnyPool,
        reads: Option<&Arc<SqliteReads>>,
    ) -> Result<ReadConn, ReadError> {
        Ok(match reads {
            Some(reads) => ReadConn::Sqlite(reads.lease()?),
            None => ReadConn::Pool(pool.acquire().await?),
        })
    }

    /// The reads that follow, until the connection is dropped, see one state of the database.
    ///
    /// On SQLite this is one read transaction, which also spares each statement taking and
    /// releasing the database's read lock (a few system calls each). On PostgreSQL it does
    /// nothing: each statement reads its own snapshot there, as two more round trips to open
    /// and close a transaction would cost more than they give a page.
    pub(crate) fn snapshot(&mut self) -> Result<(), ReadError> {
        match self {
            ReadConn::Pool(_) => Ok(()),
            ReadConn::Sqlite(lease) => {
                lease.conn()?.prepare_cached("BEGIN")?.raw_execute()?;
                Ok(())
            }
        }
    }

    /// At most one row.
    pub(crate) async fn optional<T: ReadRow>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Option<T>, ReadError> {
        match self {
            ReadConn::Pool(conn) => Ok(bind(sqlx::query_as::<_, T>(sql), args)
                .fetch_optional(&mut **conn)
                .await?),
            ReadConn::Sqlite(lease) => {
                let mut rows = sqlite_rows(lease, sql, args, Some(1))?;
                Ok(rows.pop())
            }
        }
    }

    /// Exactly one row (none is an error, as with sqlx's `fetch_one`).
    pub(crate) async fn one<T: ReadRow>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<T, ReadError> {
        match self.optional(sql, args).await? {
            Some(row) => Ok(row),
            None => Err(ReadError::Sqlx(sqlx::Error::RowNotFound)),
        }
    }

    /// Every row.
    pub(crate) async fn all<T: ReadRow>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Vec<T>, ReadError> {
        match self {
            ReadConn::Pool(conn) => Ok(bind(sqlx::query_as::<_, T>(sql), args)
                .fetch_all(&mut **conn)
                .await?),
            ReadConn::Sqlite(lease) => Ok(sqlite_rows(lease, sql, args, None)?),
        }
    }
}

fn bind<'q, T>(
    mut query: sqlx::query::QueryAs<'q, Any, T, sqlx::any::AnyArguments<'q>>,
    args: &[Arg<'q>],
) -> sqlx::query::QueryAs<'q, Any, T, sqlx::any::AnyArguments<'q>> {
    for arg in args {
        query = match *arg {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    query
}

/// Runs `sql` on the lease's connection and decodes up to `limit` rows. `$N` is bound to
/// `args[N - 1]` wherever it stands (SQLite numbers named parameters by first appearance, so a
/// `$2` before the first `$1` would otherwise take the first value).
fn sqlite_rows<T: ReadRow>(
    lease: &mut Lease,
    sql: &str,
    args: &[Arg<'_>],
    limit: Option<usize>,
) -> rusqlite::Result<Vec<T>> {
    let mut stmt = lease.conn()?.prepare_cached(sql)?;
    for index in 1..=stmt.parameter_count() {
        let number = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                rusqlite::Error::InvalidParameterName(
                    stmt.parameter_name(index).unwrap_or("?").to_string(),
                )
            })?;
        match args.get(number.wrapping_sub(1)) {
            Some(Arg::Int(v)) => stmt.raw_bind_parameter(index, v)?,
            Some(Arg::Text(v)) => stmt.raw_bind_parameter(index, v)?,
            None => return Err(rusqlite::Error::InvalidParameterCount(number, args.len())),
        }
    }
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(T::try_from(row)?);
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    async fn sqlite_db(dir: &tempfile::TempDir) -> Db {
        crate::db::test_sqlite_file(
            dir,
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        )
        .await
    }

    /// Both kinds of connection on the same SQLite file.
    async fn both(db: &Db) -> [ReadConn; 2] {
        [
            db.read_conn("test").await.expect("calling thread"),
            db.pooled_read_conn("test").await.expect("pooled"),
        ]
    }

    #[tokio::test]
    async fn placeholders_are_bound_by_their_number_on_both_kinds() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite_db(&dir).await;
        let [mut own, mut pooled] = both(&db).await;
        assert!(
            matches!(own, ReadConn::Sqlite(_)),
            "SQLite reads on the calling thread"
        );
        assert!(matches!(pooled, ReadConn::Pool(_)));
        // `$2` stands first: SQLite alone would give it the first value.
        let sql = "SELECT $2 || '/' || CAST($1 AS TEXT), $1 + $1";
        for conn in [&mut own, &mut pooled] {
            let row: (String, i64) = conn
                .one(sql, &[Arg::Int(21), Arg::Text("zwei")])
                .await
                .expect("row");
            assert_eq!(row, ("zwei/21".to_string(), 42));
        }
        let missing = own.one::<(i64,)>(sql, &[Arg::Int(1)]).await;
        assert!(
            matches!(
                missing,
                Err(ReadError::Sqlite(rusqlite::Error::InvalidParameterCount(
                    2, 1
                )))
            ),
            "a placeholder without a value is an error, not NULL: {missing:?}"
        );
    }

    #[tokio::test]
    async fn a_write_through_the_pool_is_read_at_once_and_reads_cannot_write() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite_db(&dir).await;
        let mut own = db.read_conn("test").await.expect("connection");
        let none: Option<(String,)> = own
            .optional("SELECT body FROM notes WHERE id = $1", &[Arg::Int(1)])
            .await
            .expect("read");
        assert_eq!(none, None);
        sqlx::query("INSERT INTO notes (id, body) VALUES (1, 'Grüße 😀')")
            .execute(db.pool())
            .await
            .expect("insert");
        let rows: Vec<(i64, String)> = own
            .all("SELECT id, body FROM notes ORDER BY id", &[])
            .await
            .expect("read");
        assert_eq!(rows, vec![(1, "Grüße 😀".to_string())]);
        let write = own
            .optional::<(i64,)>("DELETE FROM notes RETURNING id", &[])
            .await;
        assert!(write.is_err(), "a read connection refuses to write");
        let count: (i64,) = own
            .one("SELECT COUNT(*) FROM notes", &[])
            .await
            .expect("count");
        assert_eq!(count.0, 1);
    }

    #[tokio::test]
    async fn a_snapshot_reads_one_state_until_its_connection_goes_back() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite_db(&dir).await;
        let count = "SELECT COUNT(*) FROM notes";
        let insert = |id: i64| {
            sqlx::query("INSERT INTO notes (id, body) VALUES ($1, 'n')")
                .bind(id)
                .execute(db.pool())
        };
        insert(1).await.expect("insert");
        let mut own = db.read_conn("test").await.expect("connection");
        own.snapshot().expect("snapshot");
        assert_eq!(own.one::<(i64,)>(count, &[]).await.expect("count").0, 1);
        // The writer is not held up by the open snapshot, and the snapshot does not see it.
        insert(2).await.expect("a write while a snapshot is open");
        assert_eq!(own.one::<(i64,)>(count, &[]).await.expect("count").0, 1);
        drop(own);
        // The same connection, back from the idle list, reads the new state outside any snapshot.
        let mut again = db.read_conn("test").await.expect("connection");
        let ReadConn::Sqlite(lease) = &again else {
            panic!("SQLite reads on the calling thread");
        };
        assert!(lease.conn.as_ref().expect("open").is_autocommit());
        assert_eq!(again.one::<(i64,)>(count, &[]).await.expect("count").0, 2);
        insert(3).await.expect("insert");
        assert_eq!(again.one::<(i64,)>(count, &[]).await.expect("count").0, 3);
        // On the pool a snapshot changes nothing: each statement reads the newest state.
        let mut pooled = db.pooled_read_conn("test").await.expect("pooled");
        pooled.snapshot().expect("snapshot");
        insert(4).await.expect("insert");
        assert_eq!(pooled.one::<(i64,)>(count, &[]).await.expect("count").0, 4);
    }

    #[tokio::test]
    async fn read_connections_are_kept_for_reuse_and_closed_with_the_database() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite_db(&dir).await;
        let reads = db.reads.clone().expect("SQLite has read connections");
        let idle = || reads.idle.lock().expect("lock").len();
        let first = db.read_conn("test").await.expect("connection");
        let second = db.read_conn("test").await.expect("connection");
        assert_eq!(idle(), 0);
        drop(first);
        assert_eq!(idle(), 1, "a connection goes back when its reader is done");
        let third = db.read_conn("test").await.expect("connection");
        assert_eq!(idle(), 0, "and is taken again rather than a new one opened");
        drop(third);
        db.close().await;
        assert_eq!(idle(), 0, "closing closes the idle connections");
        drop(second);
        assert_eq!(idle(), 0, "and those in use when they come back");
    }

    /// `.cargo/config.toml` builds the bundled SQLite without its global locks on hot paths and
    /// with statement journals in memory up to 4 MiB; a build that lost the settings would be a
    /// fifth slower on the case page, and write every import statement's journal to a file,
    /// without a word.
    #[test]
    fn sqlite_is_built_with_the_flags_of_cargo_config() {
        let conn = rusqlite::Connection::open_in_memory().expect("open");
        let mut stmt = conn.prepare("PRAGMA compile_options").expect("pragma");
        let options: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
        assert!(
            options.iter().any(|o| o == "STMTJRNL_SPILL=4194304"),
            "{options:?}"
        );
    }

    #[test]
    fn in_memory_databases_have_no_second_connection() {
        assert!(SqliteReads::for_url("sqlite::memory:?mode=rwc").is_none());
        assert!(SqliteReads::for_url("sqlite://file.db?mode=memory").is_none());
        let reads = SqliteReads::for_url("sqlite://data/rapport.db?mode=rwc").expect("a file");
        assert_eq!(reads.path, PathBuf::from("data/rapport.db"));
        assert!(!reads.read_only);
        let read_only = SqliteReads::for_url("sqlite://data/rapport.db?mode=ro").expect("a file");
        assert!(read_only.read_only);
        let absolute = SqliteReads::for_url("sqlite:///var/lib/rapport.db").expect("a file");
        assert_eq!(absolute.path, PathBuf::from("/var/lib/rapport.db"));
    }
}
