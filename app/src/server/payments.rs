//! Online payment: a hosted checkout at the provider for all or part of the balance, and booking
//! the payment once the provider's signed webhook confirms it — exactly once per provider event.

use crate::domain::{Currency, Language, Money};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::emails;
use crate::server::ports::{AuditEntry, Booking, CheckoutRequest, OnlinePayment, QueuedEmail};
use crate::server::ports::{CasePages, OnlinePayments, Plans};
use crate::server::{host_of, today, AppState};

/// Opens a checkout for `amount` (empty: the whole balance) and returns the provider's page.
pub async fn start<S: CasePages + OnlinePayments + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    amount: &str,
    lang: Language,
) -> Result<String, AppError> {
    let provider = state.provider.clone().ok_or(AppError::NotFound)?;
    let today = today(state)?;
    let case = state
        .store
        .case_view(case_id, today)
        .await?
        .ok_or(AppError::NotFound)?;
    let balance = case.summary.balance;
    let amount = if amount.trim().is_empty() {
        balance
    } else {
        Money::parse(amount, lang, Currency::EUR).map_err(|_| {
            AppError::Validation(
                FormErrors::default()
                    .field("amount", Problem::InvalidAmount)
                    .keep("amount", amount),
            )
        })?
    };
    if amount.minor <= 0 || amount.minor > balance.minor {
        return Err(AppError::Validation(
            FormErrors::default()
                .field("amount", Problem::InvalidAmount)
                .keep("amount", &amount.format(lang)),
        ));
    }
    let now = state.clock.now_ms();
    let id = state
        .store
        .create_online_payment(case_id, provider.name(), amount, now)
        .await?;
    let base = state.settings.base_url.trim_end_matches('/');
    let session = provider
        .create_checkout(&CheckoutRequest {
            case_id,
            reference: case.reference.clone(),
            amount,
            description: format!("{} – {}", case.creditor.name, case.reference),
            success_url: format!("{base}/case/pay?online=done"),
            cancel_url: format!("{base}/case/pay?online=cancelled"),
            locale: lang.code().to_string(),
            idempotency_key: format!("rapport-checkout-{id}"),
        })
        .await
        .map_err(|_| AppError::Unreachable)?;
    state.store.attach_session(id, &session.id, now).await?;
    Ok(session.url)
}

/// Books a checkout the provider reports as paid. Unknown sessions are logged and ignored (they
/// are not ours); a repeated event changes nothing.
pub async fn book<S: OnlinePayments + Plans + ?Sized>(
    state: &AppState<S>,
    provider: &str,
    event_id: &str,
    event_kind: &str,
    session_id: &str,
) -> Result<Option<Booking>, AppError> {
    let Some(payment) = state.store.online_payment_by_session(session_id).await? else {
        tracing::warn!(
            session_id,
            "provider event for an unknown checkout session; ignored"
        );
        return Ok(None);
    };
    let today = today(state)?;
    let email = receipt(state, &payment, event_id).await?;
    let audit = AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "system",
        actor_id: Some(provider.to_string()),
        case_id: Some(payment.case_id),
        action: "payment.online",
        detail: format!(
            r#"{{"event":"{event_id}","amount_minor":{}}}"#,
            payment.amount.minor
        ),
        request_id: None,
    };
    let booking = state
        .store
        .book_provider_payment(
            provider,
            event_id,
            event_kind,
            &payment,
            today,
            audit,
            email,
            &state.settings.base_url,
        )
        .await?;
    Ok(Some(booking))
}

async fn receipt<S: Plans + ?Sized>(
    state: &AppState<S>,
    payment: &OnlinePayment,
    event_id: &str,
) -> Result<Option<QueuedEmail>, AppError> {
    let today = today(state)?;
    let Some(c) = state.store.plan_context(payment.case_id, today).await? else {
        return Ok(None);
    };
    let Some(to) = c.debtor_email.clone() else {
        return Ok(None);
    };
    let base = state.settings.base_url.trim_end_matches('/');
    let (subject, text, html) = emails::payment_received(
        c.debtor_language,
        &c.debtor_name,
        &c.reference,
        payment.amount,
        today,
        &format!("{base}/"),
    );
    Ok(Some(QueuedEmail {
        dedupe_key: format!("payment:{event_id}:receipt"),
        debtor_id: c.debtor_id,
        to,
        time_zone: c.time_zone,
        subject,
        text,
        html,
        host: host_of(base),
    }))
}

#[cfg(test)]
mod tests;
