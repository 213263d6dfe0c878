//! `/staff`: the work queue, earliest deadline first, with filters, assignment and pages.

use super::{load_error, StaffFrame};
use crate::api::staff::{get_queue, AssignWork};
use crate::domain::work::{hours_left, ALL_KINDS};
use crate::dto::QueuePage as Page;
use crate::i18n::{staff_tr, tr, use_language};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

const CLASSES: [&str; 3] = ["key_account", "standard", "strict"];

/// The work queue.
#[component]
pub fn QueuePage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name));
    let queue = Resource::new(
        move || {
            (
                param("kind"),
                param("creditor"),
                param("class"),
                param("assignee"),
                param("page"),
            )
        },
        |(kind, creditor, class, assignee, page)| get_queue(kind, creditor, class, assignee, page),
    );
    view! {
        <Title text=st.queue_title/>
        <StaffFrame>
            <h1>{st.queue_title}</h1>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(page) => view! { <Filters page=page.clone()/> <Items page/> }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// The filter form: a GET form, so filters live in the address and survive a reload.
#[component]
fn Filters(page: Page) -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let query = use_query_map();
    let current = move |name: &str| query.with_untracked(|q| q.get(name)).unwrap_or_default();
    let (kind, creditor, class, assignee) = (
        current("kind"),
        current("creditor"),
        current("class"),
        current("assignee"),
    );
    let opt = move |value: String, label: String, selected: &str| {
        let is = value == selected;
        view! { <option value=value selected=is>{label}</option> }
    };
    view! {
        <form method="get" action="/staff" class="card filters" aria-label=st.filter_heading>
            <div class="field">
                <label for="kind">{st.filter_kind}</label>
                <select id="kind" name="kind">
                    {opt(String::new(), st.filter_all.into(), &kind)}
                    {ALL_KINDS.iter().map(|k| opt(k.code().into(), (st.work_kind)(k.code()).into(), &kind)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="creditor">{st.filter_creditor}</label>
                <select id="creditor" name="creditor">
                    {opt(String::new(), st.filter_all.into(), &creditor)}
                    {page.creditors.iter().map(|(id, name)| opt(id.to_string(), name.clone(), &creditor)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="class">{st.filter_class}</label>
                <select id="class" name="class">
                    {opt(String::new(), st.filter_all.into(), &class)}
                    {CLASSES.iter().map(|c| opt((*c).into(), (st.class_name)(c).into(), &class)).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="assignee">{st.filter_assignee}</label>
                <select id="assignee" name="assignee">
                    {opt(String::new(), st.filter_all.into(), &assignee)}
                    {opt("nobody".into(), st.filter_nobody.into(), &assignee)}
                    {page.staff.iter().map(|(id, name)| opt(id.to_string(), name.clone(), &assignee)).collect_view()}
                </select>
            </div>
            <button type="submit">{st.filter_button}</button>
        </form>
    }
}

/// The items as a table, with assignment forms and page links.
#[component]
fn Items(page: Page) -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let location = use_location();
    let back = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    );
    if page.items.is_empty() {
        return view! { <p class="empty">{st.queue_empty}</p> }.into_any();
    }
    let pages = u32::try_from(page.total.div_ceil(u64::from(page.per_page.max(1)))).unwrap_or(1);
    let query = use_query_map();
    let link_to = move |p: u32| {
        let values: Vec<(&str, Option<String>)> = query.with_untracked(|q| {
            ["kind", "creditor", "class", "assignee"]
                .into_iter()
                .map(|k| (k, q.get(k)))
                .collect()
        });
        format!("/staff?{}", crate::pages::query_string(&values, Some(p)))
    };
    let now = page.now_ms;
    let me = page.me;
    let colleagues = page.staff.clone();
    view! {
        <div class="table-wrap">
            <table class="queue">
                <thead>
                    <tr>
                        <th scope="col">{st.col_due}</th>
                        <th scope="col">{st.col_reason}</th>
                        <th scope="col">{st.col_case}</th>
                        <th scope="col">{st.col_class}</th>
                        <th scope="col">{st.col_amount}</th>
                        <th scope="col">{st.col_assignee}</th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|item| {
                        let hours = hours_left(item.due_at_ms, now);
                        let key = item.class_key.clone().unwrap_or_default();
                        let key_account = key == "key_account";
                        let mine = item.assignee.as_ref().is_some_and(|(id, _)| *id == me);
                        let select_id = format!("assign-{}", item.id);
                        view! {
                            <tr class:key-account=key_account class:overdue=hours < 0>
                                <td>{(st.due_in)(hours)}</td>
                                <td>{(st.work_kind)(&item.kind)}</td>
                                <td>
                                    <a href=format!("/staff/cases/{}", item.case_id)>{item.reference.clone()}</a>
                                    <br/>{item.debtor_name.clone()}" · "{item.creditor_name.clone()}
                                </td>
                                <td>
                                    {if key_account {
                                        view! { <strong class="badge">{st.key_account}</strong> }.into_any()
                                    } else {
                                        view! { <span>{(st.class_name)(&key)}</span> }.into_any()
                                    }}
                                </td>
                                <td class="amount">{item.balance.map(|b| b.format(lang)).unwrap_or_default()}</td>
                                <td>
                                    <span>{item.assignee.clone().map(|(_, n)| n).unwrap_or_else(|| st.unassigned.into())}</span>
                                    <form method="post" action={<AssignWork as ServerFn>::PATH} class="assign">
                                        <input type="hidden" name="item_id" value=item.id/>
                                        <input type="hidden" name="back" value=back.clone()/>
                                        {(!mine).then(|| view! {
                                            <button type="submit" name="assignee" value="me">{st.assign_me}</button>
                                        })}
                                    </form>
                                    <form method="post" action={<AssignWork as ServerFn>::PATH} class="assign">
                                        <input type="hidden" name="item_id" value=item.id/>
                                        <input type="hidden" name="back" value=back.clone()/>
                                        <label for=select_id.clone() class="visually-hidden">{st.assign_label}</label>
                                        <select id=select_id name="assignee">
                                            <option value="">{st.unassigned}</option>
                                            {colleagues.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                                        </select>
                                        <button type="submit">{st.assign_button}</button>
                                    </form>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pages" aria-label=(st.page_of)(page.page + 1, pages.max(1), page.total)>
            <p>{(st.page_of)(page.page + 1, pages.max(1), page.total)}</p>
            {(page.page > 0).then(|| view! { <a href=link_to(page.page) rel="prev">{st.prev_page}</a> })}
            {(page.page + 1 < pages).then(|| view! { <a href=link_to(page.page + 2) rel="next">{st.next_page}</a> })}
        </nav>
    }
    .into_any()
}
