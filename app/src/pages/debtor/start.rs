//! The start page: open a case by typing the reference and access code from the letter.

use super::{action_error, kept_value};
use crate::api::debtor::VerifyReference;
use crate::components::{FormAlert, Layout, TextField};
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/`: reference, access code and postcode.
#[component]
pub fn StartPage() -> impl IntoView {
    let t = tr(use_language());
    let action = ServerAction::<VerifyReference>::new();
    let error = action_error(action);
    let pending = action.pending();
    view! {
        <Title text=t.start_title/>
        <Layout>
            <h1>{t.start_title}</h1>
            <p>{t.start_intro}</p>
            <ActionForm action=action attr:class="card" attr:novalidate=true>
                <FormAlert error=error/>
                <TextField
                    name="reference"
                    label=t.reference_label
                    hint=t.reference_hint
                    value=kept_value(action, "reference")
                    error=error
                    autocomplete="off"
                />
                <TextField
                    name="access_code"
                    label=t.access_code_label
                    hint=t.access_code_hint
                    error=error
                    autocomplete="off"
                />
                <TextField
                    name="postcode"
                    label=t.postcode_label
                    hint=t.postcode_hint
                    error=error
                    autocomplete="postal-code"
                />
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { t.checking } else { t.continue_button }}
                </button>
            </ActionForm>
            <p class="hint">{t.start_link_hint}</p>
        </Layout>
    }
}
