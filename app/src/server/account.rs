//! The signed-in person's own sign-in, the same for staff and creditor users: the second step of
//! a sign-in (the code of an authenticator app), a first password replaced before anything else,
//! and two-step sign-in set up by scanning a QR code and confirming one code.
//!
//! These are the only things a session may do while its account still has set-up to finish
//! ([`Setup`]); every other staff or creditor function answers `SetupRequired` until then.

use crate::dto::{AccountSecurity, OwnSession, TwoStepEnrolment};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::credentials::{hash_token, verify_access_code};
use crate::server::ports::{AccountSessions, AuditLog, Logins};
use crate::server::ports::{Realm, StaffLogin};
use crate::server::staff::{
    account_subject, check_password, hash, live_session, realm_audit, session_err, Setup,
    StaffSession, MAX_PASSWORD, STAFF_ABSOLUTE_MS, STAFF_IDLE_MS,
};
use crate::server::{limits, sealing, totp, AppState};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// How long the code may take after the password was accepted.
pub const CODE_WAIT_MS: i64 = 5 * 60_000;
/// How long a key shown for setting up may wait for its confirming code.
pub const ENROL_WAIT_MS: i64 = 15 * 60_000;

/// A sign-in whose password was right and whose code is still to come (kept in the session, never
/// in the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingSignIn {
    pub account_id: i64,
    pub tenant_id: i64,
    pub at_ms: i64,
}

/// A key shown for setting up two-step sign-in, waiting for its first code; sealed with the
/// session key, so that the session row never holds it in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Enrolment {
    sealed_secret: String,
    at_ms: i64,
}

impl Enrolment {
    fn secret<S: ?Sized>(&self, state: &AppState<S>, realm: Realm) -> Option<String> {
        state
            .settings
            .session_key
            .open_own(enrol_key(realm), &self.sealed_secret)
    }
}

pub(crate) fn pending_key(realm: Realm) -> &'static str {
    match realm {
        Realm::Staff => "staff_pending",
        Realm::Creditor => "creditor_pending",
    }
}

fn enrol_key(realm: Realm) -> &'static str {
    match realm {
        Realm::Staff => "staff_enrol",
        Realm::Creditor => "creditor_enrol",
    }
}

/// What a sealed secret of this account is bound to.
fn sealing_context(realm: Realm, account_id: i64) -> String {
    format!("{}:{account_id}", realm.name())
}

/// The account's TOTP key, opened (`None` when none is set up, or when it cannot be opened —
/// then the server's key is missing or wrong, which is logged).
fn totp_key<S: ?Sized>(state: &AppState<S>, realm: Realm, account: &StaffLogin) -> Option<String> {
    let stored = account.totp_secret.as_deref()?;
    let key = state.settings.sealing_key.as_ref();
    let opened = sealing::open(key, &sealing_context(realm, account.id), stored);
    if opened.is_none() {
        tracing::error!(
            account_id = account.id,
            realm = realm.name(),
            "a two-step sign-in key does not open: RAPPORT_SECRET_KEY is missing or not the key it was sealed with"
        );
    }
    opened
}

/// The audit action of `realm`.
fn action(realm: Realm, staff: &'static str, creditor: &'static str) -> &'static str {
    match realm {
        Realm::Staff => staff,
        Realm::Creditor => creditor,
    }
}

/// What the account must do before anything else, judged at sign-in and after each step.
pub(crate) fn setup_of<S: ?Sized>(state: &AppState<S>, account: &StaffLogin) -> Option<Setup> {
    if account.must_change_password {
        Some(Setup::ChangePassword)
    } else if state.settings.require_two_step && account.totp_secret.is_none() {
        Some(Setup::TwoStep)
    } else {
        None
    }
}

/// Completes a sign-in: counts it, gives the browser a new session id and binds the session to
/// the account (with the set-up it still owes).
pub(crate) async fn finish_sign_in<S: Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
    account: &StaffLogin,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let now = state.clock.now_ms();
    let entry = realm_audit(
        state,
        realm,
        Some(account.id),
        action(realm, "staff.login", "creditor.login"),
        serde_json::json!({ "two_step": account.totp_secret.is_some() }).to_string(),
        request_id,
    );
    state
        .store
        .record_login_success(realm, account.id, entry)
        .await?;
    session.cycle_id().await.map_err(session_err)?;
    let _: Option<PendingSignIn> = session
        .remove(pending_key(realm))
        .await
        .map_err(session_err)?;
    session
        .insert(
            realm.name(),
            StaffSession {
                account_id: account.id,
                tenant_id: account.tenant_id,
                started_ms: now,
                last_seen_ms: now,
                auth_ms: now,
                setup: setup_of(state, account),
            },
        )
        .await
        .map_err(session_err)
}

/// The one answer to every failed code (wrong, used before, late, account locked or client over
/// its limit).
fn code_failed() -> AppError {
    AppError::Validation(FormErrors::default().field("code", Problem::CodeFailed))
}

