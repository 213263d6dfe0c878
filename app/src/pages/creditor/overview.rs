//! The creditor's overview of its cases, and its remittance reports.

use super::{load_error, CreditorFrame};
use crate::api::creditor::{get_creditor_overview, get_remittances, MoveCaseClass, PauseCase};
use crate::components::FormAlert;
use crate::domain::Language;
use crate::dto::CreditorOverview;
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
use crate::pages::debtor::url_error;
use crate::pages::staff::{done_param, when, Done};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor/overview`: figures, the cases with filters, the CSV export and class moves.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let query = leptos_router::hooks::use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name));
    let data = Resource::new(
        move || (param("state"), param("class"), param("q"), param("page")),
        |(state, class, q, page)| {
            get_creditor_overview(state, class, q, page.and_then(|p| p.parse().ok()))
        },
    );
    let move_error = url_error(<MoveCaseClass as ServerFn>::PATH);
    let pause_error = url_error(<PauseCase as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || {
        done.get().map(|what| match what.as_str() {
            "paused" => {
                let until = param("until")
                    .and_then(|u| chrono::NaiveDate::parse_from_str(&u, "%Y-%m-%d").ok())
                    .map(|u| crate::i18n::format_date(lang, u))
                    .unwrap_or_default();
                (ct.paused_done)(&until)
            }
            _ => ct.moved_done.to_string(),
        })
    });
    view! {
        <Title text=ct.overview_title/>
        <CreditorFrame>
            <h1>{ct.overview_title}</h1>
            <Done text=done_text/>
            <FormAlert error=move_error/>
            <FormAlert error=pause_error/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(o) => {
                            let filters = [("state", param("state")), ("class", param("class")), ("q", param("q"))];
                            overview_view(lang, o, &filters).into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

fn overview_view(
    lang: Language,
    o: CreditorOverview,
    filters: &[(&str, Option<String>)],
) -> impl IntoView {
    let ct = creditor_tr(lang);
    let st = staff_tr(lang);
    let owner = o.member.role == "owner";
    let class_label = |key: &str| {
        o.classes
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, de, en)| {
                if lang == Language::De {
                    de.clone()
                } else {
                    en.clone()
                }
            })
            .unwrap_or_default()
    };
    let selected = |name: &str| {
        filters
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (state_sel, class_sel, q) = (selected("state"), selected("class"), selected("q"));
    let pages = u32::try_from((o.matching + i64::from(o.per_page) - 1) / i64::from(o.per_page))
        .unwrap_or(1);
    let csv = format!(
        "/creditor/overview.csv?{}",
        crate::pages::query_string(filters, None)
    );
    let link_to = {
        let filters = filters.to_vec();
        move |p: u32| {
            format!(
                "/creditor/overview?{}",
                crate::pages::query_string(&filters, Some(p))
            )
        }
    };
    let link_prev = link_to.clone();
    view! {
        <p>{o.member.creditor_name.clone()}</p>
        <section class="card" aria-labelledby="figures-heading">
            <h2 id="figures-heading">{ct.figures_heading}</h2>
            <dl class="facts">
                <div><dt>{ct.fig_recovered}</dt><dd id="fig-recovered">{o.recovered.format(lang)}</dd></div>
                <div><dt>{ct.fig_recovered_30}</dt><dd>{o.recovered_30_days.format(lang)}</dd></div>
                <div><dt>{ct.fig_passed_on}</dt><dd id="fig-passed-on">{o.passed_on.format(lang)}</dd></div>
                <div><dt>{ct.fig_disputes}</dt><dd id="fig-disputes">{o.open_disputes}</dd></div>
                <div><dt>{ct.fig_plans}</dt><dd id="fig-plans">{o.agreed_plans}</dd></div>
                {o.by_state.iter().filter(|(_, n)| *n > 0).map(|(code, n)| view! {
                    <div><dt>{(st.state_label)(code)}</dt><dd>{*n}</dd></div>
                }).collect_view()}
            </dl>
        </section>
        <section aria-labelledby="cases-heading">
            <h2 id="cases-heading">{ct.cases_heading}</h2>
            <form method="get" action="/creditor/overview" class="filters">
                <div class="field">
                    <label for="filter-state">{ct.filter_state}</label>
                    <select id="filter-state" name="state">
                        <option value="">{st.filter_all}</option>
                        {o.by_state.iter().map(|(code, _)| {
                            let chosen = *code == state_sel;
                            view! { <option value=code.clone() selected=chosen>{(st.state_label)(code)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-class">{ct.col_class}</label>
                    <select id="filter-class" name="class">
                        <option value="">{st.filter_all}</option>
                        {o.classes.iter().map(|(key, de, en)| {
                            let chosen = *key == class_sel;
                            let name = if lang == Language::De { de.clone() } else { en.clone() };
                            view! { <option value=key.clone() selected=chosen>{name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-q">{ct.filter_query}</label>
                    <input id="filter-q" name="q" type="search" value=q/>
                </div>
                <button type="submit">{st.filter_button}</button>
            </form>
            <p><a href=csv download>{ct.export_csv}</a></p>
            {o.rows.is_empty().then(|| view! { <p class="empty">{ct.overview_empty}</p> })}
            {(!o.rows.is_empty()).then(|| view! {
                <div class="table-wrap">
                <table class="queue">
                    <thead><tr>
                        <th scope="col">{st.col_case}</th>
                        <th scope="col">{st.col_debtor}</th>
                        <th scope="col">{ct.col_class}</th>
                        <th scope="col">{ct.filter_state}</th>
                        <th scope="col">{ct.col_claimed}</th>
                        <th scope="col">{ct.col_paid}</th>
                        <th scope="col">{ct.col_handed_over}</th>
                        {owner.then(|| view! { <th scope="col">{ct.col_move}</th><th scope="col">{ct.col_pause}</th> })}
                    </tr></thead>
                    <tbody>
                        {o.rows.iter().map(|r| {
                            let running = !matches!(r.state.as_str(), "paid" | "closed");
                            // A pause stops the clock of a case whose reminders run or are held.
                            let pausable = matches!(r.state.as_str(), "open" | "in_dialogue" | "plan_proposed" | "on_hold");
                            let select_id = format!("move-{}", r.case_id);
                            let pause_id = format!("pause-{}", r.case_id);
                            let current = r.class_key.clone().unwrap_or_default();
                            view! {
                                <tr>
                                    <td>{r.reference.clone()}</td>
                                    <td><a href=format!("/creditor/customers/{}", r.debtor_id)>{r.debtor_name.clone()}</a><br/><span class="meta">{r.customer_number.clone()}</span></td>
                                    <td>{class_label(&current)}</td>
                                    <td>{(st.state_label)(&r.state)}</td>
                                    <td>{r.claimed.format(lang)}</td>
                                    <td>{r.paid.format(lang)}</td>
                                    <td>{when(lang, r.handed_over_ms)}</td>
                                    {owner.then(|| view! {
                                        <td>{running.then(|| view! {
                                            <form method="post" action={<MoveCaseClass as ServerFn>::PATH} class="assign">
                                                <input type="hidden" name="case_id" value=r.case_id/>
                                                <label for=select_id.clone() class="visually-hidden">{(ct.move_label)(&r.reference)}</label>
                                                <select id=select_id name="class">
                                                    {o.classes.iter().map(|(key, de, en)| {
                                                        let chosen = *key == current;
                                                        let name = if lang == Language::De { de.clone() } else { en.clone() };
                                                        view! { <option value=key.clone() selected=chosen>{name}</option> }
                                                    }).collect_view()}
                                                </select>
                                                <button type="submit">{ct.move_button}</button>
                                            </form>
                                        })}</td>
                                        <td>{pausable.then(|| view! {
                                            <form method="post" action={<PauseCase as ServerFn>::PATH} class="assign">
                                                <input type="hidden" name="case_id" value=r.case_id/>
                                                <label for=pause_id.clone() class="visually-hidden">{(ct.pause_label)(&r.reference)}</label>
                                                <input id=pause_id.clone() name="days" type="number" min="1" max="90" value="14" inputmode="numeric" class="days"/>
                                                " "{ct.pause_days_unit}" "
                                                <button type="submit">{ct.pause_button}</button>
                                            </form>
                                        })}</td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            })}
            <nav class="pages" aria-label=(st.page_of)(o.page, pages.max(1), u64::try_from(o.matching).unwrap_or(0))>
                <p>{(st.page_of)(o.page, pages.max(1), u64::try_from(o.matching).unwrap_or(0))}</p>
                {(o.page > 1).then(|| view! { <a href=link_prev(o.page - 1) rel="prev">{st.prev_page}</a> })}
                {(o.page < pages).then(|| view! { <a href=link_to(o.page + 1) rel="next">{st.next_page}</a> })}
            </nav>
        </section>
    }
}

/// `/creditor/remittances`: the monthly remittance reports, each downloadable as CSV.
#[component]
pub fn RemittancesPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_remittances());
    view! {
        <Title text=ct.remittances_title/>
        <CreditorFrame>
            <h1>{ct.remittances_title}</h1>
            <p>{ct.remittances_intro}</p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(page) => page,
                        Err(e) => return load_error(e, lang),
                    };
                    view! {
                        <p>{page.member.creditor_name.clone()}</p>
                        <p id="pending">{(ct.remittances_pending)(&page.pending.format(lang))}</p>
                        {page.remittances.is_empty().then(|| view! { <p class="empty">{ct.remittances_empty}</p> })}
                        {(!page.remittances.is_empty()).then(|| view! {
                            <div class="table-wrap">
                            <table class="queue">
                                <thead><tr>
                                    <th scope="col">{ct.col_period}</th>
                                    <th scope="col">{ct.col_payments}</th>
                                    <th scope="col">{ct.col_collected}</th>
                                    <th scope="col">{ct.col_costs}</th>
                                    <th scope="col">{ct.col_credit}</th>
                                    <th scope="col">{ct.col_passed_on}</th>
                                    <th scope="col">"CSV"</th>
                                </tr></thead>
                                <tbody>
                                    {page.remittances.iter().map(|r| view! {
                                        <tr>
                                            <td>{r.period.clone()}</td>
                                            <td>{r.payments}</td>
                                            <td>{r.collected.format(lang)}</td>
                                            <td>{r.costs.format(lang)}</td>
                                            <td>{r.credit.format(lang)}</td>
                                            <td><strong>{r.passed_on.format(lang)}</strong></td>
                                            <td><a href=format!("/creditor/remittances/{}/report.csv", r.id) download>{(ct.download_report)(&r.period)}</a></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        })}
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}
