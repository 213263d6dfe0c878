//! Staff accounts: login (Argon2id, the same answer and the same work for every failure, a
//! lockout per account and a limit per client address), sessions that expire when idle and
//! after a working day, password changes, and accounts created by supervisors.

use crate::domain::work::Role;
use crate::dto::StaffMember;
use crate::error::{AppError, FormErrors, Problem};
use crate::server::account::{finish_sign_in, pending_key, PendingSignIn};
use crate::server::credentials::{dummy_verify, hash_access_code, verify_access_code};
use crate::server::ports::{AuditEntry, Realm};
use crate::server::ports::{AuditLog, Logins, Team};
use crate::server::{limits, AppState};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// A staff session ends after 30 idle minutes …
pub const STAFF_IDLE_MS: i64 = 30 * 60_000;
/// … or 12 hours after login, however active.
pub const STAFF_ABSOLUTE_MS: i64 = 12 * 3_600_000;
/// Passwords: at least this long (NIST SP 800-63B: length over composition rules) …
pub const MIN_PASSWORD: usize = 12;
/// … and at most this long (Argon2 input stays bounded).
pub const MAX_PASSWORD: usize = 128;
/// A signed-in staff member or creditor user, as stored in the session (under the realm's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    /// The account (a staff member or a creditor's user).
    pub account_id: i64,
    /// The agency (staff) or the creditor.
    pub tenant_id: i64,
    pub started_ms: i64,
    pub last_seen_ms: i64,
    /// When this session last proved the password (login or password change).
    #[serde(default)]
    pub auth_ms: i64,
    /// What the account must do before anything else (first password, two-step sign-in).
    #[serde(default)]
    pub setup: Option<Setup>,
}

/// Set-up an account owes before it may do anything but finish it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Setup {
    /// The first password was chosen by someone else and must be replaced.
    ChangePassword,
    /// Two-step sign-in is required and not set up yet.
    TwoStep,
}

impl Setup {
    /// The name the account page knows it by.
    pub fn code(self) -> &'static str {
        match self {
            Setup::ChangePassword => "password",
            Setup::TwoStep => "two_step",
        }
    }
}

/// How a correct password goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in (perhaps with set-up still owed).
    Done,
    /// The code of the authenticator app is asked next.
    CodeNeeded,
}

/// The staff member of a request, with the role read fresh from the database (a role taken away
/// or an account deactivated takes effect at the next request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: i64,
    pub agency_id: i64,
    pub role: Role,
    pub name: String,
}

pub(crate) fn session_err(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal
}

fn staff_audit<S: ?Sized>(
    state: &AppState<S>,
    staff_id: Option<i64>,
    action: &'static str,
    detail: String,
    request_id: Option<String>,
) -> AuditEntry {
    realm_audit(state, Realm::Staff, staff_id, action, detail, request_id)
}

pub(crate) fn realm_audit<S: ?Sized>(
    state: &AppState<S>,
    realm: Realm,
    account_id: Option<i64>,
    action: &'static str,
    detail: String,
    request_id: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: realm.name(),
        actor_id: account_id.map(|id| id.to_string()),
        case_id: None,
        action,
        detail,
        request_id,
    }
}

/// The one answer to every failed login.
fn login_failed(email: &str) -> AppError {
    let mut e = FormErrors::default().form(Problem::LoginFailed);
    e.values.insert("email".into(), email.to_string());
    AppError::Validation(e)
}

