//! `/staff/payments`: import a bank statement, and decide the incoming payments Rapport could not
//! book on its own — book each on a case, or close it without booking and say why.

use super::{load_error, Done, StaffFrame};
use crate::api::staff::{get_payments, AssignBankEntry, DismissBankEntry, UploadStatement};
use crate::components::{FileField, FormAlert};
use crate::domain::Language;
use crate::dto::BankEntryView;
use crate::i18n::{format_date, payments_tr, staff_tr, tr, use_language};
use crate::pages::debtor::url_error;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The page.
#[component]
pub fn PaymentsPage() -> impl IntoView {
    let lang = use_language();
    let pt = payments_tr(lang);
    let query = use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name));
    let data = Resource::new(move || param("page"), get_payments);
    let upload_error = url_error(<UploadStatement as ServerFn>::PATH);
    let done = Signal::derive(move || {
        let n = |k: &str| param(k).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
        param("done").map(|d| match d.as_str() {
            "imported" => (pt.imported_done)(n("entries"), n("booked"), n("open"), n("duplicates")),
            "dismissed" => pt.dismissed_done.to_string(),
            _ => pt.assigned_done.to_string(),
        })
    });
    view! {
        <Title text=pt.title/>
        <StaffFrame>
            <h1>{pt.title}</h1>
            <Done text=done/>
            <DecisionAlerts/>
            <form method="post" action={<UploadStatement as ServerFn>::PATH} enctype="multipart/form-data" class="card" novalidate aria-labelledby="upload-heading">
                <h2 id="upload-heading">{pt.upload_heading}</h2>
                <FormAlert error=upload_error/>
                <FileField name="statement" label=pt.upload_label hint=pt.upload_hint error=upload_error accept=".xml,application/xml,text/xml" single=true/>
                <button type="submit" class="primary">{pt.upload_button}</button>
            </form>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => {
                            let st = staff_tr(lang);
                            let pages = u32::try_from(page.total.div_ceil(u64::from(page.per_page.max(1)))).unwrap_or(1).max(1);
                            let imports = page.imports.clone();
                            view! {
                                <section aria-labelledby="open-heading">
                                    <h2 id="open-heading">{pt.open_heading}</h2>
                                    <EntryTable entries=page.entries.clone() back="/staff/payments".to_string() lang/>
                                    <nav class="pages" aria-label=(st.page_of)(page.page, pages, page.total)>
                                        <p>{(st.page_of)(page.page, pages, page.total)}</p>
                                        {(page.page > 1).then(|| view! { <a href=format!("/staff/payments?page={}", page.page - 1) rel="prev">{st.prev_page}</a> })}
                                        {(page.page < pages).then(|| view! { <a href=format!("/staff/payments?page={}", page.page + 1) rel="next">{st.next_page}</a> })}
                                    </nav>
                                </section>
                                <section aria-labelledby="imports-heading">
                                    <h2 id="imports-heading">{pt.imports_heading}</h2>
                                    {imports.is_empty().then(|| view! { <p class="empty">{pt.imports_empty}</p> })}
                                    <ul>
                                        {imports.into_iter().map(|i| {
                                            let line = if i.state == "failed" {
                                                format!("{} – {}", i.file_name, pt.import_failed)
                                            } else {
                                                (pt.import_line)(&i.file_name, &i.format, i.entries, i.booked, i.open, i.duplicates)
                                            };
                                            view! { <li>{super::when(lang, i.at_ms)}" · "{line}</li> }
                                        }).collect_view()}
                                    </ul>
                                </section>
                            }.into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// The errors of the decision forms, shown above the table (the forms sit in its rows).
#[component]
pub fn DecisionAlerts() -> impl IntoView {
    let assign_error = url_error(<AssignBankEntry as ServerFn>::PATH);
    let dismiss_error = url_error(<DismissBankEntry as ServerFn>::PATH);
    view! {
        <FormAlert error=assign_error/>
        <FormAlert error=dismiss_error/>
    }
}

/// Open entries with the decision forms; `back` is where a decision returns to.
#[component]
pub fn EntryTable(entries: Vec<BankEntryView>, back: String, lang: Language) -> impl IntoView {
    let pt = payments_tr(lang);
    if entries.is_empty() {
        return view! { <p class="empty">{pt.open_empty}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="queue">
                <thead><tr>
                    <th scope="col">{pt.col_date}</th>
                    <th scope="col">{pt.col_amount}</th>
                    <th scope="col">{pt.col_payer}</th>
                    <th scope="col">{pt.col_text}</th>
                    <th scope="col">{pt.col_note}</th>
                    <th scope="col">{pt.col_decide}</th>
                </tr></thead>
                <tbody>
                    {entries.into_iter().map(|e| {
                        let reference_id = format!("entry-{}-reference", e.id);
                        let note_id = format!("entry-{}-note", e.id);
                        let suggested = e.suggestion.as_ref().map(|(_, r, _)| r.clone()).unwrap_or_default();
                        view! {
                            <tr id=format!("entry-{}", e.id)>
                                <td>{format_date(lang, e.value_date)}</td>
                                <td>{e.amount.format(lang)}</td>
                                <td>{e.payer_name.clone().unwrap_or_default()}<br/><span class="meta">{e.payer_iban.clone().unwrap_or_default()}</span></td>
                                <td>{e.remittance.clone()}</td>
                                <td>
                                    {(pt.note)(&e.note)}
                                    {e.suggestion.clone().map(|(id, reference, name)| view! {
                                        <br/><span class="meta">{pt.suggestion}": "<a href=format!("/staff/cases/{id}")>{reference}</a>" · "{name}</span>
                                    })}
                                </td>
                                <td>
                                    <form method="post" action={<AssignBankEntry as ServerFn>::PATH} class="assign">
                                        <input type="hidden" name="entry_id" value=e.id/>
                                        <input type="hidden" name="back" value=back.clone()/>
                                        <label for=reference_id.clone() class="visually-hidden">{(pt.reference_label)(e.id)}</label>
                                        <input id=reference_id name="reference" type="text" value=suggested autocomplete="off" placeholder="AKTE-…"/>
                                        <button type="submit">{pt.assign_button}</button>
                                    </form>
                                    <form method="post" action={<DismissBankEntry as ServerFn>::PATH} class="assign">
                                        <input type="hidden" name="entry_id" value=e.id/>
                                        <input type="hidden" name="back" value=back.clone()/>
                                        <label for=note_id.clone() class="visually-hidden">{(pt.dismiss_label)(e.id)}</label>
                                        <input id=note_id name="note" type="text" maxlength="500"/>
                                        <button type="submit">{pt.dismiss_button}</button>
                                    </form>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
