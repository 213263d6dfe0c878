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

    /// The client's key for limits per client: its address as the server found it (behind
    /// trusted proxies the forwarded one, IPv6 by /64 network; see the server's `client` module).
    pub async fn client_address() -> String {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.extensions
                    .get::<crate::server::limits::ClientKey>()
                    .map(|k| k.0.clone())
            })
            .unwrap_or_else(|| {
                tracing::error!("no client key in the request: the client layer is missing");
                "unknown".into()
            })
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
