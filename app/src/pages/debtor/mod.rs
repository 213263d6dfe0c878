//! The debtor's pages: start (reference + code), verification by link, and the case.

mod case;
mod start;
mod verify;

pub use case::CasePage;
pub use start::StartPage;
pub use verify::VerifyPage;

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error of an action's last run, as a signal for fields and alerts.
fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A value kept by the server after a failed submission (see `FormErrors::values`).
fn kept_value<S>(action: ServerAction<S>, field: &'static str) -> Signal<String>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.form_errors().and_then(|f| f.values.get(field).cloned()))
            .unwrap_or_default()
    })
}
