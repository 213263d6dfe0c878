//! The case handler's work: the queue, the case page, and every decision on a case. Each action
//! checks the case belongs to the handler's agency, goes through the case state machine as the
//! handler, is stored once per form (a double click or a re-sent form changes nothing twice),
//! answers the work items it settles, is audited with who/when/what, and tells the debtor by
//! email in their language with a fresh personal link.

use crate::domain::case_state::{transition, Actor, CaseEvent, CaseState, HoldReason};
use crate::domain::plan::{evaluate, policy_for_balance, Decision, PlanReason};
use crate::domain::template;
use crate::domain::work::{Role, WorkKind};
use crate::domain::{Language, Money};
use crate::dto::{HandlerCaseView, QueuePage, RenderedTemplate};
use crate::error::{AppError, FormErrors, Problem};
use crate::forms::PlanInput;
use crate::server::credentials::link_to_mint;
use crate::server::ports::{
    AuditEntry, CaseChange, Effects, HandlerAction, HandlerCase, NewPlan, QueueFilter, QueuedEmail,
    Template,
};
use crate::server::ports::{
    AuditLog, Bank, CasePages, Contacts, Dialogue, HandlerCases, Plans, StaffDigest, Team,
    Templates, WorkQueue,
};
use crate::server::staff::Staff;
use crate::server::{emails, host_of, today, AppState};
use std::collections::BTreeMap;

/// Items per queue page.
pub const PER_PAGE: u32 = 25;
/// Length of a reply, answer or note.
pub const MAX_TEXT: usize = 5_000;

