//! The creditor's decisions: escalations waiting for consent and plan approvals.

use super::{load_error, CreditorFrame};
use crate::api::creditor::{get_consent_inbox, DecideConsent, DecidePlanApproval};
use crate::components::FormAlert;
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
use crate::pages::debtor::url_error;
use crate::pages::staff::{done_param, when, Done};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor`: the escalation requests waiting for the creditor's decision.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let inbox = OnceResource::new(get_consent_inbox());
    let error = url_error(<DecideConsent as ServerFn>::PATH);
    let plan_error = url_error(<DecidePlanApproval as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || done.get().map(|d| (st.consent_done)(&d)));
    view! {
        <Title text=st.consent_title/>
        <CreditorFrame>
            <h1>{st.consent_title}</h1>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match inbox.await {
                        Ok(inbox) => {
                            let owner = inbox.member.role == "owner";
                            let key = inbox.form_key.clone();
                            view! {
                                <p>{inbox.member.creditor_name.clone()}</p>
                                <p>{st.consent_intro}</p>
                                {(!owner).then(|| view! { <p class="hint">{st.consent_viewer}</p> })}
                                <h2>{st.consent_escalations_heading}</h2>
                                {inbox.requests.is_empty().then(|| view! { <p class="empty">{st.consent_empty}</p> })}
                                {inbox.requests.into_iter().map(|r| {
                                    let heading = format!("consent-{}", r.case_id);
                                    let labelled_by = heading.clone();
                                    view! {
                                        <section class="card" aria-labelledby=labelled_by>
                                            <h3 id=heading>{r.reference.clone()}" · "{r.debtor_name.clone()}</h3>
                                            <p>{(st.class_name)(r.class_key.as_deref().unwrap_or(""))}" · "
                                               {r.balance.map(|b| b.format(lang)).unwrap_or_default()}</p>
                                            <p class="meta">{(st.consent_requested)(&r.handler_name, &when(lang, r.requested_at_ms))}</p>
                                            <blockquote class="answer"><p>{r.note.clone()}</p></blockquote>
                                            <p>{if r.default_approve {
                                                (creditor_tr(lang).consent_deadline_approve)(&when(lang, r.deadline_ms))
                                            } else {
                                                (st.consent_deadline)(&when(lang, r.deadline_ms))
                                            }}</p>
                                            {owner.then(|| view! {
                                                <DecisionForm action={<DecideConsent as ServerFn>::PATH} error
                                                    id_name="case_id" id=r.case_id form_key=format!("{key}-{}", r.case_id)
                                                    comment_id=format!("comment-{}", r.case_id)/>
                                            })}
                                        </section>
                                    }
                                }).collect_view()}
                                <h2>{st.consent_plans_heading}</h2>
                                <p>{st.consent_plans_intro}</p>
                                {inbox.plans.is_empty().then(|| view! { <p class="empty">{st.consent_plans_empty}</p> })}
                                {inbox.plans.into_iter().map(|r| {
                                    let heading = format!("plan-approval-{}", r.id);
                                    let labelled_by = heading.clone();
                                    let comment_id = format!("plan-comment-{}", r.id);
                                    view! {
                                        <section class="card" aria-labelledby=labelled_by>
                                            <h3 id=heading>{r.reference.clone()}" · "{r.debtor_name.clone()}</h3>
                                            <p>{(st.class_name)(r.class_key.as_deref().unwrap_or(""))}" · "
                                               {r.balance.map(|b| b.format(lang)).unwrap_or_default()}</p>
                                            <ul>{r.plan.reasons.iter().map(|reason| view! { <li>{crate::i18n::plan_reason(lang, reason)}</li> }).collect_view()}</ul>
                                            <crate::pages::debtor::plan::ScheduleTable schedule=r.plan.schedule.clone() lang/>
                                            <p class="meta">{(st.consent_requested)(&r.handler_name, &when(lang, r.requested_at_ms))}</p>
                                            <p><strong>{(st.recommended)(r.recommend_approve)}</strong></p>
                                            <blockquote class="answer"><p>{r.note.clone()}</p></blockquote>
                                            <p>{(st.plan_consent_deadline)(&when(lang, r.deadline_ms), r.default_approve)}</p>
                                            {owner.then(|| view! {
                                                <DecisionForm action={<DecidePlanApproval as ServerFn>::PATH} error=plan_error
                                                    id_name="approval_id" id=r.id form_key=format!("{key}-plan-{}", r.id)
                                                    comment_id=comment_id/>
                                            })}
                                        </section>
                                    }
                                }).collect_view()}
                            }.into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// An owner's answer to a request in the consent inbox: a comment (required to decline) and
/// approve / decline.
#[component]
fn DecisionForm(
    action: &'static str,
    error: Signal<Option<crate::error::AppError>>,
    /// The request's id field (`case_id` or `approval_id`) and value.
    id_name: &'static str,
    id: i64,
    form_key: String,
    comment_id: String,
) -> impl IntoView {
    let st = staff_tr(use_language());
    view! {
        <form method="post" action=action novalidate>
            <FormAlert error/>
            <input type="hidden" name=id_name value=id/>
            <input type="hidden" name="form_key" value=form_key/>
            <div class="field">
                <label for=comment_id.clone()>{st.consent_comment}</label>
                <textarea id=comment_id name="comment" rows="3"></textarea>
            </div>
            <button type="submit" name="decision" value="approve" class="primary">{st.consent_approve}</button>
            " "
            <button type="submit" name="decision" value="decline" class="secondary">{st.consent_decline}</button>
        </form>
    }
}