/// The second step of a sign-in: the code of the account's authenticator app. Wrong codes count
/// towards the account's lockout like wrong passwords; a code is accepted only once.
pub async fn sign_in_code<S: AuditLog + Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
    code: &str,
    client: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let now = state.clock.now_ms();
    let pending: Option<PendingSignIn> =
        session.get(pending_key(realm)).await.map_err(session_err)?;
    let Some(pending) = pending.filter(|p| now - p.at_ms <= CODE_WAIT_MS) else {
        return Err(AppError::Unauthenticated);
    };
    let account = state
        .store
        .login_by_id(realm, pending.account_id)
        .await?
        .filter(|a| a.active && a.tenant_id == pending.tenant_id);
    let Some(account) = account else {
        session.flush().await.map_err(session_err)?;
        return Err(AppError::Unauthenticated);
    };
    let attempts = state.attempts.as_ref();
    // Reserved before the code is checked: parallel codes get no more tries than the limits allow.
    let client_try = limits::reserve(attempts, limits::SIGN_IN_CLIENT, client, now).await?;
    let account_try = limits::reserve(
        attempts,
        limits::SIGN_IN_ACCOUNT,
        &account_subject(realm, account.id),
        now,
    )
    .await?;
    let (allowed, unlocked) = (client_try.allowed(), account_try.allowed());
    let step = totp_key(state, realm, &account)
        .filter(|_| allowed && unlocked)
        .and_then(|secret| totp::matching_step(&secret, code, now, account.totp_last_step));
    let accepted = match step {
        Some(step) => state.store.use_totp_step(realm, account.id, step).await?,
        None => false,
    };
    if accepted {
        client_try.give_back(attempts).await?;
        account_try.clear(attempts).await?;
        return finish_sign_in(state, session, realm, &account, request_id).await;
    }
    let outcome = match (allowed, unlocked) {
        (false, _) => "client_limited",
        (_, false) => "locked",
        _ => "wrong_code",
    };
    let entry = realm_audit(
        state,
        realm,
        Some(account.id),
        action(realm, "staff.code_failed", "creditor.code_failed"),
        serde_json::json!({ "outcome": outcome }).to_string(),
        request_id,
    );
    state.store.append_audit(entry).await?;
    Err(code_failed())
}

/// The signed-in account of `realm`, even while it still owes set-up (only the account's own page
/// calls this; everything else goes through `current_staff` / `current_creditor`).
pub(crate) async fn own_account<S: Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
) -> Result<(StaffSession, StaffLogin), AppError> {
    let now = state.clock.now_ms();
    let s = live_session(session, realm, now).await?;
    let account = state
        .store
        .login_by_id(realm, s.account_id)
        .await?
        .filter(|a| {
            a.active && a.tenant_id == s.tenant_id && s.auth_ms >= a.sessions_valid_after_ms
        });
    match account {
        Some(a) => Ok((s, a)),
        None => {
            session.flush().await.map_err(session_err)?;
            Err(AppError::Unauthenticated)
        }
    }
}

/// What the account page shows about signing in.
pub async fn security<S: AccountSessions + Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
) -> Result<AccountSecurity, AppError> {
    let (s, account) = own_account(state, session, realm).await?;
    describe(state, session, realm, s, account).await
}

/// What the account page shows about signing in, for an account `own_account` returned.
pub(crate) async fn describe<S: AccountSessions + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
    s: StaffSession,
    account: StaffLogin,
) -> Result<AccountSecurity, AppError> {
    let now = state.clock.now_ms();
    let enrolment: Option<Enrolment> = session.get(enrol_key(realm)).await.map_err(session_err)?;
    let enrolment = enrolment
        .filter(|e| now - e.at_ms <= ENROL_WAIT_MS)
        .and_then(|e| e.secret(state, realm))
        .map(|secret| {
            let uri = totp::otpauth_uri(&state.settings.agency.name, &account.email, &secret);
            TwoStepEnrolment {
                qr_svg: totp::qr_svg(&uri).unwrap_or_default(),
                secret,
            }
        });
    let current = current_handle(session);
    let sessions = state
        .store
        .account_sessions(
            realm,
            account.id,
            now - STAFF_IDLE_MS,
            now - STAFF_ABSOLUTE_MS,
        )
        .await?
        .into_iter()
        .map(|(handle, started_ms, last_active_ms)| OwnSession {
            current: current.as_deref() == Some(handle.as_str()),
            handle,
            started_ms,
            last_active_ms,
        })
        .collect();
    Ok(AccountSecurity {
        email: account.email,
        two_step: account.totp_secret.is_some(),
        two_step_required: state.settings.require_two_step,
        setup: s.setup.map(|x| x.code().to_string()),
        enrolment,
        sessions,
    })
}

/// How the session store names this request's session (SHA-256 of its id).
fn current_handle(session: &Session) -> Option<String> {
    session.id().map(|id| hash_token(&id.to_string()))
}

