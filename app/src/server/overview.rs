//! The creditor's overview: cases by state, money recovered, open disputes, agreed plans, and the
//! cases themselves with filters — the same rows the CSV export writes. Owners move a debtor's
//! running case to another treatment class from here, and pause its reminders ("we will call them
//! ourselves") for some days, after which the dunning engine resumes them and tells the creditor.

use crate::domain::case_state::CaseState;
use crate::domain::case_state::{transition, Actor, CaseEvent, HoldReason};
use crate::domain::{Currency, Money};
use crate::dto::{CreditorMember, CreditorOverview, OverviewFilter};
use crate::error::AppError;
use crate::error::{FormErrors, Problem};
use crate::server::ports::{AuditEntry, Effects, Stored};
use crate::server::ports::{CreditorCases, Overview, Remittances};
use crate::server::AppState;

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
pub async fn page<S: Overview + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
    filter: &OverviewFilter,
) -> Result<CreditorOverview, AppError> {
    let store = &state.store;
    let now = state.clock.now_ms();
    let figures = store
        .overview_figures(member.creditor_id, now - 30 * 86_400_000)
        .await?;
    let (rows, matching) = store
        .overview_rows(
            member.creditor_id,
            filter,
            Some((filter.page, PER_PAGE)),
            crate::server::today(state)?,
        )
        .await?;
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
        passed_on: Money::new(figures.passed_on_minor, Currency::EUR),
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
pub async fn move_case<S: CreditorCases + ?Sized>(
    state: &AppState<S>,
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
        .store
        .move_case(member.creditor_id, case_id, class_key.trim(), audit)
        .await?;
    if moved {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The longest pause a creditor sets in one go, in days.
pub const MAX_PAUSE_DAYS: i64 = 90;

/// Reads the number of days of a pause: a whole number from 1 to [`MAX_PAUSE_DAYS`].
pub fn pause_days(raw: &str) -> Result<u64, FormErrors> {
    let problem = match raw.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_PAUSE_DAYS).contains(&n) => return Ok(n.unsigned_abs()),
        _ if raw.trim().is_empty() => Problem::Required,
        _ => Problem::Range {
            min: 1,
            max: MAX_PAUSE_DAYS,
        },
    };
    // The field sits in a table row: the problem is named above the table as well.
    let mut errors = FormErrors::default()
        .keep("days", raw)
        .field("days", problem.clone());
    errors.form.push(problem);
    Err(errors)
}

/// An owner pauses the reminders of a running case for `days` days ("we will call them
/// ourselves"). A case already on hold keeps its state and gets the longer pause. Returns the
/// first day reminders may run again.
pub async fn pause_case<S: CreditorCases + ?Sized>(
    state: &AppState<S>,
    member: &CreditorMember,
    case_id: i64,
    days: &str,
    request_id: Option<String>,
) -> Result<chrono::NaiveDate, AppError> {
    let days = pause_days(days).map_err(AppError::Validation)?;
    let now = state.clock.now_ms();
    let today = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.date_naive())
        .ok_or(AppError::Internal)?;
    let until = today + chrono::Days::new(days);
    let Some(current) = state.store.case_state(member.creditor_id, case_id).await? else {
        return Err(AppError::NotFound);
    };
    let next = if current == CaseState::OnHold {
        current
    } else {
        transition(current, CaseEvent::HoldPlaced, Actor::Creditor)
            .map_err(|_| AppError::Conflict)?
    };
    let detail = serde_json::json!({ "days": days, "until": until.to_string() }).to_string();
    let effects = Effects {
        expected_state: current,
        new_state: next,
        hold: Some((HoldReason::CreditorPause, today, Some(until))),
        event_kind: "creditor_pause",
        event_detail: detail.clone(),
        audit: AuditEntry {
            at_ms: now,
            actor_kind: "creditor",
            actor_id: Some(member.id.to_string()),
            case_id: Some(case_id),
            action: "case.paused",
            detail,
            request_id,
        },
    };
    match state
        .store
        .pause_case(member.creditor_id, case_id, effects)
        .await?
    {
        Stored::New(_) | Stored::Duplicate => Ok(until),
        Stored::StateChanged => Err(AppError::Conflict),
    }
}

/// The creditor's remittance reports.
pub async fn remittances<S: Remittances + ?Sized>(
    state: &AppState<S>,
    member: CreditorMember,
) -> Result<crate::dto::RemittancesPage, AppError> {
    let (remittances, pending) = state.store.remittances(member.creditor_id).await?;
    Ok(crate::dto::RemittancesPage {
        member,
        remittances,
        pending: Money::new(pending, Currency::EUR),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_is_one_to_ninety_days() {
        assert_eq!(pause_days(" 14 "), Ok(14));
        assert_eq!(pause_days("90"), Ok(90));
        for bad in ["0", "91", "-3", "zwei", "1.5"] {
            let e = pause_days(bad).expect_err(bad);
            assert_eq!(
                e.fields.get("days"),
                Some(&vec![Problem::Range { min: 1, max: 90 }]),
                "{bad}"
            );
            assert_eq!(e.values.get("days").map(String::as_str), Some(bad), "kept");
        }
        assert_eq!(
            pause_days("").expect_err("empty").fields.get("days"),
            Some(&vec![Problem::Required])
        );
    }

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
