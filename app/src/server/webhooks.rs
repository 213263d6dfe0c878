//! The creditor's webhook settings: where the creditor's system receives case events, the secret
//! they are signed with, and the delivery log. Owners set the address and renew the secret;
//! viewers see the log only.

use crate::domain::webhook::allowed_url;
use crate::dto::{CreditorMember, WebhooksPage};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::Webhooks;
use crate::server::AppState;

/// Deliveries the log shows.
const SHOWN: i64 = 50;

/// A fresh signing secret: `rws_` and 32 random bytes in URL-safe base64.
pub fn new_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "rws_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

use crate::server::creditor_audit as audit;

/// The settings and the newest deliveries; the secret only for owners.
pub async fn page<S: Webhooks + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
) -> Result<WebhooksPage, AppError> {
    let store = &state.store;
    let (url, secret) = store.webhook_settings(member.creditor_id).await?;
    let deliveries = store.webhook_deliveries(member.creditor_id, SHOWN).await?;
    let owner = member.role == "owner";
    Ok(WebhooksPage {
        member,
        url,
        secret: secret.filter(|_| owner),
        deliveries,
    })
}

/// Sets the address (an empty one switches webhooks off); the first address gets a secret.
pub async fn set_url<S: Webhooks + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    url: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let url = url.trim();
    if !url.is_empty() && !allowed_url(url, state.settings.webhook_loopback) {
        return Err(AppError::Validation(
            FormErrors::default()
                .field("url", Problem::NotHttps)
                .keep("url", url),
        ));
    }
    let (_, secret) = state.store.webhook_settings(member.creditor_id).await?;
    let (url, secret) = if url.is_empty() {
        (None, secret)
    } else {
        (
            Some(url.to_string()),
            Some(secret.unwrap_or_else(new_secret)),
        )
    };
    let entry = audit(
        state,
        member,
        "webhook.address_set",
        serde_json::json!({ "url": url }),
        request_id,
    );
    state
        .store
        .set_webhook(member.creditor_id, url, secret, entry)
        .await
        .map_err(AppError::from)
}

/// Replaces the signing secret; webhooks sent from now on carry the new one.
pub async fn renew_secret<S: Webhooks + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let (url, _) = state.store.webhook_settings(member.creditor_id).await?;
    if url.is_none() {
        return Err(AppError::Conflict);
    }
    let entry = audit(
        state,
        member,
        "webhook.secret_renewed",
        serde_json::json!({}),
        request_id,
    );
    state
        .store
        .set_webhook(member.creditor_id, url, Some(new_secret()), entry)
        .await
        .map_err(AppError::from)
}

/// Sends a given-up webhook again.
pub async fn retry<S: Webhooks + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    delivery_id: i64,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let entry = audit(
        state,
        member,
        "webhook.retried",
        serde_json::json!({ "delivery": delivery_id }),
        request_id,
    );
    if state
        .store
        .retry_webhook(member.creditor_id, delivery_id, entry)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