/// The queue as filtered, one page, with the balance of each case today.
pub async fn queue<S: Team + WorkQueue + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    mut filter: QueueFilter,
) -> Result<QueuePage, AppError> {
    filter.per_page = PER_PAGE;
    let (items, total) = state.store.queue(staff.agency_id, &filter).await?;
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

async fn handler_case<S: HandlerCases + ?Sized>(
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

/// The placeholder values of a case. `{link}` is the portal's address, never a personal link:
/// a message is stored, and a stored personal link would be a credential lying around; the
/// email that announces the reply carries the personal link.
fn placeholders<S: ?Sized>(
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

fn text(errors: FormErrors, field: &str, value: &str, required: bool) -> (FormErrors, String) {
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

fn form_key(key: &str) -> Result<String, AppError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 64 {
        return Err(AppError::Validation(
            FormErrors::default().form(Problem::Malformed),
        ));
    }
    Ok(key.to_string())
}

/// What an action does, before it is stored.
struct Act {
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
async fn perform<S: HandlerCases + ?Sized>(
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
fn headline(lang: Language, what: &str) -> String {
    let t = crate::i18n::staff_tr(lang);
    (t.news_headline)(what)
}

/// Replies in the case conversation.
pub async fn reply<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    body: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, body) = text(FormErrors::default(), "body", body, true);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let mut act = Act::new(
        "handler_replied",
        vec![CaseEvent::MessageSent],
        CaseChange::Message { body: body.clone() },
    );
    act.done = vec![WorkKind::Message];
    act.news = Some((headline(c.debtor_language, "reply"), Some(body)));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Accepts or rejects the debtor's plan proposal; a rejection carries a reason the debtor reads.
#[allow(clippy::too_many_arguments)]
pub async fn decide_plan<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    plan_id: i64,
    accept: bool,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, !accept);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let (kind, event, what) = if accept {
        ("plan_accepted", CaseEvent::PlanAgreed, "plan_accepted")
    } else {
        ("plan_rejected", CaseEvent::PlanDeclined, "plan_rejected")
    };
    let note = (!note.is_empty()).then_some(note);
    let mut act = Act::new(
        kind,
        vec![event],
        CaseChange::PlanDecision {
            plan_id,
            accept,
            note: note.clone(),
        },
    );
    act.lift_holds = vec![HoldReason::PlanProposal];
    act.done = vec![WorkKind::Plan];
    act.detail = serde_json::json!({ "plan_id": plan_id });
    act.news = Some((headline(c.debtor_language, what), note));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Asks the creditor to approve the debtor's open proposal `plan_id` (one outside the class's
/// rules), with the handler's recommendation and reasons. The request goes to the creditor's
/// consent inbox; the proposal stays open and the debtor is not told (nothing is decided yet).
/// The creditor's answer — or the class's default after its days — comes back as a work item.
#[allow(clippy::too_many_arguments)]
pub async fn ask_plan_approval<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    plan_id: i64,
    recommendation: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (mut errors, note) = text(FormErrors::default(), "approval_note", note, true);
    let recommend_approve = match recommendation {
        "approve" => Some(true),
        "decline" => Some(false),
        _ => {
            errors = errors.field("recommendation", Problem::Required);
            None
        }
    };
    let (Some(recommend_approve), true) = (recommend_approve, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let c = handler_case(state, staff, case_id).await?;
    if c.state != CaseState::PlanProposed {
        return Err(AppError::Conflict);
    }
    let mut act = Act::new(
        "plan_approval_requested",
        Vec::new(),
        CaseChange::PlanApproval {
            plan_id,
            recommend_approve,
            note: note.clone(),
        },
    );
    act.done = vec![WorkKind::Plan];
    act.detail = serde_json::json!({
        "plan_id": plan_id,
        "recommendation": recommendation,
        "note": note,
    });
    perform(state, staff, &c, &key, act, request_id).await
}

/// Counters the debtor's proposal with a plan of the handler's own. It must satisfy the
/// creditor's policy (agreed at once or within the range a person may agree), or the handler
/// records the creditor's approval.
#[allow(clippy::too_many_arguments)]
pub async fn counter_plan<S: HandlerCases + Plans + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    plan_id: i64,
    input: PlanInput,
    creditor_approval: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(&input.form_key)?;
    let c = handler_case(state, staff, case_id).await?;
    let today = today(state)?;
    let ctx = state
        .store
        .plan_context(case_id, today)
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = crate::i18n::request_language();
    let request = crate::forms::parse(&input, ctx.balance, lang).map_err(AppError::Validation)?;
    let (errors, approval) = text(
        FormErrors::default(),
        "creditor_approval",
        creditor_approval,
        false,
    );
    let (errors, note) = text(errors, "note", note, false);
    let errors = errors
        .keep("down_payment", &input.down_payment)
        .keep("first_due", &input.first_due)
        .keep("count", &input.count)
        .keep("kind", &input.kind);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let policy = policy_for_balance(&ctx.bands, ctx.balance);
    let evaluation = match policy {
        Some(p) => Some(evaluate(p, &request, today, &[]).map_err(|e| {
            AppError::Validation(crate::server::plans::plan_error(e, errors.clone()))
        })?),
        None => None,
    };
    // Within the creditor's bounds: what the policy agrees at once, or would agree after a
    // confirmation. A class that sends proposals outside its bounds to a person does not make
    // them part of the rules: such a counter-offer needs the creditor's approval.
    let violations: Vec<PlanReason> = match evaluation.as_ref().map(|e| &e.decision) {
        Some(Decision::Accept) => Vec::new(),
        Some(Decision::NeedsReview(r) | Decision::Reject(r)) => r
            .iter()
            .filter(|r| **r != PlanReason::ConfirmationRequired)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    let within = evaluation.is_some() && violations.is_empty();
    if !within && approval.is_empty() {
        let mut errors = errors.field("creditor_approval", Problem::NeedsCreditorApproval);
        for r in violations {
            errors = errors.form(Problem::Plan(r));
        }
        return Err(AppError::Validation(errors));
    }
    let (schedule, cost) = match evaluation {
        Some(e) => (e.schedule, e.cost),
        None => (
            crate::domain::plan::schedule(&request, &[]).map_err(|e| {
                AppError::Validation(crate::server::plans::plan_error(e, errors.clone()))
            })?,
            Money::zero(ctx.balance.currency),
        ),
    };
    let plan = NewPlan {
        state: "countered",
        request,
        schedule,
        cost,
        reasons: Vec::new(),
        cost_notice_seen_at: 0,
    };
    let note = (!note.is_empty()).then_some(note);
    let mut act = Act::new(
        "plan_countered",
        Vec::new(),
        CaseChange::Counter {
            replaces: plan_id,
            plan,
        },
    );
    act.done = vec![WorkKind::Plan];
    act.detail = serde_json::json!({
        "plan_id": plan_id,
        "within_policy": within,
        "creditor_approval": (!approval.is_empty()).then_some(approval),
    });
    act.news = Some((headline(c.debtor_language, "plan_countered"), note));
    if c.state != CaseState::PlanProposed {
        return Err(AppError::Conflict);
    }
    perform(state, staff, &c, &key, act, request_id).await
}

/// Corrects one claim item in the debtor's favour (lower, or zero to cancel it), with a reason.
#[allow(clippy::too_many_arguments)]
pub async fn correct_item<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    item_id: i64,
    amount: &str,
    reason: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let c = handler_case(state, staff, case_id).await?;
    let (mut errors, reason) = text(FormErrors::default(), "reason", reason, true);
    errors = errors.keep("amount", amount);
    let item = c.items.iter().find(|(id, _, _)| *id == item_id);
    let lang = crate::i18n::request_language();
    let new = match item {
        None => {
            errors = errors.field("item_id", Problem::Required);
            None
        }
        Some((_, _, old)) => match Money::parse(amount, lang, old.currency) {
            Ok(m) if m.minor >= 0 && m.minor < old.minor => Some(m),
            Ok(_) => {
                errors = errors.field("amount", Problem::MustBeLower);
                None
            }
            Err(_) => {
                errors = errors.field("amount", Problem::InvalidAmount);
                None
            }
        },
    };
    let (Some(new), true) = (new, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let mut act = Act::new(
        "item_corrected",
        Vec::new(),
        CaseChange::Dispute {
            dispute_id: 0,
            upheld: true,
            answer: reason.clone(),
            corrections: vec![(item_id, new.minor)],
        },
    );
    act.detail =
        serde_json::json!({ "item_id": item_id, "new_minor": new.minor, "reason": reason });
    perform(state, staff, &c, &key, act, request_id).await
}

/// Resolves an open dispute: `upheld` (in the debtor's favour, after correcting items; dunning
/// resumes on what is left), `cancelled` (the whole claim is cancelled; the case closes) or
/// `rejected` (explained; dunning resumes).
#[allow(clippy::too_many_arguments)]
pub async fn resolve_dispute<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    dispute_id: i64,
    outcome: &str,
    answer: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, answer) = text(FormErrors::default(), "answer", answer, true);
    let (event, upheld, what) = match outcome {
        "upheld" => (CaseEvent::DisputeUpheld, true, "dispute_upheld"),
        "cancelled" => (CaseEvent::ClaimCancelled, true, "claim_cancelled"),
        "rejected" => (CaseEvent::DisputeRejected, false, "dispute_rejected"),
        _ => {
            return Err(AppError::Validation(
                errors.field("outcome", Problem::Required),
            ))
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    if !c.open_disputes.contains(&dispute_id) {
        return Err(AppError::Conflict);
    }
    let corrections = if outcome == "cancelled" {
        c.items
            .iter()
            .filter(|(_, _, m)| m.minor > 0)
            .map(|(id, _, _)| (*id, 0))
            .collect()
    } else {
        Vec::new()
    };
    let mut act = Act::new(
        what,
        vec![event],
        CaseChange::Dispute {
            dispute_id,
            upheld,
            answer: answer.clone(),
            corrections,
        },
    );
    act.lift_holds = vec![HoldReason::Dispute];
    act.done = vec![WorkKind::Dispute];
    act.detail = serde_json::json!({ "dispute_id": dispute_id, "outcome": outcome });
    act.news = Some((headline(c.debtor_language, what), Some(answer)));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Decides a payment the debtor reported: confirmed (booked as a payment) or not found.
#[allow(clippy::too_many_arguments)]
pub async fn decide_payment_claim<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    claim_id: i64,
    confirmed: bool,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, !confirmed);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    if !c
        .open_payment_claims
        .iter()
        .any(|(id, _, _)| *id == claim_id)
    {
        return Err(AppError::Conflict);
    }
    let what = if confirmed {
        "payment_confirmed"
    } else {
        "payment_not_found"
    };
    let events = if c.state == CaseState::OnHold {
        vec![CaseEvent::HoldEnded]
    } else {
        Vec::new()
    };
    let mut act = Act::new(
        what,
        events,
        CaseChange::PaymentClaim {
            claim_id,
            confirmed,
        },
    );
    act.lift_holds = vec![HoldReason::AlreadyPaidCheck];
    act.done = vec![WorkKind::PaymentClaim];
    act.detail = serde_json::json!({ "claim_id": claim_id });
    act.news = Some((
        headline(c.debtor_language, what),
        (!note.is_empty()).then_some(note),
    ));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Puts the case on hold until a date (exclusive), with a note.
pub async fn hold<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    until: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let today = today(state)?;
    let (mut errors, note) = text(FormErrors::default(), "note", note, true);
    errors = errors.keep("until", until);
    let until = match chrono::NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d") {
        Ok(d) if d > today && d <= today + chrono::Days::new(366) => Some(d),
        Ok(d) if d <= today => {
            errors = errors.field("until", Problem::DateInPast);
            None
        }
        Ok(_) => {
            errors = errors.field("until", Problem::TooFarAhead);
            None
        }
        Err(_) if until.trim().is_empty() => {
            errors = errors.field("until", Problem::Required);
            None
        }
        Err(_) => {
            errors = errors.field("until", Problem::InvalidFormat);
            None
        }
    };
    let (Some(until), true) = (until, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let c = handler_case(state, staff, case_id).await?;
    let mut act = Act::new(
        "hold_placed",
        vec![CaseEvent::HoldPlaced],
        CaseChange::Nothing,
    );
    act.hold = Some((HoldReason::HandlerHold, today, Some(until)));
    act.detail = serde_json::json!({ "until": until, "note": note });
    // The debtor learns that reminders pause and until when; the internal note stays internal.
    let until_text = crate::i18n::format_date(c.debtor_language, until);
    act.news = Some((
        (crate::i18n::staff_tr(c.debtor_language).news_hold)(&until_text),
        None,
    ));
    perform(state, staff, &c, &key, act, request_id).await
}

/// Ends every hold of the case; dunning resumes.
pub async fn resume<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let c = handler_case(state, staff, case_id).await?;
    let mut act = Act::new(
        "hold_lifted",
        vec![CaseEvent::HoldEnded],
        CaseChange::Nothing,
    );
    act.lift_holds = vec![
        HoldReason::HandlerHold,
        HoldReason::AlreadyPaidCheck,
        HoldReason::CreditorPause,
    ];
    perform(state, staff, &c, &key, act, request_id).await
}

/// Asks the creditor to consent to court dunning. Classes that do not require consent are
/// escalated at once (the creditor's standing consent applies).
pub async fn request_escalation<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, true);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let kind = if c.escalation_needs_consent {
        "escalation_requested"
    } else {
        "escalated"
    };
    let mut act = Act::new(
        kind,
        vec![CaseEvent::EscalationRequested],
        CaseChange::Nothing,
    );
    if !c.escalation_needs_consent {
        act.by_rule = vec![CaseEvent::EscalationApproved];
    }
    act.detail =
        serde_json::json!({ "note": note, "consent_required": c.escalation_needs_consent });
    if kind == "escalated" {
        // Handed over to court dunning: the debtor must know (a request for consent stays
        // internal until the creditor decides).
        act.news = Some((headline(c.debtor_language, "escalated"), None));
    }
    perform(state, staff, &c, &key, act, request_id).await
}

