//! Stripe Checkout over its HTTPS API, and verification of its signed webhooks.

use app::server::ports::{CheckoutRequest, CheckoutSession, PaymentProvider, ProviderError};
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a webhook's timestamp may be from our clock (Stripe's libraries use 5 minutes).
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the timestamp is more than five minutes away from now")]
    Stale,
    #[error("no v1 signature matches")]
    Mismatch,
}

/// Verifies a `Stripe-Signature` header over the raw request body: every `v1` value is a candidate
/// (several appear while a secret is rolled), other schemes such as `v0` are ignored, comparison
/// is constant-time, and the timestamp must be within the tolerance.
pub fn verify_signature(
    header: &str,
    body: &[u8],
    secret: &str,
    now_seconds: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.trim().parse::<i64>().ok(),
            Some(("v1", sig)) => candidates.push(sig.trim().to_string()),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now_seconds - t).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    for candidate in candidates {
        let Ok(bytes) = hex::decode(&candidate) else {
            continue;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .map_err(|_| SignatureError::Malformed)?;
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        if mac.verify_slice(&bytes).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// Computes a valid `Stripe-Signature` header; for test doubles and tests.
pub fn sign(body: &[u8], secret: &str, t: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The Stripe API client.
#[derive(Clone)]
pub struct Stripe {
    client: reqwest::Client,
    base: String,
    secret_key: String,
}

impl Stripe {
    /// `base` is `https://api.stripe.com` in production.
    pub fn new(base: &str, secret_key: &str) -> Stripe {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        Stripe {
            client,
            base: base.trim_end_matches('/').to_string(),
            secret_key: secret_key.to_string(),
        }
    }
}

#[derive(serde::Deserialize)]
struct SessionResponse {
    id: String,
    url: String,
}

#[async_trait]
impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    #[tracing::instrument(skip_all, fields(idempotency_key = %request.idempotency_key))]
    async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, ProviderError> {
        let amount = request.amount.minor.to_string();
        let currency = request.amount.currency.code().to_ascii_lowercase();
        let case_id = request.case_id.to_string();
        let form = [
            ("mode", "payment"),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", currency.as_str()),
            ("line_items[0][price_data][unit_amount]", amount.as_str()),
            (
                "line_items[0][price_data][product_data][name]",
                request.description.as_str(),
            ),
            ("client_reference_id", request.reference.as_str()),
            ("metadata[case_id]", case_id.as_str()),
            ("success_url", request.success_url.as_str()),
            ("cancel_url", request.cancel_url.as_str()),
            ("locale", request.locale.as_str()),
        ];
        let response = self
            .client
            .post(format!("{}/v1/checkout/sessions", self.base))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", &request.idempotency_key)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "Stripe cannot be reached");
                ProviderError
            })?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            tracing::error!(%status, body = %body.chars().take(500).collect::<String>(), "Stripe refused the checkout session");
            return Err(ProviderError);
        }
        let session: SessionResponse = response.json().await.map_err(|e| {
            tracing::error!(error = %e, "unexpected answer from Stripe");
            ProviderError
        })?;
        Ok(CheckoutSession {
            id: session.id,
            url: session.url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str =
        "t=1492774577,v1=7656fc2882a7ca0a651666b36bf2f2f22ee204f54f608f227498a2419f2890b2";

    #[test]
    fn the_reference_test_vector_verifies() {
        assert_eq!(
            verify_signature(VECTOR, br#"{"id":"evt_1"}"#, "whsec_test", 1492774577),
            Ok(())
        );
        assert_eq!(sign(br#"{"id":"evt_1"}"#, "whsec_test", 1492774577), VECTOR);
    }

    #[test]
    fn every_kind_of_bad_signature_is_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let now = 1492774577;
        assert_eq!(
            verify_signature(VECTOR, br#"{"id":"evt_2"}"#, "whsec_test", now),
            Err(SignatureError::Mismatch),
            "changed body"
        );
        assert_eq!(
            verify_signature(VECTOR, body, "whsec_other", now),
            Err(SignatureError::Mismatch),
            "other secret"
        );
        assert_eq!(
            verify_signature(VECTOR, body, "whsec_test", now + 301),
            Err(SignatureError::Stale)
        );
        let only_v0 =
            "t=1492774577,v0=7656fc2882a7ca0a651666b36bf2f2f22ee204f54f608f227498a2419f2890b2";
        assert_eq!(
            verify_signature(only_v0, body, "whsec_test", now),
            Err(SignatureError::Malformed),
            "v0 is ignored"
        );
        let rolled = format!("t=1492774577, v1=00ff, x=1, {}", &VECTOR[13..]);
        assert_eq!(
            verify_signature(&rolled, body, "whsec_test", now),
            Ok(()),
            "one of several v1 values, spaces, unknown keys"
        );
        assert_eq!(
            verify_signature("v1=abc", body, "whsec_test", now),
            Err(SignatureError::Malformed)
        );
    }
}
