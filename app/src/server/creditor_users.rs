//! The people of a creditor with access to the portal, as their owners see them. Adding,
//! deactivating and resetting them is team management, the same for both realms (`team`).

use crate::dto::{CreditorMember, CreditorTeamPage};
use crate::error::AppError;
use crate::server::ports::Team;
use crate::server::AppState;

/// The creditor's users.
pub async fn page<S: Team + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
) -> Result<CreditorTeamPage, AppError> {
    let users = state.store.creditor_users(member.creditor_id).await?;
    Ok(CreditorTeamPage { member, users })
}
