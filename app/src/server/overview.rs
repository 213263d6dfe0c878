//! The creditor's overview: cases by state, money recovered, open disputes, agreed plans, and the
//! cases themselves with filters — the same rows the CSV export writes. Owners move a debtor's
//! running case to another treatment class from here.

use crate::domain::case_state::CaseState;
use crate::domain::{Currency, Money};
use crate::dto::{CreditorMember, CreditorOverview, OverviewFilter};
use crate::error::AppError;
use crate::server::ports::AuditEntry;
use crate::server::{internal, AppState};

/// Cases per page.
pub const PER_PAGE: u32 = 25;

/// The states in the order of a case's life, for the figures.
const STATES: [CaseState; 10] = [
    CaseState::Open,
    CaseState::InDialogue,
    CaseState::PlanProposed,
    CaseState::PlanAgreed,
    CaseState::Disputed,
    CaseState::OnHold,
    CaseState::EscalationRequested,
    CaseState::Escalated,
    CaseState::Paid,
    CaseState::Closed,
];

/// The filter as the page's query sends it: unknown states and empty values mean "all".
pub fn filter(
    state: Option<String>,
    class: Option<String>,
    query: Option<String>,
    page: Option<u32>,
) -> OverviewFilter {
    let some = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    OverviewFilter {
        state: some(state).filter(|s| CaseState::from_code(s).is_some()),
        class: some(class),
        query: some(query).map(|q| q.chars().take(100).collect()),
        page: page.unwrap_or(1).max(1),
    }
}

/// The figures and one page of cases.
pub async fn page(
    state: &AppState,
    member: CreditorMember,
    filter: &OverviewFilter,
) -> Result<CreditorOverview, AppError> {
    let store = &state.creditors;
    let now = state.clock.now_ms();
    let figures = store
        .overview_figures(member.creditor_id, now - 30 * 86_400_000)
        .await
        .map_err(internal)?;
    let (rows, matching) = store
        .overview_rows(member.creditor_id, filter, Some((filter.page, PER_PAGE)))
        .await
        .map_err(internal)?;
    let by_state = STATES
        .iter()
        .map(|s| {
            let code = s.code().to_string();
            let n = figures
                .by_state
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(0, |(_, n)| *n);
            (code, n)
        })
        .collect();
    Ok(CreditorOverview {
        member,
        by_state,
        recovered: Money::new(figures.recovered_minor, Currency::EUR),
        recovered_30_days: Money::new(figures.recovered_recent_minor, Currency::EUR),
        open_disputes: figures.open_disputes,
        agreed_plans: figures.agreed_plans,
        classes: figures.classes,
        rows,
        matching,
        page: filter.page,
        per_page: PER_PAGE,
        form_key: String::new(),
    })
}

/// An owner moves a running case of the creditor to another of the creditor's classes; the next
/// decision on the case follows the new class's rules.
pub async fn move_case(
    state: &AppState,
    member: &CreditorMember,
    case_id: i64,
    class_key: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let audit = AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "creditor",
        actor_id: Some(member.id.to_string()),
        case_id: Some(case_id),
        action: "case.class_changed",
        detail: serde_json::json!({ "class": class_key }).to_string(),
        request_id,
    };
    let moved = state
        .creditors
        .move_case(member.creditor_id, case_id, class_key.trim(), audit)
        .await
        .map_err(internal)?;
    if moved {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_unknown_filter_values_mean_all() {
        let f = filter(
            Some("gibt es nicht".into()),
            Some(" ".into()),
            Some("".into()),
            Some(0),
        );
        assert_eq!(
            f,
            OverviewFilter {
                state: None,
                class: None,
                query: None,
                page: 1
            }
        );
        let f = filter(
            Some("disputed".into()),
            Some("strict".into()),
            Some(" Anna ".into()),
            None,
        );
        assert_eq!(f.state.as_deref(), Some("disputed"));
        assert_eq!(f.class.as_deref(), Some("strict"));
        assert_eq!(f.query.as_deref(), Some("Anna"));
    }
}
