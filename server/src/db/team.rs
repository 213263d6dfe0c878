//! The people of the agency and of the creditors (port `Team`): one path for both realms, whose
//! accounts differ only in their table and tenant column (`accounts_table`).

use super::row::row;
use super::sign_in::{accounts_table, session_owner_column};
use super::{insert_audit, is_unique_violation, store_err, Db};
use app::dto::{CreditorMember, StaffMember};
use app::server::ports::{AuditEntry, NewMember, Realm, StoreResult, Team};
use async_trait::async_trait;

row! {
    /// A staff account as the team page shows it.
    pub(crate) struct StaffRow {
        id: i64,
        agency_id: i64,
        email: String,
        display_name: String,
        role: String,
        active: i64,
        digest: i64,
        sessions_valid_after: i64,
    }
}

/// The columns of [`StaffRow`], from `staff_users`.
pub(crate) const STAFF_COLUMNS: &str =
    "id, agency_id, email, display_name, role, active, digest, sessions_valid_after";

impl From<StaffRow> for StaffMember {
    fn from(r: StaffRow) -> Self {
        StaffMember {
            id: r.id,
            agency_id: r.agency_id,
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            active: r.active != 0,
            digest: r.digest != 0,
            sessions_valid_after_ms: r.sessions_valid_after,
        }
    }
}

row! {
    /// A creditor's user with the creditor's name.
    struct CreditorUserRow {
        id: i64,
        creditor_id: i64,
        creditor_name: String,
        email: String,
        display_name: String,
        role: String,
        active: i64,
        sessions_valid_after: i64,
    }
}

/// The columns of [`CreditorUserRow`] and the tables they come from (`u` the user, `c` the creditor).
const CREDITOR_USER_COLUMNS: &str =
    "u.id, u.creditor_id, c.name, u.email, u.display_name, u.role, u.active, u.sessions_valid_after
     FROM creditor_users u JOIN creditors c ON c.id = u.creditor_id";

impl From<CreditorUserRow> for CreditorMember {
    fn from(r: CreditorUserRow) -> Self {
        CreditorMember {
            id: r.id,
            creditor_id: r.creditor_id,
            creditor_name: r.creditor_name,
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            active: r.active != 0,
            sessions_valid_after_ms: r.sessions_valid_after,
        }
    }
}

#[async_trait]
impl Team for Db {
    async fn staff_member(&self, staff_id: i64) -> StoreResult<Option<StaffMember>> {
        let row: Option<StaffRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff_users WHERE id = $1"
        ))
        .bind(staff_id)
        .fetch_optional(self.pool())
        .await
        .map_err(store_err("load staff member"))?;
        Ok(row.map(StaffMember::from))
    }

    async fn creditor_member(&self, user_id: i64) -> StoreResult<Option<CreditorMember>> {
        let row: Option<CreditorUserRow> =
            sqlx::query_as(&format!("SELECT {CREDITOR_USER_COLUMNS} WHERE u.id = $1"))
                .bind(user_id)
                .fetch_optional(self.pool())
                .await
                .map_err(store_err("load creditor user"))?;
        Ok(row.map(CreditorMember::from))
    }

    async fn list_staff(&self, agency_id: i64) -> StoreResult<Vec<StaffMember>> {
        let rows: Vec<StaffRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff_users WHERE agency_id = $1 ORDER BY display_name, id"
        ))
        .bind(agency_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("list staff"))?;
        Ok(rows.into_iter().map(StaffMember::from).collect())
    }

    async fn creditor_users(&self, creditor_id: i64) -> StoreResult<Vec<CreditorMember>> {
        let rows: Vec<CreditorUserRow> = sqlx::query_as(&format!(
            "SELECT {CREDITOR_USER_COLUMNS} WHERE u.creditor_id = $1 ORDER BY u.display_name, u.id"
        ))
        .bind(creditor_id)
        .fetch_all(self.pool())
        .await
        .map_err(store_err("load creditor users"))?;
        Ok(rows.into_iter().map(CreditorMember::from).collect())
    }

    async fn create_member(
        &self,
        member: NewMember,
        audit: AuditEntry,
    ) -> StoreResult<Option<i64>> {
        let err = store_err("create an account");
        let (table, tenant) = accounts_table(member.realm);
        let mut tx = self.begin_write().await.map_err(&err)?;
        let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(&format!(
            "INSERT INTO {table} ({tenant}, email, display_name, password_hash, role,
                                  must_change_password, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $7, $6, $6) RETURNING id"
        ))
        .bind(member.tenant_id)
        .bind(&member.email)
        .bind(&member.display_name)
        .bind(&member.password_hash)
        .bind(member.role)
        .bind(audit.at_ms)
        .bind(i64::from(member.must_change_password))
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(err(e)),
        };
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(Some(id))
    }

    async fn set_member_active(
        &self,
        realm: Realm,
        tenant_id: i64,
        account_id: i64,
        active: bool,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let (table, tenant) = accounts_table(realm);
        let sql = format!(
            "UPDATE {table} SET active = $3, updated_at = $4 WHERE id = $1 AND {tenant} = $2"
        );
        let query = sqlx::query(&sql)
            .bind(account_id)
            .bind(tenant_id)
            .bind(i64::from(active))
            .bind(audit.at_ms);
        let changed = self
            .execute_audited("set an account active", query, &audit)
            .await?;
        Ok(changed == 1)
    }

    async fn reset_sign_in(
        &self,
        realm: Realm,
        tenant_id: i64,
        account_id: i64,
        hash: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let err = store_err("reset a sign-in");
        let (table, tenant) = accounts_table(realm);
        let owner = session_owner_column(realm);
        let mut tx = self.begin_write().await.map_err(&err)?;
        let changed = sqlx::query(&format!(
            "UPDATE {table} SET password_hash = $3, must_change_password = 1, totp_secret = NULL,
                                totp_last_step = NULL, sessions_valid_after = $4, updated_at = $4
             WHERE id = $1 AND {tenant} = $2"
        ))
        .bind(account_id)
        .bind(tenant_id)
        .bind(hash)
        .bind(audit.at_ms)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        if changed.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(&format!("DELETE FROM sessions WHERE {owner} = $1"))
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        // A reset lifts the account's lock, too.
        sqlx::query("DELETE FROM attempt_windows WHERE scope = $1 AND subject = $2")
            .bind(app::server::limits::SIGN_IN_ACCOUNT.scope)
            .bind(app::server::staff::account_subject(realm, account_id))
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        insert_audit(&mut tx, &audit).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(true)
    }
}
