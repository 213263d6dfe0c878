//! HTTP sessions in the database, so they survive restarts and work across several instances.
//! Rows are keyed by a SHA-256 of the session id: a leaked table does not yield usable cookies.

use super::Db;
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::SessionStore;

/// A tower-sessions store on the application's database.
#[derive(Debug, Clone)]
pub struct SqlSessionStore {
    db: Db,
}

fn key(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

/// The staff member and the creditor user a session is signed in as (either, both or neither).
fn owners(record: &Record) -> (Option<i64>, Option<i64>) {
    let account = |realm: &str| {
        record
            .data
            .get(realm)
            .and_then(|s| s.get("account_id"))
            .and_then(serde_json::Value::as_i64)
    };
    (account("staff"), account("creditor"))
}

fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn backend(context: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| {
        tracing::error!(error = %e, context, "session store failed");
        Error::Backend(context.to_string())
    }
}

impl SqlSessionStore {
    pub fn new(db: Db) -> SqlSessionStore {
        SqlSessionStore { db }
    }

    /// Removes sessions that expired before `now_ms`; returns how many.
    pub async fn delete_expired(&self, now_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now_ms)
            .execute(self.db.pool())
            .await
            .map_err(backend("delete expired sessions"))?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let now = millis(OffsetDateTime::now_utc());
        let (staff_id, creditor_user_id) = owners(record);
        // A colliding random id is astronomically unlikely, but if it happens we draw a new one
        // rather than overwrite someone else's session.
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, data, expires_at, staff_id, creditor_user_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $5, $6, $4, $4)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(key(&record.id))
            .bind(&data)
            .bind(millis(record.expiry_date))
            .bind(now)
            .bind(staff_id)
            .bind(creditor_user_id)
            .execute(self.db.pool())
            .await
            .map_err(backend("create session"))?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let now = millis(OffsetDateTime::now_utc());
        let (staff_id, creditor_user_id) = owners(record);
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at, staff_id, creditor_user_id, created_at, updated_at)
             VALUES ($1, $2, $3, $5, $6, $4, $4)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,
                                            staff_id = excluded.staff_id,
                                            creditor_user_id = excluded.creditor_user_id,
                                            updated_at = excluded.updated_at",
        )
        .bind(key(&record.id))
        .bind(&data)
        .bind(millis(record.expiry_date))
        .bind(now)
        .bind(staff_id)
        .bind(creditor_user_id)
        .execute(self.db.pool())
        .await
        .map_err(backend("save session"))?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        // Every signed-in request reads its session: a short read by key (see `db::read`).
        let failed = |_| Error::Backend("load session".to_string());
        let mut conn = self.db.read_conn("load session").await.map_err(failed)?;
        let row: Option<(String, i64)> = conn
            .optional(
                "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
                &[
                    key(id).as_str().into(),
                    millis(OffsetDateTime::now_utc()).into(),
                ],
            )
            .await
            .map_err(super::store_err("load session"))
            .map_err(failed)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
                .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(key(id))
            .execute(self.db.pool())
            .await
            .map_err(backend("delete session"))?;
        Ok(())
    }
}
