//! `/case/contact`: the debtor corrects email, phone, postal address, language and channel.

use super::action_error;
use crate::api::debtor::{get_contact, UpdateContact};
use crate::components::{FormAlert, Layout, TextField};
use crate::dto::ContactView;
use crate::error::AppError;
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The contact data form.
#[component]
pub fn ContactPage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let data = OnceResource::new(get_contact());
    view! {
        <Title text=t.contact_title/>
        <Layout>
            <p class="back"><a href="/case">{t.back_to_case}</a></p>
            <h1>{t.contact_title}</h1>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(c) => view! { <ContactForm current=c/> }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/"/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn ContactForm(current: ContactView) -> impl IntoView {
    let t = tr(use_language());
    let action = ServerAction::<UpdateContact>::new();
    let error = action_error(action);
    let value = move |field: &'static str, stored: String| {
        Signal::derive(move || {
            error
                .get()
                .and_then(|e| e.form_errors().and_then(|f| f.values.get(field).cloned()))
                .unwrap_or_else(|| stored.clone())
        })
    };
    let (language, channel) = (current.language.clone(), current.channel.clone());
    view! {
        <p>{t.contact_intro}</p>
        <ActionForm action=action attr:class="card" attr:novalidate=true>
            <FormAlert error/>
            <TextField name="email" label=t.email_label value=value("email", current.email) error autocomplete="email" input_type="email"/>
            <TextField name="phone" label=t.phone_label value=value("phone", current.phone) error autocomplete="tel" input_type="tel"/>
            <TextField name="street" label=t.street_label value=value("street", current.street) error autocomplete="street-address"/>
            <TextField name="postcode" label=t.postcode_field_label value=value("postcode", current.postcode) error autocomplete="postal-code"/>
            <TextField name="city" label=t.city_label value=value("city", current.city) error autocomplete="address-level2"/>
            <div class="field">
                <label for="language">{t.language_label}</label>
                <select id="language" name="language">
                    <option value="de" selected=language == "de">"Deutsch"</option>
                    <option value="en" selected=language == "en">"English"</option>
                </select>
            </div>
            <fieldset>
                <legend>{t.channel_legend}</legend>
                <label class="choice-line">
                    <input type="radio" name="channel" value="email" checked=channel == "email"/>
                    " " {t.channel_email}
                </label>
                <label class="choice-line">
                    <input type="radio" name="channel" value="letter" checked=channel == "letter"/>
                    " " {t.channel_letter}
                </label>
            </fieldset>
            <button type="submit" class="primary">{t.save_button}</button>
        </ActionForm>
    }
}
