//! Hand-over files: the upload and the report of one import.

use super::{load_error, CreditorFrame};
use crate::api::creditor::{get_import, get_imports, UploadClaims};
use crate::components::{FileField, FormAlert};
use crate::error::AppError;
use crate::i18n::{creditor_tr, tr, use_language};
use crate::pages::debtor::url_error;
use crate::pages::staff::when;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor/import`: upload a hand-over file; the recent imports.
#[component]
pub fn ImportPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_imports());
    let error = url_error(<UploadClaims as ServerFn>::PATH);
    view! {
        <Title text=ct.import_title/>
        <CreditorFrame>
            <h1>{ct.import_title}</h1>
            <p>{ct.import_intro}</p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(page) => page,
                        Err(e) => return load_error(e, lang),
                    };
                    let owner = page.member.role == "owner";
                    view! {
                        <p>{page.member.creditor_name.clone()}</p>
                        {owner.then(|| view! {
                            <form method="post" action={<UploadClaims as ServerFn>::PATH} enctype="multipart/form-data" class="card" novalidate>
                                <FormAlert error/>
                                <FileField name="file" label=ct.file_label hint=ct.file_hint error accept=".csv,.txt,text/csv,text/plain" single=true/>
                                <div class="field">
                                    <label class="choice-line">
                                        <input type="checkbox" name="partial" value="yes"/>
                                        " " {ct.partial_label}
                                    </label>
                                </div>
                                <button type="submit" class="primary">{ct.upload_button}</button>
                            </form>
                        })}
                        <section aria-labelledby="imports-heading">
                            <h2 id="imports-heading">{ct.imports_heading}</h2>
                            {page.jobs.is_empty().then(|| view! { <p class="empty">{ct.imports_empty}</p> })}
                            {(!page.jobs.is_empty()).then(|| view! {
                                <div class="table-wrap">
                                <table class="queue">
                                    <thead><tr>
                                        <th scope="col">{ct.col_file}</th>
                                        <th scope="col">{ct.col_uploaded}</th>
                                        <th scope="col">{ct.col_result}</th>
                                    </tr></thead>
                                    <tbody>
                                        {page.jobs.iter().map(|j| view! {
                                            <tr>
                                                <td><a href=format!("/creditor/import/{}", j.id)>{j.filename.clone()}</a></td>
                                                <td>{when(lang, j.created_at_ms)}" · "{j.uploaded_by.clone().unwrap_or_default()}</td>
                                                <td>{(ct.job_result)(&j.state, j.rows_read, j.imported, j.problems)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            })}
                        </section>
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// Lines of a report shown on the page; the rest is in the download.
const REPORT_LINES: usize = 200;

/// `/creditor/import/:id`: the import's progress (the page reloads itself while it runs) and
/// then its report.
#[component]
pub fn ImportJobPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let params = leptos_router::hooks::use_params_map();
    let job = Resource::new(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => get_import(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text=ct.import_title/>
        <CreditorFrame>
            <p class="back"><a href="/creditor/import">{ct.back_to_import}</a></p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let j = match job.await {
                        Ok(j) => j,
                        Err(e) => return load_error(e, lang),
                    };
                    let running = j.state == "running";
                    let lines: Vec<&str> = j.report.lines().collect();
                    let more = lines.len().saturating_sub(REPORT_LINES);
                    let shown = lines.iter().take(REPORT_LINES).copied().collect::<Vec<_>>().join("\n");
                    view! {
                        <h1>{(ct.job_title)(&j.filename)}</h1>
                        {running.then(|| view! {
                            <leptos_meta::Meta http_equiv="refresh" content="2"/>
                            <div class="notice" role="status"><p>{(ct.job_running)(j.rows_read)}</p></div>
                        })}
                        {(!running).then(|| view! {
                            <div class="notice" role="status"><p id="import-result">{(ct.job_result)(&j.state, j.rows_read, j.imported, j.problems)}</p></div>
                            <section class="card" aria-labelledby="report-heading">
                                <h2 id="report-heading">{ct.report_heading}</h2>
                                <pre class="report" tabindex="0">{shown}</pre>
                                {(more > 0).then(|| view! { <p>{(ct.report_more)(more)}</p> })}
                                <p><a href=format!("/creditor/import/{}/report.txt", j.id) download>{ct.report_download}</a></p>
                            </section>
                        })}
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}