/// Records a phone call or a letter received, with what was said.
pub async fn record_contact<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    channel: &str,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    // The case first: another agency's case is "not found" whatever the form says.
    let c = handler_case(state, staff, case_id).await?;
    let (errors, note) = text(FormErrors::default(), "note", note, true);
    let kind = match channel {
        "phone" => "phone_call_recorded",
        "letter" => "letter_received",
        _ => {
            return Err(AppError::Validation(
                errors.field("channel", Problem::Required),
            ))
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut act = Act::new(kind, Vec::new(), CaseChange::Nothing);
    act.detail = serde_json::json!({ "note": note });
    perform(state, staff, &c, &key, act, request_id).await
}

/// Writes the claim off (nothing more is collected) or closes a paid case.
pub async fn finish<S: HandlerCases + ?Sized>(
    state: &AppState<S>,
    staff: &Staff,
    case_id: i64,
    key: &str,
    write_off: bool,
    note: &str,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let key = form_key(key)?;
    let (errors, note) = text(FormErrors::default(), "note", note, write_off);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let c = handler_case(state, staff, case_id).await?;
    let (kind, event) = if write_off {
        ("written_off", CaseEvent::WrittenOff)
    } else {
        ("case_closed", CaseEvent::Closed)
    };
    let mut act = Act::new(kind, vec![event], CaseChange::Nothing);
    act.lift_holds = vec![
        HoldReason::HandlerHold,
        HoldReason::AlreadyPaidCheck,
        HoldReason::CreditorPause,
        HoldReason::Dispute,
        HoldReason::PlanProposal,
    ];
    act.done = crate::domain::work::ALL_KINDS.to_vec();
    act.detail = serde_json::json!({ "note": note });
    if write_off {
        act.news = Some((headline(c.debtor_language, kind), None));
    }
    perform(state, staff, &c, &key, act, request_id).await
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

/// The hour (Europe/Berlin) from which the day's digest goes out.
pub const DIGEST_HOUR: u32 = 7;

/// Queues the daily digest for every staff member who asked for it: their own and nobody's open
/// items, earliest deadline first. Runs every few seconds with the outbox relay; the dedupe key
/// (member and day) makes it one email per day, and nobody gets an empty digest.
pub async fn queue_digests<S: StaffDigest + WorkQueue + ?Sized>(
    store: &S,
    now_ms: i64,
    base_url: &str,
) -> Result<u32, AppError> {
    use chrono::Timelike;
    let zone = chrono_tz::Europe::Berlin;
    let Some(local) =
        chrono::DateTime::from_timestamp_millis(now_ms).map(|t| t.with_timezone(&zone))
    else {
        return Ok(0);
    };
    if local.hour() < DIGEST_HOUR {
        return Ok(0);
    }
    let mut queued = 0;
    for member in store.digest_subscribers().await? {
        let dedupe_key = format!("digest:{}:{}", member.id, local.date_naive());
        if store.email_queued(&dedupe_key).await? {
            continue;
        }
        let mut lines = Vec::new();
        for assignee in [Some(member.id), None] {
            let filter = QueueFilter {
                assignee: Some(assignee),
                per_page: 50,
                ..QueueFilter::default()
            };
            let (items, _) = store.queue(member.agency_id, &filter).await?;
            lines.extend(items);
        }
        if lines.is_empty() {
            continue;
        }
        lines.sort_by_key(|i| (i.due_at_ms, i.id));
        let lang = Language::De;
        let st = crate::i18n::staff_tr(lang);
        let rows: Vec<(String, String)> = lines
            .iter()
            .map(|i| {
                (
                    format!("{} · {}", i.reference, (st.work_kind)(&i.kind)),
                    (st.due_in)(crate::domain::work::hours_left(i.due_at_ms, now_ms)),
                )
            })
            .collect();
        let link = format!("{}/staff", base_url.trim_end_matches('/'));
        let (subject, text, html) = emails::queue_digest(lang, &member.display_name, &rows, &link);
        let email = crate::server::ports::StaffEmail {
            dedupe_key,
            to: member.email.clone(),
            time_zone: zone.name().to_string(),
            subject,
            text,
            html,
            host: host_of(base_url),
        };
        if store.queue_staff_email(email, now_ms).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

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