/// Checks email and password. Unknown accounts, wrong passwords, locked and deactivated accounts
/// and a client over its limit all get the same message after the same Argon2 work.
pub async fn login<S: AuditLog + Logins + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    realm: Realm,
    email: &str,
    password: &str,
    client: &str,
    request_id: Option<String>,
) -> Result<SignIn, AppError> {
    let email = email.trim().to_lowercase();
    let mut errors = FormErrors::default();
    if email.is_empty() {
        errors = errors.field("email", Problem::Required);
    }
    if password.is_empty() {
        errors = errors.field("password", Problem::Required);
    }
    if !errors.is_empty() {
        errors.values.insert("email".into(), email);
        return Err(AppError::Validation(errors));
    }
    let now = state.clock.now_ms();
    let attempts = state.attempts.as_ref();
    // Both counters are reserved before the password is checked, so that a burst of parallel
    // tries gets no more of them than the limits allow; a success gives its tries back.
    let client_try = limits::reserve(attempts, limits::SIGN_IN_CLIENT, client, now).await?;
    let account = state.store.login_by_email(realm, &email).await?;
    let account_try = match account.as_ref().filter(|_| client_try.allowed()) {
        Some(a) => Some(
            limits::reserve(
                attempts,
                limits::SIGN_IN_ACCOUNT,
                &account_subject(realm, a.id),
                now,
            )
            .await?,
        ),
        None => None,
    };
    let unlocked = account_try.as_ref().is_some_and(limits::Ticket::allowed);
    let usable = account
        .as_ref()
        .filter(|a| client_try.allowed() && unlocked && a.active);
    let hash = usable.map(|a| a.password_hash.clone());
    let password = password.chars().take(MAX_PASSWORD).collect::<String>();
    let ok = crate::server::credentials::argon2_work(move || match hash {
        Some(h) => verify_access_code(&password, &h),
        None => {
            dummy_verify(&password);
            false
        }
    })
    .await?;
    match (usable, ok, &account_try) {
        (Some(a), true, Some(account_try)) => {
            client_try.give_back(attempts).await?;
            if a.totp_secret.is_some() {
                // The code still has to come: its failures count against the same account limit.
                account_try.give_back(attempts).await?;
                // Half signed in: the session learns only which account waits for its code.
                session.cycle_id().await.map_err(session_err)?;
                session
                    .insert(
                        pending_key(realm),
                        PendingSignIn {
                            account_id: a.id,
                            tenant_id: a.tenant_id,
                            at_ms: now,
                        },
                    )
                    .await
                    .map_err(session_err)?;
                Ok(SignIn::CodeNeeded)
            } else {
                account_try.clear(attempts).await?;
                finish_sign_in(state, session, realm, a, request_id).await?;
                Ok(SignIn::Done)
            }
        }
        _ => {
            let outcome = match &account {
                _ if !client_try.allowed() => "client_limited",
                None => "unknown_account",
                Some(a) if !a.active => "inactive",
                Some(_) if !unlocked => "locked",
                _ => "wrong_password",
            };
            let action = match realm {
                Realm::Staff => "staff.login_failed",
                Realm::Creditor => "creditor.login_failed",
            };
            let audit = realm_audit(
                state,
                realm,
                account.as_ref().map(|a| a.id),
                action,
                format!(r#"{{"outcome":"{outcome}"}}"#),
                request_id,
            );
            state.store.append_audit(audit).await?;
            Err(login_failed(&email))
        }
    }
}

/// The subject of an account's sign-in counter.
pub fn account_subject(realm: Realm, account_id: i64) -> String {
    format!("{}:{account_id}", realm.name())
}

/// The signed-in staff member, if the session is neither idle too long nor too old and the
/// account is still active with at least `required` as its role.
pub async fn current_staff<S: Team + ?Sized>(
    state: &AppState<S>,
    session: &Session,
    required: Role,
) -> Result<Staff, AppError> {
    let now = state.clock.now_ms();
    let s = live_session(session, Realm::Staff, now).await?;
    let member = state.store.staff_member(s.account_id).await?.filter(|m| {
        m.active && m.agency_id == s.tenant_id && s.auth_ms >= m.sessions_valid_after_ms
    });
    let Some(member) = member else {
        session.flush().await.map_err(session_err)?;
        return Err(AppError::Unauthenticated);
    };
    if s.setup.is_some() {
        return Err(AppError::SetupRequired);
    }
    let role = Role::from_code(&member.role).ok_or(AppError::Internal)?;
    if !role.includes(required) {
        return Err(AppError::Forbidden);
    }
    touch(session, Realm::Staff, s, now).await?;
    Ok(Staff {
        id: member.id,
        agency_id: member.agency_id,
        role,
        name: member.display_name,
    })
}

/// The session of `realm` if it is neither idle too long nor too old (else it ends here).
pub(crate) async fn live_session(
    session: &Session,
    realm: Realm,
    now: i64,
) -> Result<StaffSession, AppError> {
    let s: StaffSession = session
        .get(realm.name())
        .await
        .map_err(session_err)?
        .ok_or(AppError::Unauthenticated)?;
    if now - s.last_seen_ms > STAFF_IDLE_MS || now - s.started_ms > STAFF_ABSOLUTE_MS {
        session.flush().await.map_err(session_err)?;
        return Err(AppError::Unauthenticated);
    }
    Ok(s)
}

/// Ends the session (sign-out, or an account that is gone, inactive or re-keyed).
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_err)
}

