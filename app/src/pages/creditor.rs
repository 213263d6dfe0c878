//! The creditor portal: sign-in and the consent inbox. Plain forms that post and redirect, with
//! and without JavaScript.

use crate::api::creditor::{get_consent_inbox, CreditorLogin, CreditorLogout, DecideConsent};
use crate::components::{FormAlert, Layout, TextField};
use crate::i18n::{staff_tr, tr, use_language};
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
        <Layout>
            <form method="post" action={<CreditorLogout as ServerFn>::PATH} class="inline">
                <button type="submit" class="link">{st.logout_button}</button>
            </form>
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
                        Err(crate::error::AppError::Unauthenticated) => view! { <Redirect path="/creditor/login"/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}
