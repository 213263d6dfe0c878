//! The queue of open work items and their assignment.

use crate::dto::QueuePage;
use crate::error::AppError;
use crate::server::ports::{AuditEntry, QueueFilter, Team, WorkQueue};
use crate::server::staff::Staff;
use crate::server::AppState;

/// Items per queue page.
pub const PER_PAGE: u32 = 25;

/// The queue as filtered, one page, with the balance of each case today.
pub async fn queue<S: Team + WorkQueue + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    mut filter: QueueFilter,
) -> Result<QueuePage, AppError> {
    filter.per_page = PER_PAGE;
    let (items, total) = state
        .store
        .queue(staff.agency_id, &filter, crate::server::today(state)?)
        .await?;
    let creditors = state.store.creditors(staff.agency_id).await?;
    let staff_list = state
        .store
        .list_staff(staff.agency_id)
        .await?
        .into_iter()
        .filter(|m| m.active)
        .map(|m| (m.id, m.display_name))
        .collect();
    Ok(QueuePage {
        items,
        total,
        page: filter.page,
        per_page: PER_PAGE,
        now_ms: state.clock.now_ms(),
        creditors,
        staff: staff_list,
        me: staff.id,
        form_key: String::new(),
    })
}

/// Assigns a queue item to a colleague of the same agency, or to nobody.
pub async fn assign<S: WorkQueue + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    item_id: i64,
    assignee: Option<i64>,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let audit = AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "staff",
        actor_id: Some(staff.id.to_string()),
        case_id: None,
        action: "staff.assign",
        detail: serde_json::json!({ "item": item_id, "assignee": assignee }).to_string(),
        request_id,
    };
    if state
        .store
        .assign(staff.agency_id, item_id, assignee, audit)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
