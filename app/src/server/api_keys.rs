//! API keys of a creditor for `/api/v1`: created by an owner in the portal and shown exactly once,
//! stored only as a SHA-256 hash (a key is 32 random bytes, far beyond guessing, so a slow hash
//! would only cost time on every request), revoked by an owner at once.

use crate::dto::{ApiKeysPage, CreditorMember};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::credentials::hash_token;
use crate::server::ports::{ApiKeys, AuditEntry, NewApiKey};
use crate::server::AppState;

/// Every key starts with this, so that secret scanners and people recognise it.
pub const KEY_PREFIX: &str = "rpk_";

/// How many characters of a key the portal shows to tell keys apart.
const SHOWN: usize = 12;

/// A fresh key: the prefix and 32 random bytes in URL-safe base64.
pub fn new_api_key() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{KEY_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The first characters of a key, kept to tell keys apart.
pub fn shown_prefix(key: &str) -> String {
    key.chars().take(SHOWN).collect()
}

/// The creditor's keys, and the key created a moment ago if there is one.
pub async fn page<S: ApiKeys + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
    new_key: Option<String>,
) -> Result<ApiKeysPage, AppError> {
    let store = &state.store;
    let keys = store.api_keys(member.creditor_id).await?;
    Ok(ApiKeysPage {
        member,
        keys,
        new_key,
    })
}

/// Creates a key named `name` for the owner's creditor; returns the key in clear, the only time
/// it exists outside the caller's hands.
pub async fn create<S: ApiKeys + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    name: &str,
    request_id: Option<String>,
) -> Result<String, AppError> {
    let name = name.trim();
    let problem = if name.is_empty() {
        Some(Problem::Required)
    } else if name.chars().count() > 80 {
        Some(Problem::TooLong { max: 80 })
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(AppError::Validation(FormErrors::default().field("name", p)));
    }
    let key = new_api_key();
    let now = state.clock.now_ms();
    let prefix = shown_prefix(&key);
    let audit = AuditEntry {
        at_ms: now,
        actor_kind: "creditor",
        actor_id: Some(member.id.to_string()),
        case_id: None,
        action: "api_key.created",
        detail: serde_json::json!({ "name": name, "prefix": prefix }).to_string(),
        request_id,
    };
    state
        .store
        .create_api_key(
            NewApiKey {
                creditor_id: member.creditor_id,
                name: name.to_string(),
                prefix,
                key_hash: hash_token(&key),
                created_by: Some(member.id),
                at_ms: now,
            },
            audit,
        )
        .await?;
    Ok(key)
}

/// Revokes a key of the owner's creditor; another creditor's key is "not found".
pub async fn revoke<S: ApiKeys + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    key_id: i64,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let audit = AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "creditor",
        actor_id: Some(member.id.to_string()),
        case_id: None,
        action: "api_key.revoked",
        detail: serde_json::json!({ "key_id": key_id }).to_string(),
        request_id,
    };
    let revoked = state
        .store
        .revoke_api_key(member.creditor_id, key_id, member.id, audit)
        .await?;
    if revoked {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The creditor a request's `Authorization: Bearer …` value belongs to, if it names a live key.
pub async fn authenticate<S: ApiKeys + ?Sized>(
    store: &S,
    authorization: Option<&str>,
    now_ms: i64,
) -> Result<Option<i64>, AppError> {
    let Some(key) = authorization
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| k.starts_with(KEY_PREFIX) && k.len() < 200)
    else {
        return Ok(None);
    };
    store
        .creditor_for_api_key(&hash_token(key), now_ms)
        .await
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_recognisable() {
        let (a, b) = (new_api_key(), new_api_key());
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        // 32 bytes in base64 without padding are 43 characters.
        assert_eq!(a.len(), KEY_PREFIX.len() + 43);
        assert!(a[KEY_PREFIX.len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
