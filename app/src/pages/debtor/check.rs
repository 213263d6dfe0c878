//! `/check`: anyone can check whether a case reference exists and which creditor it belongs to.
//! A GET form, so the answer is a page of its own with and without JavaScript.

use crate::api::debtor::check_reference;
use crate::components::Layout;
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The "is this genuine?" page.
#[component]
pub fn CheckPage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let reference = use_query_map()
        .with_untracked(|q| q.get("reference"))
        .unwrap_or_default();
    let asked = reference.trim().to_string();
    let answer = OnceResource::new({
        let asked = asked.clone();
        async move {
            if asked.is_empty() {
                None
            } else {
                Some(check_reference(asked).await)
            }
        }
    });
    view! {
        <Title text=t.check_title/>
        <Layout>
            <h1>{t.check_title}</h1>
            <p>{t.check_intro}</p>
            <form method="get" action="/check" class="card">
                <div class="field">
                    <label for="reference">{t.reference_label}</label>
                    <p class="hint" id="reference-hint">{t.reference_hint}</p>
                    <input id="reference" name="reference" type="text" value=reference aria-describedby="reference-hint" autocomplete="off"/>
                </div>
                <button type="submit" class="primary">{t.check_button}</button>
            </form>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || {
                    let asked = asked.clone();
                    Suspend::new(async move {
                        match answer.await {
                            None => ().into_any(),
                            Some(Err(e)) => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
                            Some(Ok(check)) => view! {
                                <section aria-labelledby="answer-heading" class="card" role="status">
                                    <h2 id="answer-heading" class="visually-hidden">{t.check_button}</h2>
                                    <p>{match &check.creditor {
                                        Some(c) => (t.check_found)(&asked.to_uppercase(), c),
                                        None => t.check_not_found.to_string(),
                                    }}</p>
                                    <h3>{t.check_contact}</h3>
                                    <address>
                                        <strong>{check.agency_name}</strong><br/>
                                        {check.agency_address.into_iter().map(|l| view! { {l}<br/> }).collect_view()}
                                        {(!check.agency_email.is_empty()).then(|| view! {
                                            <a href=format!("mailto:{}", check.agency_email)>{check.agency_email.clone()}</a><br/>
                                        })}
                                        {check.agency_phone}
                                    </address>
                                </section>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </Layout>
    }
}
