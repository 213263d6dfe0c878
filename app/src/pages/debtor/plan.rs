//! `/case/plan`: propose an instalment plan or a deferral. The schedule and the creditor's decision
//! are computed in the browser as the debtor types, by the same domain code the server runs; without
//! JavaScript, "Calculate plan" sends the form to this page (GET) and the server computes it.

use super::url_error;
use crate::api::debtor::{get_plan_page, AnswerCounterOffer, ProposePlan};
use crate::components::{FormAlert, Layout};
use crate::domain::plan::{evaluate, Decision, Instalment, PlanPolicy, PlanSize};
use crate::domain::Language;
use crate::dto::{PlanPageData, PlanView};
use crate::error::AppError;
use crate::forms::{parse, PlanInput};
use crate::i18n::{format_date, plan_reason, tr, use_language};
use leptos::html;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The plan page.
#[component]
pub fn PlanPage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let data = OnceResource::new(get_plan_page());
    let error = url_error(<ProposePlan as ServerFn>::PATH);
    view! {
        <Title text=t.plan_title/>
        <Layout>
            <p class="back"><a href="/case">{t.back_to_case}</a></p>
            <h1>{t.plan_title}</h1>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <PlanBody data=d error lang/> }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/"/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn PlanBody(data: PlanPageData, error: Signal<Option<AppError>>, lang: Language) -> impl IntoView {
    let t = tr(lang);
    match (data.open_plan.clone(), data.policy) {
        (Some(plan), _) => view! { <OpenPlan plan reply_days=data.reply_days lang/> }.into_any(),
        (None, None) => view! { <p>{t.no_plans_allowed}</p> }.into_any(),
        (None, Some(policy)) => view! { <PlanForm data policy error lang/> }.into_any(),
    }
}

