//! The case handler's work: the queue, the case page, and every decision on a case. Each action
//! checks the case belongs to the handler's agency, goes through the case state machine as the
//! handler, is stored once per form (a double click or a re-sent form changes nothing twice),
//! answers the work items it settles, is audited with who/when/what, and tells the debtor by
//! email in their language with a fresh personal link.

mod actions;
mod case_page;
mod digest;
mod disputes;
mod plans;
mod queue;
mod templates;

use crate::domain::case_state::{transition, Actor, CaseEvent, HoldReason};
use crate::domain::work::WorkKind;
use crate::domain::Language;
use crate::error::{AppError, FormErrors, Problem};
use crate::server::credentials::link_to_mint;
use crate::server::ports::{
    AuditEntry, CaseChange, Effects, HandlerAction, HandlerCase, HandlerCases, QueuedEmail,
};
use crate::server::staff::Staff;
use crate::server::{emails, host_of, AppState};
pub use actions::{finish, hold, record_contact, reply, request_escalation, resume};
pub use case_page::case_page;
pub use digest::{queue_digests, DIGEST_HOUR};
pub use disputes::{correct_item, decide_payment_claim, resolve_dispute};
pub use plans::{ask_plan_approval, counter_plan, decide_plan};
pub use queue::{assign, queue, PER_PAGE};
pub use templates::{pick_templates, preview_template, save_template};

/// Length of a reply, answer or note.
pub const MAX_TEXT: usize = 5_000;

pub(super) async fn handler_case<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
) -> Result<HandlerCase, AppError> {
    state
        .store
        .handler_case(staff.agency_id, case_id)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) fn text(
    errors: FormErrors,
    field: &str,
    value: &str,
    required: bool,
) -> (FormErrors, String) {
    let t = value.trim();
    let errors = errors.keep(field, t);
    if required && t.is_empty() {
        (errors.field(field, Problem::Required), String::new())
    } else if t.chars().count() > MAX_TEXT {
        (
            errors.field(
                field,
                Problem::TooLong {
                    max: MAX_TEXT as u32,
                },
            ),
            String::new(),
        )
    } else {
        (errors, crate::domain::text::redact_card_numbers(t))
    }
}

pub(super) fn form_key(key: &str) -> Result<String, AppError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 64 {
        return Err(AppError::Validation(
            FormErrors::default().form(Problem::Malformed),
        ));
    }
    Ok(key.to_string())
}

/// What an action does, before it is stored.
pub(super) struct Act {
    kind: &'static str,
    /// What the handler does, in order.
    events: Vec<CaseEvent>,
    /// What then follows by rule (the state machine's `System` actor), e.g. the creditor's
    /// standing consent to an escalation.
    by_rule: Vec<CaseEvent>,
    hold: Option<(HoldReason, chrono::NaiveDate, Option<chrono::NaiveDate>)>,
    change: CaseChange,
    lift_holds: Vec<HoldReason>,
    done: Vec<WorkKind>,
    detail: serde_json::Value,
    /// The headline and the handler's words of the email to the debtor.
    news: Option<(String, Option<String>)>,
}

impl Act {
    fn new(kind: &'static str, events: Vec<CaseEvent>, change: CaseChange) -> Act {
        Act {
            kind,
            events,
            by_rule: Vec::new(),
            hold: None,
            change,
            lift_holds: Vec::new(),
            done: Vec::new(),
            detail: serde_json::json!({}),
            news: None,
        }
    }
}

/// The email telling the debtor what happened, with a fresh personal link.
fn news_email<S: ?Sized>(
    state: &AppState<S>,
    c: &HandlerCase,
    key: &str,
    headline: &str,
    words: Option<&str>,
) -> Option<QueuedEmail> {
    let to = c.debtor_email.clone()?;
    let link = link_to_mint(&state.settings.base_url);
    let (subject, text, html) = emails::case_news(
        c.debtor_language,
        &c.debtor_name,
        &c.reference,
        headline,
        words,
        &link,
    );
    Some(QueuedEmail {
        dedupe_key: format!("case:{}:staff:{key}", c.case_id),
        debtor_id: c.debtor_id,
        to,
        time_zone: c.time_zone.clone(),
        subject,
        text,
        html,
        host: host_of(&state.settings.base_url),
    })
}

/// Checks the events against the state machine, then stores the action with its effects.
pub(super) async fn perform<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    c: &HandlerCase,
    key: &str,
    act: Act,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let mut next = c.state;
    let steps = act
        .events
        .iter()
        .map(|e| (*e, Actor::Handler))
        .chain(act.by_rule.iter().map(|e| (*e, Actor::System)));
    for (event, actor) in steps {
        next = transition(next, event, actor).map_err(|_| AppError::Conflict)?;
    }
    let detail = act.detail.to_string();
    let email = act
        .news
        .as_ref()
        .and_then(|(headline, words)| news_email(state, c, key, headline, words.as_deref()));
    let action = HandlerAction {
        case_id: c.case_id,
        staff_id: staff.id,
        kind: act.kind,
        submission_key: key.to_string(),
        change: act.change,
        effects: Effects {
            expected_state: c.state,
            new_state: next,
            hold: act.hold,
            event_kind: act.kind,
            event_detail: detail.clone(),
            audit: AuditEntry {
                at_ms: state.clock.now_ms(),
                actor_kind: "staff",
                actor_id: Some(staff.id.to_string()),
                case_id: Some(c.case_id),
                action: act.kind,
                detail: crate::server::audit_detail(&act.detail),
                request_id,
            },
        },
        lift_holds: act.lift_holds,
        done: act.done,
        email,
        base_url: state.settings.base_url.clone(),
    };
    state.store.apply_action(action).await?.into_result()
}

/// Headlines of the emails, in the debtor's language.
pub(super) fn headline(lang: Language, what: &str) -> String {
    let t = crate::i18n::staff_tr(lang);
    (t.news_headline)(what)
}
