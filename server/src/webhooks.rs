//! The webhook relay: delivers queued webhooks to the creditor's system, signed with HMAC-SHA256
//! over `{timestamp}.{body}` (header `Rapport-Signature: t=…,v1=…`, as Stripe does), retried with
//! backoff until the receiver answers 2xx, given up after the last attempt and shown as failed in
//! the creditor's delivery log. The event id lets the receiver ignore a repeat.

use crate::db::Db;
use app::domain::webhook::{allowed_url, is_public};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// The `Rapport-Signature` value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// The HTTP client of the relay: short timeouts, no redirects (a redirect could lead elsewhere).
pub fn client() -> reqwest::Client {
    builder().build().unwrap_or_default()
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Rapport-Webhooks/1")
}

/// The client for one delivery to `url`: the host is resolved here and every address must be
/// public (so that a creditor cannot make Rapport call into the agency's own network), and the
/// connection is pinned to the addresses checked (so that DNS cannot answer differently a moment
/// later). Plain-HTTP loopback addresses (development, tests) keep the shared client.
async fn client_for(url: &str, shared: &reqwest::Client) -> Result<reqwest::Client, String> {
    if !allowed_url(url) {
        return Err(
            "the address is not allowed (HTTPS to a public address, or HTTP to this machine)"
                .into(),
        );
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("the address is invalid: {e}"))?;
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    if matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1") {
        return Ok(shared.clone());
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("the host cannot be resolved: {e}"))?
        .collect();
    if addresses.is_empty() {
        return Err("the host cannot be resolved".into());
    }
    if let Some(private) = addresses.iter().find(|a| !is_public(a.ip())) {
        return Err(format!(
            "the host resolves to {}, which is not a public address",
            private.ip()
        ));
    }
    builder()
        .resolve_to_addrs(&host, &addresses)
        .build()
        .map_err(|e| format!("no client: {e}"))
}

/// Delivers the due webhooks once; returns how many were attempted.
pub async fn deliver_due(db: &Db, client: &reqwest::Client, now_ms: i64) -> anyhow::Result<usize> {
    let leased = db.lease_webhooks(now_ms, 50).await?;
    let attempted = leased.len();
    for (id, url, secret, event_id, payload, attempts) in leased {
        let (status, error) = match client_for(&url, client).await {
            Err(refused) => (None, Some(refused)),
            Ok(client) => {
                let sent = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("rapport-event-id", &event_id)
                    .header(
                        "rapport-signature",
                        signature(&secret, now_ms / 1_000, &payload),
                    )
                    .body(payload)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
                    Ok(r) => (
                        Some(r.status().as_u16()),
                        Some(format!("the receiver answered {}", r.status())),
                    ),
                    Err(e) => (None, Some(format!("not delivered: {e}"))),
                }
            }
        };
        if let Some(e) = &error {
            tracing::warn!(delivery = id, error = %e, "webhook not delivered");
        }
        db.record_webhook_attempt(id, now_ms, status, error.as_deref(), attempts)
            .await?;
    }
    Ok(attempted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_and_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec
        assert_eq!(
            signature("whsec", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032"
        );
    }
}
