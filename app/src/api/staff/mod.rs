//! Server functions of the staff workspace. Each one checks the staff session and the role it
//! needs; the use-cases check that the case belongs to the staff member's agency.
// A server function takes one argument per form field, and the macro's browser-side stub copies
// the signature, so a form with many fields means many arguments.
#![allow(clippy::too_many_arguments)]

mod cases;
mod payments;
mod settings;
mod team;

pub use cases::*;
pub use payments::*;
pub use settings::*;
pub use team::*;

use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::support::{client_address, request_id, session, state},
    crate::domain::work::Role,
    crate::server::staff::{current_staff, Staff},
    crate::server::{staff as accounts, AppState},
};

/// The signed-in staff member with at least `role`.
#[cfg(feature = "ssr")]
async fn signed_in(role: Role) -> Result<(AppState, Staff), AppError> {
    let state = state()?;
    let staff = current_staff(&state, &session().await?, role).await?;
    Ok((state, staff))
}

/// Signs a staff member in.
#[server(endpoint = "staff_login")]
pub async fn staff_login(email: String, password: String) -> Result<(), AppError> {
    let state = state()?;
    let client = client_address().await;
    let next = accounts::login(
        &state,
        &session().await?,
        crate::server::ports::Realm::Staff,
        &email,
        &password,
        &client,
        request_id(),
    )
    .await?;
    leptos_axum::redirect(match next {
        accounts::SignIn::Done => "/staff",
        accounts::SignIn::CodeNeeded => "/staff/login?step=code",
    });
    Ok(())
}

/// Signs the staff member out.
#[server(endpoint = "staff_logout")]
pub async fn staff_logout() -> Result<(), AppError> {
    let state = state()?;
    accounts::logout(&state, &session().await?).await?;
    leptos_axum::redirect("/staff/login");
    Ok(())
}
