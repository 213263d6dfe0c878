//! The handler's case page: the case, its dialogue, its work and the templates to answer with.

use super::handler_case;
use super::templates::pick_templates;
use crate::domain::work::Role;
use crate::domain::{template, Money};
use crate::dto::{HandlerCaseView, RenderedTemplate};
use crate::error::AppError;
use crate::server::ports::{
    AuditEntry, AuditLog, Bank, CasePages, Contacts, Dialogue, HandlerCase, HandlerCases, Templates,
};
use crate::server::staff::Staff;
use crate::server::{today, AppState};
use std::collections::BTreeMap;

/// The placeholder values of a case. `{link}` is the portal's address, never a personal link:
/// a message is stored, and a stored personal link would be a credential lying around; the
/// email that announces the reply carries the personal link.
pub(super) fn placeholders<S: ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    c: &HandlerCase,
    balance: Money,
) -> BTreeMap<&'static str, String> {
    let lang = c.debtor_language;
    BTreeMap::from([
        ("name", c.debtor_name.clone()),
        ("reference", c.reference.clone()),
        ("balance", balance.format(lang).replace('\u{a0}', " ")),
        ("creditor", c.creditor_name.clone()),
        (
            "link",
            format!("{}/", state.settings.base_url.trim_end_matches('/')),
        ),
        ("handler", staff.name.clone()),
    ])
}

/// Everything the handler's case page shows, with the templates for the debtor's language and
/// class rendered for this case.
pub async fn case_page<
    S: AuditLog + Bank + CasePages + Contacts + Dialogue + HandlerCases + Templates + ?Sized,
>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
) -> Result<HandlerCaseView, AppError> {
    let c = handler_case(state, staff, case_id).await?;
    // Every look at a debtor's data by staff is recorded (who, when, which case).
    state
        .store
        .append_audit(AuditEntry {
            at_ms: state.clock.now_ms(),
            actor_kind: "staff",
            actor_id: Some(staff.id.to_string()),
            case_id: Some(case_id),
            action: "case.viewed",
            detail: "{}".into(),
            request_id: None,
        })
        .await?;
    let today = today(state)?;
    let mut case = state
        .store
        .case_view(case_id, today)
        .await?
        .ok_or(AppError::NotFound)?;
    case.supervisory_authority = state.settings.agency.supervisory_authority.clone();
    let dialogue = state.store.dialogue(case_id, today).await?;
    let contact = state.store.contact(case_id).await?.unwrap_or_default();
    let work = state.store.case_work(case_id).await?;
    let values = placeholders(state, staff, &c, case.summary.balance);
    let templates = pick_templates(
        state.store.templates(staff.agency_id).await?,
        c.debtor_language,
        c.class_key.as_deref(),
    )
    .into_iter()
    .filter_map(|t| {
        Some(RenderedTemplate {
            key: t.key,
            title: t.title,
            body: template::render(&t.body, &values).ok()?,
        })
    })
    .collect();
    let bank_entries = state
        .store
        .entries_for_case(staff.agency_id, case_id)
        .await?;
    Ok(HandlerCaseView {
        case_id,
        state: c.state.code().to_string(),
        class_key: c.class_key.clone(),
        escalation_needs_consent: c.escalation_needs_consent,
        case,
        dialogue,
        contact,
        work,
        templates,
        bank_entries,
        can_export: staff.role >= Role::Supervisor,
        form_key: String::new(),
    })
}
