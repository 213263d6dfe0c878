//! The creditor portal: sign-in, the consent inbox and API keys. Plain forms that post and
//! redirect, with and without JavaScript.

use crate::api::creditor::{
    get_api_keys, get_consent_inbox, CreateApiKey, CreditorLogin, CreditorLogout, DecideConsent,
    RevokeApiKey,
};
use crate::components::{FormAlert, Layout, TextField};
use crate::error::AppError;
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
use crate::pages::debtor::{kept, url_error};
use crate::pages::staff::{done_param, when, Done};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// `/creditor/login`.
#[component]
pub fn CreditorLoginPage() -> impl IntoView {
    let st = staff_tr(use_language());
    let error = url_error(<CreditorLogin as ServerFn>::PATH);
    view! {
        <Title text=st.creditor_login_title/>
        <Layout>
            <h1>{st.creditor_login_title}</h1>
            <p>{st.creditor_login_intro}</p>
            <form method="post" action={<CreditorLogin as ServerFn>::PATH} class="card" novalidate>
                <FormAlert error/>
                <TextField name="email" label=st.email_label value=kept(error, "email") error autocomplete="username" input_type="email"/>
                <TextField name="password" label=st.password_label error autocomplete="current-password" input_type="password"/>
                <button type="submit" class="primary">{st.login_button}</button>
            </form>
        </Layout>
    }
}