/// Records the request's time in the session. Writing the session on every request would cost a
/// write per click; once a minute is enough for a 30-minute idle limit.
pub(crate) async fn touch(
    session: &Session,
    realm: Realm,
    s: StaffSession,
    now: i64,
) -> Result<(), AppError> {
    if now - s.last_seen_ms > 60_000 {
        session
            .insert(
                realm.name(),
                StaffSession {
                    last_seen_ms: now,
                    ..s
                },
            )
            .await
            .map_err(session_err)?;
    }
    Ok(())
}

/// Ends the staff session.
pub async fn logout<S: AuditLog + ?Sized>(
    state: &AppState<S>,
    session: &Session,
) -> Result<(), AppError> {
    if let Ok(Some(s)) = session.get::<StaffSession>(Realm::Staff.name()).await {
        let audit = staff_audit(state, Some(s.account_id), "staff.logout", "{}".into(), None);
        state.store.append_audit(audit).await?;
    }
    session.flush().await.map_err(session_err)
}

/// Whether a password is easy to guess (ASVS 2.1.7): zxcvbn's estimate, which knows the passwords
/// of public breach lists, common words and names, keyboard patterns, dates and the user's own
/// email, is below "safely unguessable" (score 3: about 10^8 guesses).
fn guessable(password: &str, email: &str) -> bool {
    let local = email.split('@').next().unwrap_or_default();
    zxcvbn::zxcvbn(password, &[email, local]).score() < zxcvbn::Score::Three
}

/// The problems of a new password, if any.
pub fn check_password(errors: FormErrors, field: &str, password: &str, email: &str) -> FormErrors {
    let len = password.chars().count();
    if len < MIN_PASSWORD {
        errors.field(
            field,
            Problem::TooShort {
                min: MIN_PASSWORD as u32,
            },
        )
    } else if len > MAX_PASSWORD {
        errors.field(
            field,
            Problem::TooLong {
                max: MAX_PASSWORD as u32,
            },
        )
    } else if password.trim().eq_ignore_ascii_case(email.trim()) {
        errors.field(field, Problem::PasswordIsEmail)
    } else if guessable(password, email) {
        errors.field(field, Problem::PasswordGuessable)
    } else {
        errors
    }
}

/// The checked email and name of a new account (staff or a creditor's user) and every problem
/// with them and the password; the non-secret values are kept for the form.
pub(crate) fn check_new_account(
    email: &str,
    display_name: &str,
    password: &str,
) -> (FormErrors, String, String) {
    let email = email.trim().to_lowercase();
    let display_name = display_name.trim().to_string();
    let mut errors = FormErrors::default();
    if email.is_empty() {
        errors = errors.field("email", Problem::Required);
    } else if !crate::server::contact::plausible_email(&email) {
        errors = errors.field("email", Problem::InvalidFormat);
    }
    if display_name.is_empty() {
        errors = errors.field("display_name", Problem::Required);
    } else if display_name.chars().count() > 100 {
        errors = errors.field("display_name", Problem::TooLong { max: 100 });
    }
    errors = check_password(errors, "password", password, &email)
        .keep("email", &email)
        .keep("display_name", &display_name);
    (errors, email, display_name)
}

pub(crate) async fn hash(password: String) -> Result<String, AppError> {
    crate::server::credentials::argon2_work(move || hash_access_code(&password))
        .await?
        .map_err(|_| AppError::Internal)
}

/// The accounts of the member's agency.
pub async fn list_staff<S: Team + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
) -> Result<Vec<StaffMember>, AppError> {
    state
        .store
        .list_staff(staff.agency_id)
        .await
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_must_be_long_and_not_the_email() {
        let e = check_password(FormErrors::default(), "p", "short", "a@b.example");
        assert!(e.fields.contains_key("p"));
        let e = check_password(
            FormErrors::default(),
            "p",
            "a@b.example.de",
            "a@b.example.de",
        );
        assert_eq!(e.fields.get("p"), Some(&vec![Problem::PasswordIsEmail]));
        assert!(check_password(
            FormErrors::default(),
            "p",
            "correct horse battery",
            "a@b.example"
        )
        .is_empty());
    }

    #[test]
    fn leaked_and_patterned_passwords_are_refused_sentences_are_not() {
        for weak in ["password1234", "passwort12345", "qwertzuiop12"] {
            let e = check_password(FormErrors::default(), "p", weak, "chefin@agentur.example");
            assert_eq!(
                e.fields.get("p"),
                Some(&vec![Problem::PasswordGuessable]),
                "{weak}"
            );
        }
        for strong in [
            "ein langes erstes passwort",
            "korrekt pferd batterie klammer",
        ] {
            assert!(
                check_password(FormErrors::default(), "p", strong, "a@b.example").is_empty(),
                "{strong}"
            );
        }
    }
}
