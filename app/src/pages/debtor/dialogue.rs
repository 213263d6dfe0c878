//! The debtor's dialogue pages: writing to the case handler, disputing the claim, reporting a
//! payment already made. Their forms carry documents, so they are plain multipart forms that post
//! and redirect the same way with and without JavaScript.

use super::{kept, url_error};
use crate::api::debtor::{get_dialogue, ClaimPayment, OpenDispute, SendMessage};
use crate::components::{FileField, FormAlert, Layout, TextArea, TextField};
use crate::domain::Language;
use crate::dto::DialogueView;
use crate::error::AppError;
use crate::i18n::{format_date, tr, use_language};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The frame of a verified debtor page: title, way back, and the dialogue data once loaded.
fn verified_page<R>(title: &'static str, render: R) -> impl IntoView
where
    R: Fn(DialogueView) -> AnyView + Copy + Send + Sync + 'static,
{
    let lang = use_language();
    let t = tr(lang);
    let dialogue = OnceResource::new(get_dialogue());
    view! {
        <Title text=title/>
        <Layout>
            <p class="back"><a href="/case">{t.back_to_case}</a></p>
            <h1>{title}</h1>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match dialogue.await {
                        Ok(d) => render(d),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/"/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

fn time_label(lang: Language, at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|d| {
            format!(
                "{} {}",
                format_date(lang, d.date_naive()),
                d.format("%H:%M")
            )
        })
        .unwrap_or_default()
}

/// `/case/message`: the conversation with the case handler and a form to write.
#[component]
pub fn MessagePage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let error = url_error(<SendMessage as ServerFn>::PATH);
    verified_page(t.message_title, move |d| {
        view! {
            <p>{t.message_intro}</p>
            <section aria-labelledby="conversation-heading" class="card">
                <h2 id="conversation-heading">{t.conversation_heading}</h2>
                {if d.messages.is_empty() {
                    view! { <p>{t.no_messages}</p> }.into_any()
                } else {
                    view! {
                        <ol class="conversation">
                            {d.messages.into_iter().map(|m| {
                                let who = if m.author == "debtor" { t.author_you } else { t.author_handler };
                                view! {
                                    <li class=format!("message from-{}", m.author)>
                                        <p class="meta">{who} " · " {time_label(lang, m.at_ms)}</p>
                                        <p class="body">{m.body}</p>
                                        <ul class="attachments">
                                            {m.attachments.into_iter().map(|a| view! {
                                                <li><a href=format!("/case/documents/{}", a.id) download>{a.filename}</a></li>
                                            }).collect_view()}
                                        </ul>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </section>
            <form method="post" action={<SendMessage as ServerFn>::PATH} enctype="multipart/form-data" class="card" novalidate>
                <FormAlert error/>
                <input type="hidden" name="form_key" value=d.form_key/>
                <TextArea name="body" label=t.message_label value=kept(error, "body") error required=true/>
                <FileField name="documents" label=t.documents_label hint=t.documents_hint error/>
                <p class="hint">{t.who_reads}</p>
                <button type="submit" class="primary">{t.send_button}</button>
            </form>
        }
        .into_any()
    })
}

/// `/case/dispute?kind=…`: dispute the claim with text and documents.
#[component]
pub fn DisputePage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let kind: &'static str = match use_query_map().with_untracked(|q| q.get("kind")).as_deref() {
        Some("claim_wrong") => "claim_wrong",
        Some("not_my_debt") => "not_my_debt",
        _ => "complaint",
    };
    let error = url_error(<OpenDispute as ServerFn>::PATH);
    verified_page((t.dispute_title)(kind), move |d| {
        view! {
            <p>{(t.dispute_intro)(d.reply_days)}</p>
            <form method="post" action={<OpenDispute as ServerFn>::PATH} enctype="multipart/form-data" class="card" novalidate>
                <FormAlert error/>
                <input type="hidden" name="form_key" value=d.form_key/>
                <input type="hidden" name="kind" value=kind/>
                <TextArea name="body" label=t.dispute_label value=kept(error, "body") error required=true/>
                <FileField name="documents" label=t.documents_label hint=t.documents_hint error/>
                <p class="hint">{t.who_reads}</p>
                <button type="submit" class="primary">{t.dispute_button}</button>
            </form>
        }
        .into_any()
    })
}

/// `/case/paid`: report a payment already made.
#[component]
pub fn PaidPage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let error = url_error(<ClaimPayment as ServerFn>::PATH);
    verified_page(t.paid_title, move |d| {
        view! {
            <p>{t.paid_intro}</p>
            <form method="post" action={<ClaimPayment as ServerFn>::PATH} enctype="multipart/form-data" class="card" novalidate>
                <FormAlert error/>
                <input type="hidden" name="form_key" value=d.form_key/>
                <TextField name="paid_on" label=t.paid_on_label value=kept(error, "paid_on") error input_type="date"/>
                <TextField name="amount" label=t.amount_label value=kept(error, "amount") error inputmode="decimal"/>
                <TextArea name="note" label=t.note_label value=kept(error, "note") error/>
                <FileField name="documents" label=t.documents_label hint=t.documents_hint error/>
                <p class="hint">{t.who_reads}</p>
                <button type="submit" class="primary">{t.paid_button}</button>
            </form>
        }
        .into_any()
    })
}