/// `/creditor`: the escalation requests waiting for the creditor's decision.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let inbox = OnceResource::new(get_consent_inbox());
    let error = url_error(<DecideConsent as ServerFn>::PATH);
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
                                <p>{inbox.creditor_name.clone()}</p>
                                <p>{st.consent_intro}</p>
                                {(!owner).then(|| view! { <p class="hint">{st.consent_viewer}</p> })}
                                {inbox.requests.is_empty().then(|| view! { <p class="empty">{st.consent_empty}</p> })}
                                {inbox.requests.into_iter().map(|r| {
                                    let heading = format!("consent-{}", r.case_id);
                                    let labelled_by = heading.clone();
                                    view! {
                                        <section class="card" aria-labelledby=labelled_by>
                                            <h2 id=heading>{r.reference.clone()}" · "{r.debtor_name.clone()}</h2>
                                            <p>{(st.class_name)(r.class_key.as_deref().unwrap_or(""))}" · "
                                               {r.balance.map(|b| b.format(lang)).unwrap_or_default()}</p>
                                            <p class="meta">{(st.consent_requested)(&r.handler_name, &when(lang, r.requested_at_ms))}</p>
                                            <blockquote class="answer"><p>{r.note.clone()}</p></blockquote>
                                            <p>{(st.consent_deadline)(&when(lang, r.deadline_ms))}</p>
                                            {owner.then(|| view! {
                                                <form method="post" action={<DecideConsent as ServerFn>::PATH} novalidate>
                                                    <FormAlert error/>
                                                    <input type="hidden" name="case_id" value=r.case_id/>
                                                    <input type="hidden" name="form_key" value=format!("{key}-{}", r.case_id)/>
                                                    <div class="field">
                                                        <label for=format!("comment-{}", r.case_id)>{st.consent_comment}</label>
                                                        <textarea id=format!("comment-{}", r.case_id) name="comment" rows="3"></textarea>
                                                    </div>
                                                    <button type="submit" name="decision" value="approve" class="primary">{st.consent_approve}</button>
                                                    " "
                                                    <button type="submit" name="decision" value="decline" class="secondary">{st.consent_decline}</button>
                                                </form>
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

/// The frame of a signed-in creditor page: navigation, sign-out and the page's content.
#[component]
fn CreditorFrame(children: Children) -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    view! {
        <a class="skip-link" href="#main">{tr(lang).skip_to_content}</a>
        <header class="site-header staff-header">
            <a class="brand" href="/creditor">"Rapport"</a>
            <nav aria-label=ct.nav_label class="staff-nav">
                <a href="/creditor">{ct.nav_consents}</a>
                <a href="/creditor/api-keys">{ct.nav_api_keys}</a>
            </nav>
            <form method="post" action={<CreditorLogout as ServerFn>::PATH} class="inline">
                <button type="submit" class="link">{staff_tr(lang).logout_button}</button>
            </form>
            <crate::components::LanguageSwitch/>
        </header>
        <main id="main" tabindex="-1" class="staff">{children()}</main>
    }
}

/// What a failed load shows: the sign-in page for a missing session, else the message.
fn load_error(e: AppError, lang: crate::domain::Language) -> AnyView {
    match e {
        AppError::Unauthenticated => view! { <Redirect path="/creditor/login"/> }.into_any(),
        e => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
    }
}

/// `/creditor/api-keys`: the creditor's keys for `/api/v1`; a new key is shown once.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_api_keys());
    let create_error = url_error(<CreateApiKey as ServerFn>::PATH);
    let revoke_error = url_error(<RevokeApiKey as ServerFn>::PATH);
    let done = done_param();
    view! {
        <Title text=ct.keys_title/>
        <CreditorFrame>
            <h1>{ct.keys_title}</h1>
            <p>{ct.keys_intro}" "<a href="/api/v1/openapi.json">{ct.keys_docs}</a></p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => {
                            let done_text = done.get().map(|d| (ct.keys_done)(&d));
                            view! {
                                <p>{page.creditor_name.clone()}</p>
                                {match page.new_key.clone() {
                                    Some(key) => view! {
                                        <div class="notice" role="status">
                                            <p>{ct.keys_created}</p>
                                            <p><code id="new-key" class="secret">{key}</code></p>
                                            <p>{ct.keys_copy_now}</p>
                                        </div>
                                    }.into_any(),
                                    None => view! { <Done text=Signal::derive(move || done_text.clone())/> }.into_any(),
                                }}
                                <FormAlert error=revoke_error/>
                                {page.keys.is_empty().then(|| view! { <p class="empty">{ct.keys_empty}</p> })}
                                {(!page.keys.is_empty()).then(|| view! {
                                    <table class="queue">
                                        <thead><tr>
                                            <th scope="col">{ct.keys_col_name}</th>
                                            <th scope="col">{ct.keys_col_prefix}</th>
                                            <th scope="col">{ct.keys_col_created}</th>
                                            <th scope="col">{ct.keys_col_used}</th>
                                            <th scope="col">{ct.keys_col_state}</th>
                                            <th scope="col"><span class="visually-hidden">{ct.keys_revoke}</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {page.keys.iter().map(|k| {
                                                let created = format!("{} ({})", when(lang, k.created_at_ms), k.created_by.clone().unwrap_or_default());
                                                view! {
                                                    <tr>
                                                        <td>{k.name.clone()}</td>
                                                        <td><code>{format!("{}…", k.prefix)}</code></td>
                                                        <td>{created}</td>
                                                        <td>{k.last_used_ms.map(|t| when(lang, t)).unwrap_or_else(|| ct.keys_never_used.to_string())}</td>
                                                        <td>{match k.revoked_at_ms {
                                                            Some(t) => (ct.keys_revoked)(&when(lang, t)),
                                                            None => ct.keys_active.to_string(),
                                                        }}</td>
                                                        <td>{k.revoked_at_ms.is_none().then(|| view! {
                                                            <form method="post" action={<RevokeApiKey as ServerFn>::PATH} class="inline">
                                                                <input type="hidden" name="key_id" value=k.id/>
                                                                <button type="submit" class="secondary" aria-label=format!("{} {}", ct.keys_revoke, k.name)>{ct.keys_revoke}</button>
                                                            </form>
                                                        })}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                })}
                                <section class="card" aria-labelledby="new-key-heading">
                                    <h2 id="new-key-heading">{ct.keys_new_heading}</h2>
                                    <form method="post" action={<CreateApiKey as ServerFn>::PATH} novalidate>
                                        <FormAlert error=create_error/>
                                        <TextField name="name" label=ct.keys_name_label value=kept(create_error, "name") error=create_error/>
                                        <button type="submit" class="primary">{ct.keys_create}</button>
                                    </form>
                                </section>
                            }.into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}
