//! Retention: which customers stayed after paying, by group, and one customer's relationship.

use super::{load_error, CreditorFrame};
use crate::api::creditor::{get_customer, get_retention, UploadActivities};
use crate::components::{FileField, FormAlert};
use crate::domain::Language;
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
use crate::pages::debtor::url_error;
use crate::pages::staff::when;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor/retention`: who stayed a customer after the case — figures, charts with their
/// tables, the debtors' fairness answers, and the activity upload.
#[component]
pub fn RetentionDashboard() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let query = leptos_router::hooks::use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name));
    let data = Resource::new(
        move || (param("from"), param("to"), param("class")),
        |(from, to, class)| get_retention(from, to, class),
    );
    let upload_error = url_error(<UploadActivities as ServerFn>::PATH);
    view! {
        <Title text=ct.retention_title/>
        <CreditorFrame>
            <h1>{ct.retention_title}</h1>
            <p>{ct.retention_intro}</p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => retention_view(lang, page, upload_error).into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// A table of groups: name, cases, one column per window, revenue after.
fn groups_table(
    lang: Language,
    id: &str,
    caption: String,
    groups: &[crate::domain::retention::Group],
    name: &dyn Fn(&str) -> String,
) -> impl IntoView {
    let ct = creditor_tr(lang);
    let row = |g: &crate::domain::retention::Group| {
        let label = name(&g.key);
        view! {
            <tr>
                <th scope="row">{label}</th>
                <td class="num">{g.cases}</td>
                {g.windows.iter().map(|w| {
                    let weak = w.cases > 0 && !w.significant();
                    view! {
                        <td class="num">
                            {(ct.window_cell)(w.retained, w.cases, w.per_mille())}
                            {weak.then(|| view! { <br/><span class="hint">{ct.not_significant}</span> })}
                        </td>
                    }
                }).collect_view()}
                <td class="num">{crate::domain::Money::new(g.revenue_minor, crate::domain::Currency::EUR).format(lang)}</td>
            </tr>
        }
    };
    view! {
        <div class="table-wrap">
            <table class="queue" id=id.to_string()>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">{ct.col_group}</th>
                    <th scope="col">{ct.col_cases}</th>
                    {crate::domain::retention::WINDOWS.iter().map(|d| view! { <th scope="col">{(ct.retention_window)(*d)}</th> }).collect_view()}
                    <th scope="col">{ct.col_revenue}</th>
                </tr></thead>
                <tbody>{groups.iter().map(row).collect_view()}</tbody>
            </table>
        </div>
    }
}

/// One breakdown of the dashboard: its dimension, table id, groups and how a group is named.
type BreakdownTable<'a> = (
    &'static str,
    &'static str,
    &'a [crate::domain::retention::Group],
    Box<dyn Fn(&str) -> String>,
);

fn retention_view(
    lang: Language,
    page: crate::dto::RetentionPage,
    upload_error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let ct = creditor_tr(lang);
    let owner = page.member.role == "owner";
    let r = &page.report;
    let classes = page.classes.clone();
    let class_name = move |k: &str| {
        classes
            .iter()
            .find(|(key, _)| key == k)
            .map_or_else(|| k.to_string(), |(_, n)| n.clone())
    };
    let filters = [
        ("from", page.filter.from.clone()),
        ("to", page.filter.to.clone()),
        ("class", page.filter.class.clone()),
    ];
    let csv = format!(
        "/creditor/retention.csv?{}",
        crate::pages::query_string(&filters, None)
    );
    let chart = |id: &str| {
        page.charts.iter().find(|c| c.id == id).cloned().map(|c| {
            view! {
                <figure class="chart">
                    <div inner_html=c.svg></div>
                    <figcaption><a href=format!("#{}", c.table_id)>{c.title}</a></figcaption>
                </figure>
            }
        })
    };
    let ended = r.paid.cases + r.other.cases;
    let class_sel = page.filter.class.clone().unwrap_or_default();
    let tables: Vec<BreakdownTable> = vec![
        (
            "class",
            "table-classes",
            &r.by_class,
            Box::new(class_name.clone()),
        ),
        (
            "reason",
            "table-reasons",
            &r.by_reason,
            Box::new(move |k: &str| crate::i18n::reason_or_none(lang, k)),
        ),
        (
            "path",
            "table-paths",
            &r.by_path,
            Box::new(move |k: &str| (ct.path_label)(k).to_string()),
        ),
        (
            "reminders",
            "table-reminders",
            &r.by_reminders,
            Box::new(move |k: &str| (ct.reminders_label)(k)),
        ),
        (
            "conversation",
            "table-conversation",
            &r.by_conversation,
            Box::new(move |k: &str| (ct.conversation_label)(k).to_string()),
        ),
        (
            "cohort",
            "table-cohorts",
            &r.cohorts,
            Box::new(|k: &str| k.to_string()),
        ),
    ];
    view! {
        <p>{page.member.creditor_name.clone()}</p>
        <form method="get" action="/creditor/retention" class="filters">
            <div class="field">
                <label for="filter-from">{ct.filter_from}</label>
                <input id="filter-from" name="from" type="date" value=page.filter.from.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="filter-to">{ct.filter_to}</label>
                <input id="filter-to" name="to" type="date" value=page.filter.to.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="filter-class">{ct.filter_class}</label>
                <select id="filter-class" name="class">
                    <option value="">{ct.all_classes}</option>
                    {page.classes.iter().map(|(k, n)| {
                        let chosen = *k == class_sel;
                        view! { <option value=k.clone() selected=chosen>{n.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="secondary">{ct.filter_apply}</button>
        </form>
        {(!page.filter_problems.is_empty()).then(|| view! { <p class="error" role="alert">{ct.filter_bad_date}</p> })}
        <p class="hint">{ct.significance_note}</p>
        <p><a href=csv download="">{ct.retention_csv}</a></p>
        {(ended == 0).then(|| view! { <p class="empty">{ct.retention_empty}</p> })}
        <section class="card" aria-labelledby="outcome-heading">
            <h2 id="outcome-heading">{ct.outcome_heading}</h2>
            {groups_table(lang, "table-outcome", ct.outcome_heading.to_string(),
                &[r.paid.clone(), r.other.clone()], &|k: &str| (ct.outcome_label)(k).to_string())}
        </section>
        <section class="card" aria-labelledby="charts-heading">
            <h2 id="charts-heading">{ct.chart_share}</h2>
            {chart("chart-cohorts")}
            {chart("chart-classes")}
            {chart("chart-reasons")}
        </section>
        {tables.into_iter().map(|(dimension, id, groups, name)| {
            let heading = (ct.breakdown_heading)(dimension);
            let heading_id = format!("{id}-heading");
            let labelled_by = heading_id.clone();
            view! {
                <section class="card" aria-labelledby=labelled_by>
                    <h2 id=heading_id>{heading}</h2>
                    {groups.is_empty().then(|| view! { <p class="empty">{ct.chart_no_data}</p> })}
                    {(!groups.is_empty()).then(|| groups_table(lang, id, heading.to_string(), groups, &*name))}
                </section>
            }
        }).collect_view()}
        <section class="card" aria-labelledby="satisfaction-heading">
            <h2 id="satisfaction-heading">{ct.satisfaction_heading}</h2>
            <p>{ct.satisfaction_intro}</p>
            {page.satisfaction.is_empty().then(|| view! { <p class="empty">{ct.satisfaction_empty}</p> })}
            {(!page.satisfaction.is_empty()).then(|| view! {
                <div class="table-wrap">
                <table class="queue" id="table-satisfaction">
                    <caption>{ct.satisfaction_heading}</caption>
                    <thead><tr>
                        <th scope="col">{ct.col_group}</th>
                        <th scope="col">{ct.col_answers}</th>
                        <th scope="col">{ct.col_average}</th>
                    </tr></thead>
                    <tbody>
                        {page.satisfaction.iter().map(|s| {
                            let label = if s.dimension == "class" { class_name(&s.key) } else { (ct.path_label)(&s.key).to_string() };
                            let weak = s.answers < crate::domain::retention::MIN_SIGNIFICANT;
                            view! {
                                <tr>
                                    <th scope="row">{label}</th>
                                    <td class="num">{s.answers}</td>
                                    <td class="num">
                                        {s.average_tenths.map(|t| if lang == Language::De { format!("{},{}", t / 10, t % 10) } else { format!("{}.{}", t / 10, t % 10) })}
                                        {weak.then(|| view! { <br/><span class="hint">{ct.not_significant}</span> })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            })}
        </section>
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">{ct.activity_heading}</h2>
            {page.upload.map(|u| view! {
                <div id="activity-result" role="status" class=if u.written { "notice" } else { "error" }>
                    <p>{(ct.activity_result)(u.written, u.created, u.unchanged, u.problems)}</p>
                    {(!u.written).then(|| view! { <pre class="report">{u.report.clone()}</pre> })}
                </div>
            })}
            {owner.then(|| view! {
                <form method="post" action={<UploadActivities as ServerFn>::PATH} enctype="multipart/form-data" novalidate>
                    <FormAlert error=upload_error/>
                    <FileField name="file" label=ct.activity_file_label hint=ct.activity_intro error=upload_error accept=".csv,.txt,text/csv,text/plain" single=true/>
                    <button type="submit" class="primary">{ct.activity_upload}</button>
                </form>
            })}
        </section>
    }
}

/// `/creditor/customers/:id`: one customer's relationship — every case with how it was paid,
/// the trend, what they did after each case, the conversation and the reported activity.
#[component]
pub fn CustomerRelationship() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_customer(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <CreditorFrame>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => customer_view(lang, page).into_any(),
                        Err(e) => view! { <Title text=ct.nav_overview/><h1>{ct.nav_overview}</h1>{load_error(e, lang)} }.into_any(),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

fn customer_view(lang: Language, page: crate::dto::CustomerPage) -> impl IntoView {
    let ct = creditor_tr(lang);
    let st = staff_tr(lang);
    let title = (ct.customer_title)(&page.name);
    let date = move |d: Option<chrono::NaiveDate>| {
        d.map(|d| crate::i18n::format_date(lang, d))
            .unwrap_or_default()
    };
    view! {
        <Title text=title.clone()/>
        <p><a href="/creditor/overview">{ct.back_to_overview}</a></p>
        <h1>{title}</h1>
        <p>{page.customer_number.clone()}
            {page.key_account.then(|| view! { " · " <strong class="badge">{ct.key_account_badge}</strong> })}</p>
        <section class="card" aria-labelledby="customer-cases-heading">
            <h2 id="customer-cases-heading">{ct.customer_cases_heading}</h2>
            {page.trend.as_deref().map(|t| view! { <p id="payment-trend">{(ct.trend)(t)}</p> })}
            <div class="table-wrap">
                <table class="queue" id="customer-cases">
                    <caption class="visually-hidden">{ct.customer_cases_heading}</caption>
                    <thead><tr>
                        <th scope="col">{ct.col_reference}</th>
                        <th scope="col">{ct.filter_state}</th>
                        <th scope="col">{ct.col_claimed}</th>
                        <th scope="col">{ct.col_due}</th>
                        <th scope="col">{ct.col_paid_on}</th>
                        <th scope="col">{st.reason_label}</th>
                        <th scope="col">{ct.col_after}</th>
                    </tr></thead>
                    <tbody>
                        {page.cases.iter().map(|c| view! {
                            <tr>
                                <th scope="row">{c.reference.clone()}<br/><span class="meta">{(st.class_name)(c.class_key.as_deref().unwrap_or(""))}</span></th>
                                <td>{(st.state_label)(&c.state)}
                                    {c.path.as_deref().map(|p| view! { <br/><span class="meta">{(ct.path_label)(p)}</span> })}</td>
                                <td>{c.claimed.format(lang)}<br/><span class="meta">{ct.col_paid}": "{c.paid.format(lang)}</span></td>
                                <td>{date(c.due_on)}</td>
                                <td>{date(c.paid_on)}<br/><span class="meta">{(ct.days_late)(c.days_late)}</span>
                                    <br/><span class="meta">{(ct.reminders_label)(&if c.reminders >= 3 { "3+".to_string() } else { c.reminders.to_string() })}</span></td>
                                <td>{crate::i18n::reason_or_none(lang, c.reason.as_deref().unwrap_or("none"))}</td>
                                <td>
                                    {c.returns.is_empty().then(|| view! { <span class="meta">{ct.no_returns}</span> })}
                                    <ul class="plain">
                                        {c.returns.iter().map(|(kind, on, amount, days)| view! {
                                            <li>{(ct.activity_kind)(kind)}" · "{crate::i18n::format_date(lang, *on)}
                                                {amount.map(|a| format!(" · {}", a.format(lang)))}
                                                {format!(" (+{days})")}</li>
                                        }).collect_view()}
                                    </ul>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="customer-conversation-heading">
            <h2 id="customer-conversation-heading">{ct.conversation_heading}</h2>
            {page.messages.is_empty().then(|| view! { <p class="empty">{ct.no_messages}</p> })}
            {(!page.message_texts && !page.messages.is_empty())
                .then(|| view! { <p class="hint">{ct.messages_owners_only}</p> })}
            <ol class="timeline">
                {page.messages.iter().map(|(reference, author, body, at)| view! {
                    <li>
                        <span class="meta">{when(lang, *at)}" · "{reference.clone()}" · "{(ct.author_label)(author)}</span>
                        {(!body.is_empty()).then(|| view! { <p class="body">{body.clone()}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
        <section class="card" aria-labelledby="customer-activity-heading">
            <h2 id="customer-activity-heading">{ct.activities_heading}</h2>
            {page.activities.is_empty().then(|| view! { <p class="empty">{ct.no_activities}</p> })}
            <ul class="plain">
                {page.activities.iter().map(|(kind, on, amount)| view! {
                    <li>{crate::i18n::format_date(lang, *on)}" · "{(ct.activity_kind)(kind)}
                        {amount.map(|a| format!(" · {}", a.format(lang)))}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}
