//! The webhook relay: delivers queued webhooks to the creditor's system, signed with HMAC-SHA256
//! over `{timestamp}.{body}` (header `Rapport-Signature: t=…,v1=…`, as Stripe does), retried with
//! backoff until the receiver answers 2xx, given up after the last attempt and shown as failed in
//! the creditor's delivery log. The event id lets the receiver ignore a repeat.

use crate::db::webhooks::Leased;
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

/// How long one delivery may take at most: the name lookup, then connecting, sending and the
/// answer.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Deliveries of one batch sent at once, to different receivers; one receiver gets one at a time,
/// so a slow receiver holds up only its own deliveries.
const RECEIVERS_AT_ONCE: usize = 8;

/// How the relay sends: whether it may post to this machine. Each delivery gets its own HTTP
/// client, pinned to the addresses its host was checked at ([`client_for`]).
#[derive(Debug, Clone, Copy)]
pub struct Sender {
    allow_loopback: bool,
}

/// The relay's sender. Loopback receivers only with `allow_loopback`
/// (`RAPPORT_WEBHOOK_ALLOW_LOOPBACK`, tests and development).
pub fn client(allow_loopback: bool) -> Sender {
    Sender { allow_loopback }
}

/// Short timeouts, no redirects (a redirect could lead elsewhere), no proxy from the environment (a
/// proxy would resolve the name again, behind the check).
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent("Rapport-Webhooks/1")
}

/// Why a delivery was not sent: the creditor reads only that it was not delivered; the detail
/// (an address the name resolved to, a socket error) goes to the server's log alone, so that the
/// delivery log cannot be used to probe the agency's network.
const NOT_DELIVERED: &str = "not delivered";

/// The client for one delivery to `url`: the host is resolved here (within a time limit) and
/// every address must be public (so that a creditor cannot make Rapport call into the agency's
/// own network), and the connection is pinned to the addresses checked (so that DNS cannot
/// answer differently a moment later).
async fn client_for(url: &str, sender: &Sender) -> Result<reqwest::Client, String> {
    if !allowed_url(url, sender.allow_loopback) {
        return Err("the address is not allowed".into());
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("the address is invalid: {e}"))?;
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<std::net::SocketAddr> = tokio::time::timeout(
        LOOKUP_TIMEOUT,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    .map_err(|_| "the host name was not resolved in time".to_string())?
    .map_err(|e| format!("the host cannot be resolved: {e}"))?
    .collect();
    if addresses.is_empty() {
        return Err("the host cannot be resolved".into());
    }
    let loopback = |ip: std::net::IpAddr| sender.allow_loopback && ip.is_loopback();
    if let Some(private) = addresses
        .iter()
        .find(|a| !is_public(a.ip()) && !loopback(a.ip()))
    {
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

/// One delivery: the status the receiver answered, or why it was not sent (for the log).
async fn send(sender: &Sender, lease: &Leased, sent_at_ms: i64) -> (Option<u16>, Option<String>) {
    let (id, url, secret, event_id, payload, _) = lease;
    let client = match client_for(url, sender).await {
        Ok(client) => client,
        Err(refused) => {
            tracing::warn!(delivery = id, error = %refused, "webhook not delivered");
            return (None, Some(NOT_DELIVERED.into()));
        }
    };
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("rapport-event-id", event_id)
        // Signed when it leaves, so that a receiver checking the timestamp's age never sees one
        // from the start of a long batch.
        .header(
            "rapport-signature",
            signature(secret, sent_at_ms / 1_000, payload),
        )
        .body(payload.clone())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
        Ok(r) => {
            let status = r.status();
            tracing::warn!(delivery = id, %status, "webhook refused by the receiver");
            (
                Some(status.as_u16()),
                Some(format!(
                    "not delivered: the receiver answered {}",
                    status.as_u16()
                )),
            )
        }
        Err(e) => {
            tracing::warn!(delivery = id, error = %e, "webhook not delivered");
            (None, Some(NOT_DELIVERED.into()))
        }
    }
}

/// Delivers the due webhooks once; returns how many were attempted.
///
/// The batch's deliveries are grouped by receiver (host and port): receivers are served side by
/// side, a receiver's own deliveries one after the other. No delivery starts later than
/// [`crate::db::webhooks::LEASE_MS`] minus the longest a delivery can take after the lease was
/// taken, so none is still under way when its lease runs out and another instance leases it again;
/// what did not start is released for the next batch.
pub async fn deliver_due(db: &Db, sender: &Sender, now_ms: i64) -> anyhow::Result<usize> {
    use futures_util::StreamExt;
    let leased = db.lease_webhooks(now_ms, 50).await?;
    let started = std::time::Instant::now();
    let latest_start =
        Duration::from_millis(u64::try_from(crate::db::webhooks::LEASE_MS).unwrap_or(60_000))
            .saturating_sub(LOOKUP_TIMEOUT + REQUEST_TIMEOUT + Duration::from_secs(5));
    let mut receivers: Vec<(String, Vec<Leased>)> = Vec::new();
    for lease in leased {
        let key = url::Url::parse(&lease.1)
            .map(|u| {
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or_default(),
                    u.port_or_known_default().unwrap_or(0)
                )
            })
            .unwrap_or_default();
        match receivers.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(lease),
            None => receivers.push((key, vec![lease])),
        }
    }
    let attempted = futures_util::stream::iter(receivers)
        .map(|(_, list)| async move {
            let mut attempted = 0;
            for lease in list {
                if started.elapsed() > latest_start {
                    // Too late to start within the lease: handed back for the next batch.
                    db.release_webhook(lease.0, now_ms).await?;
                    continue;
                }
                let at = now_ms + i64::try_from(started.elapsed().as_millis()).unwrap_or(0);
                let (status, error) = send(sender, &lease, at).await;
                db.record_webhook_attempt(lease.0, now_ms, status, error.as_deref(), lease.5)
                    .await?;
                attempted += 1;
            }
            Ok::<usize, sqlx::Error>(attempted)
        })
        .buffer_unordered(RECEIVERS_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    let mut total = 0;
    for a in attempted {
        total += a?;
    }
    Ok(total)
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
