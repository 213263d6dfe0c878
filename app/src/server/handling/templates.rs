//! The agency's reply templates: choosing, saving and previewing them on a real case.

use super::case_page::placeholders;
use super::{handler_case, MAX_TEXT};
use crate::domain::work::Role;
use crate::domain::{template, Language};
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::{AuditEntry, CasePages, HandlerCases, Template, Templates};
use crate::server::staff::Staff;
use crate::server::{today, AppState};
use std::collections::BTreeMap;

/// The templates for a language and class: per key, the class's own version if there is one,
/// else the one for every class.
pub fn pick_templates(
    all: Vec<Template>,
    lang: Language,
    class_key: Option<&str>,
) -> Vec<Template> {
    let mut by_key: BTreeMap<String, Template> = BTreeMap::new();
    for t in all.into_iter().filter(|t| t.language == lang.code()) {
        let specific = class_key.is_some_and(|k| k == t.class_key);
        if !(specific || t.class_key.is_empty()) {
            continue;
        }
        let replace = by_key
            .get(&t.key)
            .is_none_or(|old| old.class_key.is_empty() && specific);
        if replace {
            by_key.insert(t.key.clone(), t);
        }
    }
    by_key.into_values().collect()
}

/// Saves a template after checking its placeholders (supervisors).
pub async fn save_template<S: Templates + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    t: Template,
    request_id: Option<String>,
) -> Result<(), AppError> {
    if !staff.role.includes(Role::Supervisor) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FormErrors::default()
        .keep("key", &t.key)
        .keep("title", &t.title)
        .keep("body", &t.body)
        .keep("class_key", &t.class_key)
        .keep("language", &t.language);
    let key_ok = !t.key.is_empty()
        && t.key.len() <= 40
        && t.key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !key_ok {
        errors = errors.field("key", Problem::InvalidFormat);
    }
    if Language::from_code(&t.language).is_none() {
        errors = errors.field("language", Problem::InvalidFormat);
    }
    if t.title.trim().is_empty() {
        errors = errors.field("title", Problem::Required);
    }
    if t.body.trim().is_empty() {
        errors = errors.field("body", Problem::Required);
    } else if t.body.chars().count() > MAX_TEXT {
        errors = errors.field(
            "body",
            Problem::TooLong {
                max: MAX_TEXT as u32,
            },
        );
    } else if let Err(e) = template::check(&t.body) {
        errors = errors.field("body", Problem::Template(e.to_string()));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let audit = AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "staff",
        actor_id: Some(staff.id.to_string()),
        case_id: None,
        action: "staff.template_saved",
        detail: serde_json::json!({ "key": t.key, "language": t.language, "class": t.class_key })
            .to_string(),
        request_id,
    };
    state
        .store
        .save_template(staff.agency_id, t, staff.id, audit)
        .await
        .map_err(AppError::from)
}

/// Renders a template body for a real case of the agency (the supervisor's preview).
pub async fn preview_template<S: CasePages + HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    body: &str,
    reference: &str,
) -> Result<String, AppError> {
    let case_id = state
        .store
        .case_by_reference(
            staff.agency_id,
            &crate::domain::access::normalize_reference(reference),
        )
        .await?
        .ok_or_else(|| {
            AppError::Validation(
                FormErrors::default().field("reference", Problem::UnknownReference),
            )
        })?;
    let c = handler_case(state, staff, case_id).await?;
    let balance = state
        .store
        .case_view(case_id, today(state)?)
        .await?
        .map(|v| v.summary.balance)
        .ok_or(AppError::NotFound)?;
    template::render(body, &placeholders(state, staff, &c, balance)).map_err(|e| {
        AppError::Validation(FormErrors::default().field("body", Problem::Template(e.to_string())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ports::Template;

    fn t(key: &str, lang: &str, class: &str) -> Template {
        Template {
            key: key.into(),
            language: lang.into(),
            class_key: class.into(),
            title: format!("{key}/{lang}/{class}"),
            body: "x".into(),
        }
    }

    #[test]
    fn a_class_specific_template_wins_over_the_general_one_in_the_right_language() {
        let all = vec![
            t("thanks", "de", ""),
            t("thanks", "de", "key_account"),
            t("thanks", "en", "key_account"),
            t("reminder", "de", ""),
            t("reminder", "de", "strict"),
        ];
        let picked = pick_templates(all.clone(), Language::De, Some("key_account"));
        let titles: Vec<_> = picked.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, vec!["reminder/de/", "thanks/de/key_account"]);
        let picked = pick_templates(all, Language::De, None);
        let titles: Vec<_> = picked.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, vec!["reminder/de/", "thanks/de/"]);
    }
}
