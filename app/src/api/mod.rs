//! Server functions, one file per area. Each one authenticates, authorises, calls a use-case and
//! maps the result; no business decision is made here.

pub mod account;
pub mod creditor;
pub mod debtor;
pub mod portal;
pub mod staff;

/// Helpers shared by the server functions of every area.
#[cfg(feature = "ssr")]
pub(crate) mod support {
    use crate::error::AppError;
    use crate::server::AppState;
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    /// The application state provided to Leptos by the server.
    pub fn state() -> Result<AppState, AppError> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            AppError::Internal
        })
    }

    /// The request's session (from the tower-sessions layer).
    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            AppError::Internal
        })
    }

    /// A random key for the next form on a page: a form sent twice carries the same key and is
    /// stored once.
    pub fn fresh_form_key() -> String {
        use rand::RngCore;
        let mut key = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut key);
        hex::encode(key)
    }

    /// The client's address (of the TCP connection; a proxy in front must be trusted to be the
    /// only client), for limits per client.
    pub async fn client_address() -> String {
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|_| "unknown".into())
    }

    /// The `x-request-id` of the current request, for the audit log.
    pub fn request_id() -> Option<String> {
        use_context::<http::request::Parts>().and_then(|p| {
            p.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
    }
}