#[component]
pub(crate) fn ScheduleTable(schedule: Vec<Instalment>, lang: Language) -> impl IntoView {
    let t = tr(lang);
    view! {
        <table class="schedule">
            <caption>{t.schedule_heading}</caption>
            <thead>
                <tr><th scope="col">{t.item_column}</th><th scope="col">{t.date_column}</th><th scope="col" class="num">{t.amount_column}</th></tr>
            </thead>
            <tbody>
                {schedule.into_iter().map(|i| {
                    let label = if i.number == 0 { t.down_payment_row.to_string() } else { (t.instalment_row)(i.number) };
                    view! { <tr><th scope="row">{label}</th><td>{format_date(lang, i.due)}</td><td class="num">{i.amount.format(lang)}</td></tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn OpenPlan(plan: PlanView, reply_days: u32, lang: Language) -> impl IntoView {
    let t = tr(lang);
    // A plain form: the answer changes the whole page (status, schedule, timeline), so a full
    // navigation is what we want, with and without JavaScript.
    let answer_error = super::url_error(<AnswerCounterOffer as ServerFn>::PATH);
    let cost = plan.cost;
    let status = match plan.state.as_str() {
        "agreed" => t.plan_agreed_status.to_string(),
        "proposed" => (t.plan_pending_status)(reply_days),
        _ => String::new(),
    };
    view! {
        <section id="result" aria-labelledby="plan-status-heading" class="card status">
            <h2 id="plan-status-heading">{if plan.state == "countered" { t.counter_heading } else { t.status_heading }}</h2>
            {(!status.is_empty()).then(|| view! { <p>{status}</p> })}
            <ScheduleTable schedule=plan.schedule.clone() lang/>
            {(plan.state == "countered").then(|| view! {
                <p>{if cost.minor > 0 { (t.cost_notice)(&cost.format(lang)) } else { t.cost_notice_free.to_string() }}</p>
                <FormAlert error=answer_error/>
                <form method="post" action={<AnswerCounterOffer as ServerFn>::PATH} class="counter-answer">
                    <input type="hidden" name="plan_id" value=plan.id/>
                    <button type="submit" name="accept" value="yes" class="primary">{t.counter_accept}</button>
                    " "
                    <button type="submit" name="accept" value="no" class="secondary">{t.counter_decline}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn PlanForm(
    data: PlanPageData,
    policy: PlanPolicy,
    error: Signal<Option<AppError>>,
    lang: Language,
) -> impl IntoView {
    let t = tr(lang);
    let query = use_query_map();
    let kept = error
        .get_untracked()
        .and_then(|e| e.form_errors().map(|f| f.values.clone()))
        .unwrap_or_default();
    let init = |field: &str, default: String| {
        query
            .with_untracked(|q| q.get(field))
            .or_else(|| kept.get(field).cloned())
            .unwrap_or(default)
    };
    let default_first = (data.today + chrono::Days::new(14))
        .format("%Y-%m-%d")
        .to_string();
    let kind = RwSignal::new(init("kind", "plan".into()));
    let down = RwSignal::new(init("down_payment", String::new()));
    let first_due = RwSignal::new(init("first_due", default_first));
    let count = RwSignal::new(init("count", "6".into()));
    let frequency = RwSignal::new(init("frequency", "monthly".into()));
    let (balance, today) = (data.balance, data.today);
    let evaluation = Memo::new(move |_| {
        let input = PlanInput {
            form_key: String::new(),
            kind: kind.get(),
            down_payment: down.get(),
            first_due: first_due.get(),
            count: count.get(),
            frequency: frequency.get(),
            cost_notice_seen: true,
        };
        parse(&input, balance, lang)
            .ok()
            .and_then(|req| evaluate(&policy, &req, today, &[]).ok())
    });
    let field_error = move |name: &'static str| {
        error
            .get()
            .and_then(|e| e.form_errors().and_then(|f| f.fields.get(name).cloned()))
            .map(|ps| {
                let text = ps
                    .iter()
                    .map(|p| p.message(lang))
                    .collect::<Vec<_>>()
                    .join(" ");
                view! { <p class="field-error" id=format!("{name}-error")>{text}</p> }
            })
    };
    let deferral = move || kind.get() == "deferral";
    // A phone on a weak connection shows the form well before the app takes it over, and a
    // debtor may type or choose by then: the fields keep it, the calculator's signals would not.
    // Once hydrated, the calculator starts from what the fields hold.
    let first_due_field = NodeRef::<html::Input>::new();
    let count_field = NodeRef::<html::Input>::new();
    let down_field = NodeRef::<html::Input>::new();
    let frequency_field = NodeRef::<html::Select>::new();
    let deferral_field = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        let take = |signal: RwSignal<String>, value: String| {
            if signal.get_untracked() != value {
                signal.set(value);
            }
        };
        for (field, signal) in [
            (first_due_field, first_due),
            (count_field, count),
            (down_field, down),
        ] {
            if let Some(input) = field.get() {
                take(signal, input.value());
            }
        }
        if let Some(select) = frequency_field.get() {
            take(frequency, select.value());
        }
        if let Some(radio) = deferral_field.get() {
            take(
                kind,
                if radio.checked() { "deferral" } else { "plan" }.to_string(),
            );
        }
    });
    view! {
        <p>{t.plan_intro}</p>
        <form method="post" action={<ProposePlan as ServerFn>::PATH} class="card plan-form" novalidate>
            <FormAlert error/>
            <input type="hidden" name="form_key" value=data.form_key.clone()/>
            <fieldset>
                <legend>{t.plan_kind_legend}</legend>
                <label class="choice-line">
                    <input type="radio" name="kind" value="plan" checked=move || !deferral() on:change=move |_| kind.set("plan".into())/>
                    " " {t.plan_kind_plan}
                </label>
                <label class="choice-line">
                    <input type="radio" name="kind" value="deferral" checked=deferral node_ref=deferral_field on:change=move |_| kind.set("deferral".into())/>
                    " " {t.plan_kind_deferral}
                </label>
            </fieldset>
            <div class="field">
                <label for="first_due">{t.first_due_label}</label>
                {move || field_error("first_due")}
                <input id="first_due" name="first_due" type="date" value=first_due.get_untracked() node_ref=first_due_field
                    on:input=move |ev| first_due.set(event_target_value(&ev))/>
            </div>
            <div class="field" class:hidden=deferral>
                <label for="count">{t.count_label}</label>
                {move || field_error("count")}
                <input id="count" name="count" type="number" min="1" max="60" inputmode="numeric" value=count.get_untracked() node_ref=count_field
                    on:input=move |ev| count.set(event_target_value(&ev))/>
            </div>
            <div class="field" class:hidden=deferral>
                <label for="frequency">{t.frequency_label}</label>
                <select id="frequency" name="frequency" node_ref=frequency_field on:change=move |ev| frequency.set(event_target_value(&ev))>
                    {[("monthly", t.frequency_monthly), ("fortnightly", t.frequency_fortnightly), ("weekly", t.frequency_weekly)]
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=move || frequency.get() == v>{l}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field" class:hidden=deferral>
                <label for="down_payment">{t.down_payment_label}</label>
                {move || field_error("down_payment")}
                <input id="down_payment" name="down_payment" type="text" inputmode="decimal" value=down.get_untracked() node_ref=down_field
                    on:input=move |ev| down.set(event_target_value(&ev))/>
            </div>
            <button type="submit" formmethod="get" formaction="/case/plan" class="secondary">{t.preview_button}</button>

            <div aria-live="polite">
                {move || evaluation.get().map(|e| {
                    let (headline, reasons) = match &e.decision {
                        Decision::Accept => (t.decision_accept, Vec::new()),
                        Decision::NeedsReview(r) => (t.decision_review, r.clone()),
                        Decision::Reject(r) => (t.decision_reject, r.clone()),
                    };
                    let suggestion = e.counter_offer.and_then(|c| match c.size {
                        PlanSize::Count(n) => Some((n, c)),
                        PlanSize::Amount(_) => None,
                    });
                    view! {
                        <ScheduleTable schedule=e.schedule.clone() lang/>
                        <p class="decision"><strong>{headline}</strong></p>
                        <ul>{reasons.iter().map(|r| view! { <li>{plan_reason(lang, r)}</li> }).collect_view()}</ul>
                        {suggestion.map(|(n, c)| {
                            let first = c.first_due.format("%Y-%m-%d").to_string();
                            let down = c.down_payment.format(lang).replace('\u{a0}', " ").replace(" €", "").replace('€', "");
                            let href = format!("/case/plan?kind=plan&count={n}&first_due={first}&down_payment={down}&frequency=monthly");
                            view! {
                                <p>{(t.suggestion)(&n.to_string(), &format_date(lang, c.first_due))} " "
                                    <a href=href rel="external">{t.suggestion_button}</a></p>
                            }
                        })}
                        <section aria-labelledby="cost-heading" class="cost-notice">
                            <h2 id="cost-heading">{t.cost_notice_heading}</h2>
                            <p>{if e.cost.minor > 0 { (t.cost_notice)(&e.cost.format(lang)) } else { t.cost_notice_free.to_string() }}</p>
                        </section>
                    }
                })}
            </div>
            <div class="field">
                {move || field_error("cost_notice")}
                <label class="choice-line">
                    <input type="checkbox" name="cost_notice_seen" value="yes"/>
                    " " {t.cost_notice_confirm}
                </label>
            </div>
            <button type="submit" class="primary">{t.propose_button}</button>
        </form>
    }
}
