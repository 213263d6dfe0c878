//! The debtor's pages: start (reference + code), verification by link, and the case.

pub(crate) mod case;
mod check;
mod contact;
mod dialogue;
mod pay;
pub(crate) mod plan;
mod start;
mod verify;

pub use case::CasePage;
pub use check::CheckPage;
pub use contact::ContactPage;
pub use dialogue::{DisputePage, MessagePage, PaidPage};
pub use pay::PayPage;
pub use plan::PlanPage;
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

/// The error a plain (non-`ActionForm`) form post to `path` left in the address after redirecting
/// back without JavaScript (`?__path=…&__err=…`), for forms that cannot use a `ServerAction`, such
/// as file uploads.
pub(crate) fn url_error(path: &'static str) -> Signal<Option<AppError>> {
    use leptos::server_fn::error::ServerFnUrlError;
    let query = leptos_router::hooks::use_query_map();
    Signal::derive(move || {
        query.with(|q| {
            (q.get("__path").as_deref() == Some(path))
                .then(|| q.get("__err"))
                .flatten()
                .map(|e| ServerFnUrlError::<AppError>::decode_err(&e))
        })
    })
}

/// The kept value of `field` from a form error.
pub(crate) fn kept(error: Signal<Option<AppError>>, field: &'static str) -> Signal<String> {
    Signal::derive(move || {
        error
            .get()
            .and_then(|e| e.form_errors().and_then(|f| f.values.get(field).cloned()))
            .unwrap_or_default()
    })
}
