//! The debtor's session: which case it may see, and since when. Stored server-side by
//! tower-sessions; the browser holds only a random session id.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const DEBTOR_KEY: &str = "debtor";

/// What a verified debtor session grants: access to exactly one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebtorSession {
    pub case_id: i64,
    pub verified_at_ms: i64,
    /// The last request of this session (for the idle timeout).
    #[serde(default)]
    pub last_seen_ms: i64,
}

/// A debtor session ends after 15 idle minutes. Checked here, by the application's clock; the
/// cookie lives longer (staff sessions may idle for 30 minutes and share the cookie settings).
pub const DEBTOR_IDLE_MS: i64 = 15 * 60_000;

fn internal(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal
}

/// Binds the session to `case_id` after a successful verification. The session id is cycled first
/// so that an id planted before verification (session fixation) is worthless afterwards.
pub async fn start_debtor_session(
    session: &Session,
    case_id: i64,
    now_ms: i64,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(
            DEBTOR_KEY,
            DebtorSession {
                case_id,
                verified_at_ms: now_ms,
                last_seen_ms: now_ms,
            },
        )
        .await
        .map_err(internal)
}

/// The verified debtor of this session, or `Unauthenticated` when there is none, when it was
/// idle longer than [`DEBTOR_IDLE_MS`] or verified longer than `absolute_ms` ago.
pub async fn current_debtor(
    session: &Session,
    now_ms: i64,
    absolute_ms: i64,
) -> Result<DebtorSession, AppError> {
    let debtor: Option<DebtorSession> = session.get(DEBTOR_KEY).await.map_err(internal)?;
    match debtor {
        Some(d)
            if now_ms - d.verified_at_ms <= absolute_ms
                && now_ms - d.last_seen_ms.max(d.verified_at_ms) <= DEBTOR_IDLE_MS =>
        {
            // Writing the session on every request would cost a write per click; once a minute
            // is enough for a 15-minute idle limit.
            if now_ms - d.last_seen_ms > 60_000 {
                let touched = DebtorSession {
                    last_seen_ms: now_ms,
                    ..d
                };
                session
                    .insert(DEBTOR_KEY, touched)
                    .await
                    .map_err(internal)?;
            }
            Ok(d)
        }
        Some(_) => {
            session.flush().await.map_err(internal)?;
            Err(AppError::Unauthenticated)
        }
        None => Err(AppError::Unauthenticated),
    }
}

/// Ends the session entirely (sign-out).
pub async fn end_session(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(internal)
}