/// Ends another session of one's own account (a browser left signed in elsewhere). The session of
/// this request is ended by signing out instead.
pub async fn end_session<S: AccountSessions + Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
    handle: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let (_, account) = own_account(state, session, realm).await?;
    if current_handle(session).as_deref() == Some(handle) {
        return Err(AppError::Conflict);
    }
    let entry = realm_audit(
        state,
        realm,
        Some(account.id),
        action(realm, "staff.session_ended", "creditor.session_ended"),
        "{}".into(),
        request_id,
    );
    let ended = state
        .store
        .end_account_session(realm, account.id, handle, entry)
        .await?;
    if ended {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Replaces the password after checking the current one. Every other session of the account ends;
/// this one stays and goes on to the next set-up step, if any.
pub async fn change_password<S: Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
    current: &str,
    new: &str,
    repeat: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let (s, account) = own_account(state, session, realm).await?;
    // A wrong current password counts against the account's sign-in limit: a session left open
    // must not become a way to guess the password at Argon2's speed.
    let attempts = state.attempts.as_ref();
    let account_try = limits::reserve(
        attempts,
        limits::SIGN_IN_ACCOUNT,
        &account_subject(realm, account.id),
        state.clock.now_ms(),
    )
    .await?;
    let stored = account_try.allowed().then(|| account.password_hash.clone());
    let current = current.chars().take(MAX_PASSWORD).collect::<String>();
    let matches = crate::server::credentials::argon2_work(move || match stored {
        Some(stored) => verify_access_code(&current, &stored),
        None => {
            crate::server::credentials::dummy_verify(&current);
            false
        }
    })
    .await?;
    if matches {
        account_try.clear(attempts).await?;
    }
    let mut errors = FormErrors::default();
    if !matches {
        errors = errors.field("current_password", Problem::WrongPassword);
    }
    errors = check_password(errors, "new_password", new, &account.email);
    if new != repeat {
        errors = errors.field("repeat_password", Problem::PasswordsDiffer);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hashed = hash(new.to_string()).await?;
    let entry = realm_audit(
        state,
        realm,
        Some(account.id),
        action(realm, "staff.password_changed", "creditor.password_changed"),
        "{}".into(),
        request_id,
    );
    let at = entry.at_ms;
    state
        .store
        .set_password(realm, account.id, &hashed, entry)
        .await?;
    let changed = StaffLogin {
        must_change_password: false,
        ..account
    };
    session
        .insert(
            realm.name(),
            StaffSession {
                auth_ms: at,
                setup: setup_of(state, &changed),
                ..s
            },
        )
        .await
        .map_err(session_err)
}

/// Draws a new key for two-step sign-in and keeps it in the session until a code confirms it (the
/// account keeps its current key, if any, until then).
pub async fn start_two_step<S: Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
) -> Result<(), AppError> {
    own_account(state, session, realm).await?;
    session
        .insert(
            enrol_key(realm),
            Enrolment {
                sealed_secret: state
                    .settings
                    .session_key
                    .seal(enrol_key(realm), &totp::new_secret())
                    .map_err(|e| {
                        tracing::error!(error = %e, "cannot seal a two-step key being set up");
                        AppError::Internal
                    })?,
                at_ms: state.clock.now_ms(),
            },
        )
        .await
        .map_err(session_err)
}

/// Confirms the key shown with a code from the app; from now on every sign-in asks for a code.
pub async fn confirm_two_step<S: Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
    code: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let (s, account) = own_account(state, session, realm).await?;
    let now = state.clock.now_ms();
    let enrolment: Option<Enrolment> = session.get(enrol_key(realm)).await.map_err(session_err)?;
    let Some(secret) = enrolment
        .filter(|e| now - e.at_ms <= ENROL_WAIT_MS)
        .and_then(|e| e.secret(state, realm))
    else {
        return Err(AppError::Conflict);
    };
    let Some(step) = totp::matching_step(&secret, code, now, None) else {
        return Err(code_failed());
    };
    let sealed = sealing::seal(
        state.settings.sealing_key.as_ref(),
        &sealing_context(realm, account.id),
        &secret,
    )
    .map_err(|e| {
        tracing::error!(error = %e, "cannot seal a two-step sign-in key");
        AppError::Internal
    })?;
    let entry = realm_audit(
        state,
        realm,
        Some(account.id),
        action(realm, "staff.two_step_set_up", "creditor.two_step_set_up"),
        serde_json::json!({ "replaced": account.totp_secret.is_some() }).to_string(),
        request_id,
    );
    state
        .store
        .set_totp(realm, account.id, &sealed, step, entry)
        .await?;
    let _: Option<Enrolment> = session
        .remove(enrol_key(realm))
        .await
        .map_err(session_err)?;
    let enrolled = StaffLogin {
        totp_secret: Some(secret),
        ..account
    };
    session
        .insert(
            realm.name(),
            StaffSession {
                setup: setup_of(state, &enrolled),
                ..s
            },
        )
        .await
        .map_err(session_err)
}
