//! Sign-in for both realms (ports `Logins` and `AccountSessions`): accounts as the login sees
//! them, two-step keys and steps, passwords and the sessions of an account.

use super::audit::insert_audit;
use super::row::row;
use super::{store_err, Db};
use app::server::ports::{AccountSessions, AuditEntry, Logins, Realm, StaffLogin, StoreResult};
use async_trait::async_trait;

/// The accounts table of a realm and its tenant column (fixed names, never input).
/// The column of `sessions` that names an account of `realm`.
pub(crate) fn session_owner_column(realm: Realm) -> &'static str {
    match realm {
        Realm::Staff => "staff_id",
        Realm::Creditor => "creditor_user_id",
    }
}

pub(crate) fn accounts_table(realm: Realm) -> (&'static str, &'static str) {
    match realm {
        Realm::Staff => ("staff_users", "agency_id"),
        Realm::Creditor => ("creditor_users", "creditor_id"),
    }
}

const LOGIN_COLUMNS: &str = "id, email, password_hash, active, totp_secret, \
                             totp_last_step, must_change_password, sessions_valid_after";

row! {
    /// An account as sign-in reads it ([`LOGIN_COLUMNS`], then the tenant column).
    struct LoginRow {
        id: i64,
        email: String,
        password_hash: String,
        active: i64,
        totp_secret: Option<String>,
        totp_last_step: Option<i64>,
        must_change_password: i64,
        sessions_valid_after: i64,
        tenant_id: i64,
    }
}

impl From<LoginRow> for StaffLogin {
    fn from(r: LoginRow) -> Self {
        StaffLogin {
            id: r.id,
            tenant_id: r.tenant_id,
            email: r.email,
            password_hash: r.password_hash,
            active: r.active != 0,
            totp_secret: r.totp_secret,
            totp_last_step: r.totp_last_step,
            must_change_password: r.must_change_password != 0,
            sessions_valid_after_ms: r.sessions_valid_after,
        }
    }
}

#[async_trait]
impl Logins for Db {
    async fn login_by_email(&self, realm: Realm, email: &str) -> StoreResult<Option<StaffLogin>> {
        let (table, tenant) = accounts_table(realm);
        let row: Option<LoginRow> = sqlx::query_as(&format!(
            "SELECT {LOGIN_COLUMNS}, {tenant} FROM {table} WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("load login"))?;
        Ok(row.map(StaffLogin::from))
    }

    async fn login_by_id(&self, realm: Realm, account_id: i64) -> StoreResult<Option<StaffLogin>> {
        let (table, tenant) = accounts_table(realm);
        let row: Option<LoginRow> = sqlx::query_as(&format!(
            "SELECT {LOGIN_COLUMNS}, {tenant} FROM {table} WHERE id = $1"
        ))
        .bind(account_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("load login"))?;
        Ok(row.map(StaffLogin::from))
    }

    async fn use_totp_step(&self, realm: Realm, account_id: i64, step: i64) -> StoreResult<bool> {
        let (table, _) = accounts_table(realm);
        // One compare-and-set statement: two requests with the same code cannot both pass.
        let done = sqlx::query(&format!(
            "UPDATE {table} SET totp_last_step = $2
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)"
        ))
        .bind(account_id)
        .bind(step)
        .execute(self.pool())
        .await
        .map_err(store_err("use one-time code"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_totp(
        &self,
        realm: Realm,
        account_id: i64,
        secret: &str,
        step: i64,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let (table, _) = accounts_table(realm);
        let sql = format!(
            "UPDATE {table} SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1"
        );
        let query = sqlx::query(&sql)
            .bind(account_id)
            .bind(secret)
            .bind(step)
            .bind(audit.at_ms);
        self.execute_audited("set up two-step sign-in", query, &audit)
            .await
            .map(|_| ())
    }

    async fn record_login_success(
        &self,
        realm: Realm,
        account_id: i64,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let (table, _) = accounts_table(realm);
        let sql = format!("UPDATE {table} SET updated_at = $2 WHERE id = $1");
        let query = sqlx::query(&sql).bind(account_id).bind(audit.at_ms);
        self.execute_audited("record login", query, &audit)
            .await
            .map(|_| ())
    }

    async fn set_password(
        &self,
        realm: Realm,
        account_id: i64,
        hash: &str,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let err = store_err("set password");
        let (table, _) = accounts_table(realm);
        let owner = session_owner_column(realm);
        let mut tx = self.begin_write().await.map_err(&err)?;
        sqlx::query(&format!(
            "UPDATE {table} SET password_hash = $2, must_change_password = 0, sessions_valid_after = $3,
                                updated_at = $3 WHERE id = $1"
        ))
        .bind(account_id)
        .bind(hash)
        .bind(audit.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        // Every session of the old password ends (the one that changed it is written again when
        // its request ends, with the new proof of the password).
        sqlx::query(&format!("DELETE FROM sessions WHERE {owner} = $1"))
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)
    }
}

#[async_trait]
impl AccountSessions for Db {
    async fn account_sessions(
        &self,
        realm: Realm,
        account_id: i64,
        active_since_ms: i64,
        started_since_ms: i64,
    ) -> StoreResult<Vec<(String, i64, i64)>> {
        let owner = session_owner_column(realm);
        sqlx::query_as(&format!(
            "SELECT id, created_at, updated_at FROM sessions
             WHERE {owner} = $1 AND updated_at >= $2 AND created_at >= $3
             ORDER BY updated_at DESC, id LIMIT 100"
        ))
        .bind(account_id)
        .bind(active_since_ms)
        .bind(started_since_ms)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("list own sessions"))
    }

    async fn end_account_session(
        &self,
        realm: Realm,
        account_id: i64,
        key: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let owner = session_owner_column(realm);
        let sql = format!("DELETE FROM sessions WHERE id = $1 AND {owner} = $2");
        let query = sqlx::query(&sql).bind(key).bind(account_id);
        self.execute_audited("end own session", query, &audit)
            .await
            .map(|n| n == 1)
    }
}
