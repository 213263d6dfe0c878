//! `/staff/cases/:id`: the handler's view of a case and every decision on it.

use super::{done_param, load_error, when, Done, StaffFrame};
use crate::api::staff::{
    get_staff_case, StaffAskPlanApproval, StaffCorrectItem, StaffCounterPlan, StaffDecidePlan,
    StaffEscalate, StaffFinish, StaffHold, StaffPaymentClaim, StaffRecordContact, StaffReply,
    StaffResolveDispute, StaffResume,
};
use crate::components::{FormAlert, TextArea, TextField};
use crate::domain::Language;
use crate::dto::HandlerCaseView;
use crate::i18n::{staff_tr, tr, use_language, StaffTexts};
use crate::pages::debtor::case::Claim;
use crate::pages::debtor::plan::ScheduleTable;
use crate::pages::debtor::{kept, url_error};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The handler's case page.
#[component]
pub fn StaffCasePage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let params = use_params_map();
    let case = Resource::new(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => get_staff_case(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let done = done_param();
    let done_text = Signal::derive(move || done.get().map(|k| (st.done_message)(&k)));
    view! {
        <Title text=st.queue_title/>
        <StaffFrame>
            <p class="back"><a href="/staff">{st.back_to_queue}</a></p>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match case.await {
                        Ok(view) => view! { <CaseBody view lang/> }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

fn key_for(view: &HandlerCaseView, form: &str) -> String {
    format!("{}-{form}", view.form_key)
}

#[component]
fn CaseBody(view: HandlerCaseView, lang: Language) -> impl IntoView {
    let st = staff_tr(lang);
    let t = tr(lang);
    let v = view.clone();
    let reason = v
        .dialogue
        .reason
        .clone()
        .map(|r| crate::i18n::reason_label(lang, &r).to_string())
        .unwrap_or_else(|| st.no_reason.to_string());
    let contact = v.contact.clone();
    view! {
        <h1>{(st.case_title)(&v.case.reference)}</h1>
        {v.can_export.then(|| view! {
            <p><a href=format!("/staff/cases/{}/personal-data.json", v.case_id) download="">{st.export_personal_data}</a></p>
        })}
        <section class="card" aria-labelledby="state-heading">
            <h2 id="state-heading">{st.state_heading}</h2>
            <dl class="facts">
                <div><dt>{st.state_heading}</dt><dd id="case-state">{(st.state_label)(&v.state)}</dd></div>
                <div><dt>{st.col_class}</dt><dd>{(st.class_name)(v.class_key.as_deref().unwrap_or(""))}</dd></div>
                <div><dt>{st.reason_heading}</dt><dd>{reason}</dd></div>
                <div><dt>{st.col_amount}</dt><dd>{v.case.summary.balance.format(lang)}</dd></div>
            </dl>
            <h3>{st.open_work_heading}</h3>
            {if v.work.open_work.is_empty() {
                view! { <p>{st.no_open_work}</p> }.into_any()
            } else {
                view! { <ul>{v.work.open_work.iter().map(|w| view! {
                    <li>{(st.work_kind)(&w.kind)}" · "{when(lang, w.due_at_ms)}
                        {w.assignee.clone().map(|a| format!(" · {a}"))}</li>
                }).collect_view()}</ul> }.into_any()
            }}
        </section>
        {(!v.work.failed_emails.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="failed-heading">
                <h2 id="failed-heading">{st.failed_emails_heading}</h2>
                <ul>{v.work.failed_emails.iter().map(|(at, to, why)| view! {
                    <li>{when(lang, *at)}" · "{to.clone()}" · "{why.clone()}</li>
                }).collect_view()}</ul>
            </section>
        })}
        <section class="card" aria-labelledby="contact-heading">
            <h2 id="contact-heading">{st.contact_heading}</h2>
            <p>{v.case.debtor_name.clone()}<br/>{contact.street.clone()}<br/>{format!("{} {}", contact.postcode, contact.city)}</p>
            <p>{contact_line(&contact, lang)}</p>
        </section>
        <section aria-labelledby="claims-heading">
            <h2 id="claims-heading">{t.claims_heading}</h2>
            {v.case.claims.clone().into_iter().map(|claim| view! { <Claim claim lang/> }).collect_view()}
        </section>
        <Conversation view=view.clone() lang/>
        <Disputes view=view.clone() lang/>
        <Plans view=view.clone() lang/>
        <PaymentClaims view=view.clone() lang/>
        {(!v.bank_entries.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="bank-heading">
                <h2 id="bank-heading">{crate::i18n::payments_tr(lang).case_heading}</h2>
                <super::DecisionAlerts/>
                <super::EntryTable entries=v.bank_entries.clone() back=format!("/staff/cases/{}", v.case_id) lang/>
            </section>
        })}
        <OtherActions view=view.clone() lang/>
        <History view lang/>
    }
}

/// Email, phone, language and preferred channel, leaving out what the debtor did not give.
fn contact_line(c: &crate::dto::ContactView, lang: Language) -> String {
    let t = tr(lang);
    let language = Language::from_code(&c.language).map(|l| l.native_name().to_string());
    let channel = match c.channel.as_str() {
        "letter" => t.channel_letter,
        _ => t.channel_email,
    };
    [
        Some(c.email.clone()),
        Some(c.phone.clone()),
        language,
        Some(channel.to_string()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

#[component]
fn Conversation(view: HandlerCaseView, lang: Language) -> impl IntoView {
    let st = staff_tr(lang);
    let error = url_error(<StaffReply as ServerFn>::PATH);
    // `?template=key` puts that template, filled in for this case, into the reply (a plain link,
    // so it works without JavaScript); text kept from a failed send wins.
    let chosen = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("template"))
        .and_then(|key| view.templates.iter().find(|t| t.key == key))
        .map(|t| t.body.clone())
        .unwrap_or_default();
    let kept_body = kept(error, "body");
    let body = Signal::derive(move || {
        let k = kept_body.get();
        if k.is_empty() {
            chosen.clone()
        } else {
            k
        }
    });
    let case_id = view.case_id;
    view! {
        <section class="card" aria-labelledby="conversation-heading">
            <h2 id="conversation-heading">{tr(lang).conversation_heading}</h2>
            {if view.dialogue.messages.is_empty() {
                view! { <p>{tr(lang).no_messages}</p> }.into_any()
            } else {
                view! { <ol class="conversation">
                    {view.dialogue.messages.clone().into_iter().map(|m| view! {
                        <li class=format!("message from-{}", m.author)>
                            <p class="meta">{if m.author == "debtor" { (st.actor_label)("debtor") } else { (st.actor_label)("staff") }}" · "{when(lang, m.at_ms)}</p>
                            <p class="body">{m.body}</p>
                            <Files files=m.attachments/>
                        </li>
                    }).collect_view()}
                </ol> }.into_any()
            }}
            {(!view.templates.is_empty()).then(|| view! {
                <details class="templates">
                    <summary>{st.templates_heading}</summary>
                    {view.templates.iter().map(|t| view! {
                        <div class="template">
                            <h3>{t.title.clone()}</h3>
                            <pre>{t.body.clone()}</pre>
                            <a href=format!("/staff/cases/{case_id}?template={}#body", t.key)>{st.use_template}</a>
                        </div>
                    }).collect_view()}
                </details>
            })}
            <form method="post" action={<StaffReply as ServerFn>::PATH} novalidate>
                <FormAlert error/>
                <input type="hidden" name="case_id" value=view.case_id/>
                <input type="hidden" name="form_key" value=key_for(&view, "reply")/>
                <TextArea name="body" label=st.reply_label value=body error required=true/>
                <button type="submit" class="primary">{st.send_reply}</button>
            </form>
        </section>
    }
}

#[component]
fn Files(files: Vec<crate::dto::AttachmentView>) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="attachments">
                {files.into_iter().map(|a| view! {
                    <li><a href=format!("/staff/documents/{}", a.id) download>{a.filename}</a></li>
                }).collect_view()}
            </ul>
        }
    })
}

