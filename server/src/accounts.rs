//! `server create-user`: the first administrator (and any later account) from the command line.

use crate::db::audit::system_entry;
use crate::db::Db;
use app::domain::work::Role;
use app::error::FormErrors;
use app::server::credentials::hash_access_code;
use app::server::ports::{Creditors, Logins, NewMember, Realm, Team};

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
            "owner" | "admin" => "owner",
            "viewer" => "viewer",
            _ => {
                anyhow::bail!("unknown role \"{role}\" for a creditor's user: use owner or viewer")
            }
        },
    };
    let hash = checked_hash(&email, password).await?;
    if let Some(id) = creditor {
        if db.creditor_name(id).await?.is_none() {
            anyhow::bail!("there is no creditor {id}");
        }
    }
    let detail = serde_json::json!({ "email": email, "role": role, "creditor": creditor });
    let member = NewMember {
        realm: if creditor.is_some() {
            Realm::Creditor
        } else {
            Realm::Staff
        },
        // Staff accounts belong to the agency the first start created.
        tenant_id: creditor.unwrap_or(1),
        email: email.clone(),
        display_name: name.to_string(),
        role,
        password_hash: hash,
        // The administrator chose this password themselves.
        must_change_password: false,
    };
    let audit = system_entry(now_ms, "cli", "account.created", detail);
    match db.create_member(member, audit).await? {
        Some(id) => Ok(id),
        None => anyhow::bail!("there is already an account for {email}"),
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
        Realm::Creditor
    } else {
        Realm::Staff
    };
    let Some(account) = db.login_by_email(realm, &email).await? else {
        let portal = if creditor { "creditor" } else { "staff" };
        anyhow::bail!("there is no {portal} account for {email}");
    };
    let (id, tenant_id) = (account.id, account.tenant_id);
    let detail = serde_json::json!({ "account": id, "realm": realm.name() });
    let audit = system_entry(now_ms, "cli", "account.sign_in_reset", detail);
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
    use app::server::ports::{ApiKeys, NewApiKey};
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        anyhow::bail!("--name must have 1 to 80 characters");
    }
    if db.creditor_name(creditor_id).await?.is_none() {
        anyhow::bail!("there is no creditor {creditor_id}");
    }
    let key = new_api_key();
    let prefix = shown_prefix(&key);
    let detail = serde_json::json!({ "name": name, "prefix": prefix, "creditor_id": creditor_id });
    let audit = system_entry(now_ms, "cli", "api_key.created", detail);
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
