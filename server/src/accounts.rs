//! `server create-user`: the first administrator (and any later account) from the command line.

use crate::db::Db;
use app::domain::work::Role;
use app::error::FormErrors;
use app::server::credentials::hash_access_code;

/// Creates a staff account in the first agency, or with `creditor` a user of that creditor
/// (roles `owner` and `viewer`). Every problem is named in plain words.
pub async fn create_user(
    db: &Db,
    email: &str,
    name: &str,
    role: &str,
    password: &str,
    now_ms: i64,
    creditor: Option<i64>,
) -> anyhow::Result<i64> {
    let email = email.trim().to_lowercase();
    let name = name.trim();
    if !app::server::contact::plausible_email(&email) {
        anyhow::bail!("\"{email}\" is not an email address");
    }
    if name.is_empty() {
        anyhow::bail!("the name must not be empty");
    }
    let role = match creditor {
        None => Role::from_code(role).map(Role::code).ok_or_else(|| {
            anyhow::anyhow!("unknown role \"{role}\": use handler, supervisor or admin")
        })?,
        Some(_) => match role {
            "owner" | "viewer" => role,
            "admin" => "owner",
            _ => {
                anyhow::bail!("unknown role \"{role}\" for a creditor's user: use owner or viewer")
            }
        },
    };
    let hash = checked_hash(&email, password).await?;
    let (table, tenant) = crate::db::accounts_table(match creditor {
        Some(_) => app::server::ports::Realm::Creditor,
        None => app::server::ports::Realm::Staff,
    });
    if let Some(id) = creditor {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM creditors WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
        if known.is_none() {
            anyhow::bail!("there is no creditor {id}");
        }
    }
    let existing: Option<i64> =
        sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE email = $1"))
            .bind(&email)
            .fetch_optional(db.pool())
            .await?;
    if existing.is_some() {
        anyhow::bail!("there is already an account for {email}");
    }
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO {table} (email, display_name, password_hash, role, {tenant}, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id"
    ))
    .bind(&email)
    .bind(name)
    .bind(&hash)
    .bind(role)
    .bind(creditor.unwrap_or(1))
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    let detail = serde_json::json!({ "email": email, "role": role, "creditor": creditor });
    crate::db::insert_audit(&mut tx, &cli_audit(now_ms, "account.created", detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// An audit entry of the operator's command line.
fn cli_audit(
    now_ms: i64,
    action: &'static str,
    detail: serde_json::Value,
) -> app::server::ports::AuditEntry {
    app::server::ports::AuditEntry {
        at_ms: now_ms,
        actor_kind: "system",
        actor_id: Some("cli".into()),
        case_id: None,
        action,
        detail: detail.to_string(),
        request_id: None,
    }
}

/// The Argon2id hash of an acceptable password for `email`, or the problem in plain words.
async fn checked_hash(email: &str, password: &str) -> anyhow::Result<String> {
    let problems =
        app::server::staff::check_password(FormErrors::default(), "password", password, email);
    if let Some(p) = problems.fields.get("password").and_then(|p| p.first()) {
        anyhow::bail!(
            "the password is not acceptable: {}",
            p.message(app::domain::Language::En)
        );
    }
    argon2_hash(password.to_string()).await
}

/// The Argon2id hash of a password or access code, computed in turn with other Argon2 work
/// (`credentials::argon2_batch_work`).
pub(crate) async fn argon2_hash(secret: String) -> anyhow::Result<String> {
    app::server::credentials::argon2_batch_work(move || hash_access_code(&secret))
        .await
        .map_err(|e| anyhow::anyhow!("Argon2 work not done: {e:?}"))?
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// `server reset-sign-in`: a new first password for an account whose password or authenticator
/// app is lost. Two-step sign-in is removed, a lock lifted and every session ended; the first
/// password must be replaced at the next sign-in.
pub async fn reset_sign_in(
    db: &Db,
    email: &str,
    creditor: bool,
    password: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    let hash = checked_hash(&email, password).await?;
    let realm = if creditor {
        app::server::ports::Realm::Creditor
    } else {
        app::server::ports::Realm::Staff
    };
    let (table, tenant) = crate::db::accounts_table(realm);
    let account: Option<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT id, {tenant} FROM {table} WHERE email = $1"
    ))
    .bind(&email)
    .fetch_optional(db.pool())
    .await?;
    let Some((id, tenant_id)) = account else {
        let portal = if creditor { "creditor" } else { "staff" };
        anyhow::bail!("there is no {portal} account for {email}");
    };
    let detail = serde_json::json!({ "account": id, "realm": realm.name() });
    let audit = cli_audit(now_ms, "account.sign_in_reset", detail);
    use app::server::ports::Team;
    if !db.reset_sign_in(realm, tenant_id, id, &hash, audit).await? {
        anyhow::bail!("the account of {email} changed meanwhile; nothing was reset");
    }
    Ok(())
}

/// `server create-api-key`: a key for the creditor's system, for set-ups by script. Returns the
/// key, which exists in clear only in this answer.
pub async fn create_api_key(
    db: &Db,
    creditor_id: i64,
    name: &str,
    now_ms: i64,
) -> anyhow::Result<String> {
    use app::server::api_keys::{new_api_key, shown_prefix};
    use app::server::ports::{ApiKeys, AuditEntry, Creditors, NewApiKey};
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        anyhow::bail!("--name must have 1 to 80 characters");
    }
    if db.creditor_name(creditor_id).await?.is_none() {
        anyhow::bail!("there is no creditor {creditor_id}");
    }
    let key = new_api_key();
    let prefix = shown_prefix(&key);
    let audit = AuditEntry {
        at_ms: now_ms,
        actor_kind: "system",
        actor_id: Some("cli".into()),
        case_id: None,
        action: "api_key.created",
        detail: serde_json::json!({ "name": name, "prefix": prefix, "creditor_id": creditor_id })
            .to_string(),
        request_id: None,
    };
    db.create_api_key(
        NewApiKey {
            creditor_id,
            name: name.to_string(),
            prefix,
            key_hash: app::server::credentials::hash_token(&key),
            created_by: None,
            at_ms: now_ms,
        },
        audit,
    )
    .await?;
    Ok(key)
}