#[component]
fn Disputes(view: HandlerCaseView, lang: Language) -> impl IntoView {
    let st = staff_tr(lang);
    let error = url_error(<StaffResolveDispute as ServerFn>::PATH);
    let correct_error = url_error(<StaffCorrectItem as ServerFn>::PATH);
    let open = view.dialogue.disputes.iter().any(|d| d.state == "open");
    view! {
        <section class="card" aria-labelledby="disputes-heading">
            <h2 id="disputes-heading">{st.disputes_heading}</h2>
            {view.dialogue.disputes.is_empty().then(|| view! { <p>{st.none_yet}</p> })}
            {view.dialogue.disputes.clone().into_iter().map(|d| {
                let is_open = d.state == "open";
                let id = d.id;
                let outcome_name = format!("outcome-{id}");
                view! {
                    <article class="dispute">
                        <p class="meta">{when(lang, d.at_ms)}" · "{d.kind.clone()}" · "{d.state.clone()}</p>
                        <p class="body">{d.body}</p>
                        <Files files=d.attachments/>
                        {d.answer.map(|a| view! { <p class="answer">{a}</p> })}
                        {is_open.then(|| view! {
                            <form method="post" action={<StaffResolveDispute as ServerFn>::PATH} novalidate>
                                <FormAlert error/>
                                <input type="hidden" name="case_id" value=view.case_id/>
                                <input type="hidden" name="dispute_id" value=id/>
                                <input type="hidden" name="form_key" value=key_for(&view, &format!("dispute-{id}"))/>
                                <fieldset>
                                    <legend>{st.outcome_label}</legend>
                                    <label><input type="radio" name="outcome" value="upheld" id=format!("{outcome_name}-upheld")/>" "{st.outcome_upheld}</label>
                                    <label><input type="radio" name="outcome" value="cancelled"/>" "{st.outcome_cancelled}</label>
                                    <label><input type="radio" name="outcome" value="rejected"/>" "{st.outcome_rejected}</label>
                                </fieldset>
                                <TextArea prefix="dispute" name="answer" label=st.answer_label value=kept(error, "answer") error required=true/>
                                <button type="submit" class="primary">{st.resolve_button}</button>
                            </form>
                        })}
                    </article>
                }
            }).collect_view()}
            {open.then(|| view! {
                <form method="post" action={<StaffCorrectItem as ServerFn>::PATH} novalidate class="correct">
                    <h3>{st.correct_heading}</h3>
                    <FormAlert error=correct_error/>
                    <input type="hidden" name="case_id" value=view.case_id/>
                    <input type="hidden" name="form_key" value=key_for(&view, "correct")/>
                    <div class="field">
                        <label for="item_id">{st.item_label}</label>
                        <select id="item_id" name="item_id">
                            {view.work.items.iter().map(|(id, d, m)| view! {
                                <option value=id.to_string()>{format!("{d} ({})", m.format(lang))}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <TextField prefix="correct" name="amount" label=st.new_amount_label value=kept(correct_error, "amount") error=correct_error inputmode="decimal"/>
                    <TextField prefix="correct" name="reason" label=st.reason_label value=kept(correct_error, "reason") error=correct_error/>
                    <button type="submit">{st.correct_button}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn Plans(view: HandlerCaseView, lang: Language) -> impl IntoView {
    let st = staff_tr(lang);
    let t = tr(lang);
    let decide_error = url_error(<StaffDecidePlan as ServerFn>::PATH);
    let counter_error = url_error(<StaffCounterPlan as ServerFn>::PATH);
    let ask_error = url_error(<StaffAskPlanApproval as ServerFn>::PATH);
    let today = view.case.as_of;
    view! {
        <section class="card" aria-labelledby="plans-heading">
            <h2 id="plans-heading">{st.plans_heading}</h2>
            {view.work.plans.is_empty().then(|| view! { <p>{st.none_yet}</p> })}
            {view.work.plans.clone().into_iter().map(|p| {
                let proposed = p.plan.state == "proposed";
                let id = p.plan.id;
                let by = if p.plan.proposed_by == "debtor" { st.by_debtor } else { st.by_handler };
                view! {
                    <article class="plan">
                        <p class="meta">{by}" · "{when(lang, p.at_ms)}" · "{p.plan.state.clone()}</p>
                        <ul>{p.plan.reasons.iter().map(|r| view! { <li>{crate::i18n::plan_reason(lang, r)}</li> }).collect_view()}</ul>
                        <ScheduleTable schedule=p.plan.schedule.clone() lang/>
                        {p.note.clone().map(|n| view! { <p class="answer">{n}</p> })}
                        {p.approval.clone().map(|a| view! {
                            <div class="plan-approval">
                                <p><strong>{(st.approval_status)(&a.state, a.by_default)}</strong>
                                   {a.decided_at_ms.map(|at| format!(" · {}", when(lang, at)))}</p>
                                <p class="meta">{(st.recommended)(a.recommend_approve)}" · "{when(lang, a.requested_at_ms)}</p>
                                <p class="body">{a.note.clone()}</p>
                                {(!a.comment.is_empty()).then(|| view! { <blockquote class="answer"><p>{a.comment.clone()}</p></blockquote> })}
                            </div>
                        })}
                        {(proposed && p.approval.is_none() && !p.plan.reasons.is_empty()).then(|| view! {
                            <form method="post" action={<StaffAskPlanApproval as ServerFn>::PATH} novalidate class="ask-approval">
                                <h3>{st.ask_approval_heading}</h3>
                                <p class="hint">{st.ask_approval_intro}</p>
                                <FormAlert error=ask_error/>
                                <input type="hidden" name="case_id" value=view.case_id/>
                                <input type="hidden" name="plan_id" value=id/>
                                <input type="hidden" name="form_key" value=key_for(&view, &format!("ask-{id}"))/>
                                <fieldset class="field">
                                    <legend>{st.recommendation_legend}</legend>
                                    <label class="choice-line">
                                        <input type="radio" name="recommendation" value="approve"/>" "{st.recommend_approve}
                                    </label>
                                    <label class="choice-line">
                                        <input type="radio" name="recommendation" value="decline"/>" "{st.recommend_decline}
                                    </label>
                                </fieldset>
                                <TextArea prefix="ask" name="approval_note" label=st.approval_note_label value=kept(ask_error, "approval_note") error=ask_error/>
                                <button type="submit" class="secondary">{st.ask_approval_button}</button>
                            </form>
                        })}
                        {proposed.then(|| view! {
                            <form method="post" action={<StaffDecidePlan as ServerFn>::PATH} novalidate>
                                <FormAlert error=decide_error/>
                                <input type="hidden" name="case_id" value=view.case_id/>
                                <input type="hidden" name="plan_id" value=id/>
                                <input type="hidden" name="form_key" value=key_for(&view, &format!("plan-{id}"))/>
                                <TextArea prefix="plan" name="note" label=st.reject_reason_label value=kept(decide_error, "note") error=decide_error/>
                                <button type="submit" name="decision" value="accept" class="primary">{st.accept_plan}</button>
                                " "
                                <button type="submit" name="decision" value="reject" class="secondary">{st.reject_plan}</button>
                            </form>
                            <form method="post" action={<StaffCounterPlan as ServerFn>::PATH} novalidate class="counter">
                                <h3>{st.counter_heading}</h3>
                                <FormAlert error=counter_error/>
                                <input type="hidden" name="case_id" value=view.case_id/>
                                <input type="hidden" name="plan_id" value=id/>
                                <input type="hidden" name="form_key" value=key_for(&view, &format!("counter-{id}"))/>
                                <input type="hidden" name="kind" value="plan"/>
                                <input type="hidden" name="frequency" value="monthly"/>
                                <TextField prefix="counter" name="down_payment" label=t.down_payment_label value=kept(counter_error, "down_payment") error=counter_error inputmode="decimal"/>
                                <TextField prefix="counter" name="first_due" label=t.first_due_label value=Signal::derive(move || {
                                    let k = kept(counter_error, "first_due").get();
                                    if k.is_empty() { (today + chrono::Days::new(14)).format("%Y-%m-%d").to_string() } else { k }
                                }) error=counter_error input_type="date"/>
                                <TextField prefix="counter" name="count" label=t.count_label value=kept(counter_error, "count") error=counter_error inputmode="numeric"/>
                                <TextField prefix="counter" name="creditor_approval" label=st.creditor_approval_label hint=st.creditor_approval_hint value=kept(counter_error, "creditor_approval") error=counter_error/>
                                <TextArea prefix="counter" name="note" label=st.note_label value=kept(counter_error, "note") error=counter_error/>
                                <button type="submit" class="primary">{st.counter_button}</button>
                            </form>
                        })}
                    </article>
                }
            }).collect_view()}
        </section>
    }
}

#[component]
fn PaymentClaims(view: HandlerCaseView, lang: Language) -> impl IntoView {
    let st = staff_tr(lang);
    let error = url_error(<StaffPaymentClaim as ServerFn>::PATH);
    view! {
        <section class="card" aria-labelledby="claims-reported-heading">
            <h2 id="claims-reported-heading">{st.payment_claims_heading}</h2>
            {view.work.payment_claims.is_empty().then(|| view! { <p>{st.none_yet}</p> })}
            {view.work.payment_claims.clone().into_iter().map(|c| {
                let id = c.id;
                view! {
                    <article>
                        <p class="meta">{crate::i18n::format_date(lang, c.paid_on)}" · "{c.amount.format(lang)}" · "{c.state.clone()}</p>
                        <p class="body">{c.note.clone()}</p>
                        <Files files=c.attachments.clone()/>
                        {(c.state == "open").then(|| view! {
                            <form method="post" action={<StaffPaymentClaim as ServerFn>::PATH} novalidate>
                                <FormAlert error/>
                                <input type="hidden" name="case_id" value=view.case_id/>
                                <input type="hidden" name="claim_id" value=id/>
                                <input type="hidden" name="form_key" value=key_for(&view, &format!("paid-{id}"))/>
                                <TextArea prefix="paid" name="note" label=st.note_label value=kept(error, "note") error/>
                                <button type="submit" name="decision" value="confirm" class="primary">{st.confirm_payment}</button>
                                " "
                                <button type="submit" name="decision" value="not_found" class="secondary">{st.payment_not_found}</button>
                            </form>
                        })}
                    </article>
                }
            }).collect_view()}
        </section>
    }
}

#[component]
fn OtherActions(view: HandlerCaseView, lang: Language) -> impl IntoView {
    let st: &'static StaffTexts = staff_tr(lang);
    let hold_error = url_error(<StaffHold as ServerFn>::PATH);
    let resume_error = url_error(<StaffResume as ServerFn>::PATH);
    let escalate_error = url_error(<StaffEscalate as ServerFn>::PATH);
    let record_error = url_error(<StaffRecordContact as ServerFn>::PATH);
    let finish_error = url_error(<StaffFinish as ServerFn>::PATH);
    let on_hold = view.dialogue.on_hold || view.state == "on_hold";
    let paid = view.state == "paid";
    view! {
        <section class="card actions" aria-labelledby="actions-heading">
            <h2 id="actions-heading">{st.record_heading}</h2>
            <form method="post" action={<StaffRecordContact as ServerFn>::PATH} novalidate>
                <FormAlert error=record_error/>
                <input type="hidden" name="case_id" value=view.case_id/>
                <input type="hidden" name="form_key" value=key_for(&view, "record")/>
                <fieldset>
                    <legend>{st.channel_label}</legend>
                    <label><input type="radio" name="channel" value="phone" checked=true/>" "{st.channel_phone}</label>
                    <label><input type="radio" name="channel" value="letter"/>" "{st.channel_letter}</label>
                </fieldset>
                <TextArea prefix="record" name="note" label=st.note_label value=kept(record_error, "note") error=record_error required=true/>
                <button type="submit">{st.record_button}</button>
            </form>

            <h2>{st.hold_heading}</h2>
            {if on_hold {
                view! {
                    <form method="post" action={<StaffResume as ServerFn>::PATH}>
                        <FormAlert error=resume_error/>
                        <input type="hidden" name="case_id" value=view.case_id/>
                        <input type="hidden" name="form_key" value=key_for(&view, "resume")/>
                        <button type="submit">{st.resume_button}</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <form method="post" action={<StaffHold as ServerFn>::PATH} novalidate>
                        <FormAlert error=hold_error/>
                        <input type="hidden" name="case_id" value=view.case_id/>
                        <input type="hidden" name="form_key" value=key_for(&view, "hold")/>
                        <TextField prefix="hold" name="until" label=st.until_label value=kept(hold_error, "until") error=hold_error input_type="date"/>
                        <TextField prefix="hold" name="note" label=st.note_label value=kept(hold_error, "note") error=hold_error/>
                        <button type="submit">{st.hold_button}</button>
                    </form>
                }.into_any()
            }}

            <h2>{st.escalation_heading}</h2>
            <p>{if view.escalation_needs_consent { st.escalation_consent } else { st.escalation_direct }}</p>
            <form method="post" action={<StaffEscalate as ServerFn>::PATH} novalidate>
                <FormAlert error=escalate_error/>
                <input type="hidden" name="case_id" value=view.case_id/>
                <input type="hidden" name="form_key" value=key_for(&view, "escalate")/>
                <TextField prefix="escalate" name="note" label=st.note_label value=kept(escalate_error, "note") error=escalate_error/>
                <button type="submit">{st.escalate_button}</button>
            </form>

            <h2>{st.finish_heading}</h2>
            <form method="post" action={<StaffFinish as ServerFn>::PATH} novalidate>
                <FormAlert error=finish_error/>
                <input type="hidden" name="case_id" value=view.case_id/>
                <input type="hidden" name="form_key" value=key_for(&view, "finish")/>
                <TextField prefix="finish" name="note" label=st.note_label value=kept(finish_error, "note") error=finish_error/>
                {if paid {
                    view! { <button type="submit" name="outcome" value="close">{st.close_button}</button> }.into_any()
                } else {
                    view! { <button type="submit" name="outcome" value="write_off" class="secondary">{st.write_off_button}</button> }.into_any()
                }}
            </form>
        </section>
    }
}

#[component]
fn History(view: HandlerCaseView, lang: Language) -> impl IntoView {
    let st = staff_tr(lang);
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">{st.history_heading}</h2>
            <ol class="timeline">
                {view.dialogue.events.into_iter().rev().map(|e| {
                    let sent = crate::i18n::sent_note(lang, e.subject, e.channel);
                    view! {
                        <li>
                            <span class="meta">{when(lang, e.at_ms)}" · "{(st.actor_label)(&e.actor)}</span>" "{(st.event_label)(&e.kind)}
                            {sent.map(|s| view! { <br/><span class="meta">{s}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
            <h3>{st.nav_staff}</h3>
            <ul>
                {view.work.actions.into_iter().map(|a| view! {
                    <li>{when(lang, a.at_ms)}" · "{a.staff_name}" · "{(st.event_label)(&a.kind)}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}
