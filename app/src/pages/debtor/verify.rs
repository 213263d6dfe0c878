//! `/c/{token}`: the personal link from a letter or QR code asks for the postcode.

use super::action_error;
use crate::api::debtor::VerifyLink;
use crate::components::{FormAlert, Layout, TextField};
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Asks for the second factor; the token travels in a hidden field and leaves the URL on success.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let t = tr(use_language());
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let action = ServerAction::<VerifyLink>::new();
    let error = action_error(action);
    let pending = action.pending();
    view! {
        <Title text=t.verify_title/>
        <Layout>
            <h1>{t.verify_title}</h1>
            <p>{t.verify_intro}</p>
            <ActionForm action=action attr:class="card" attr:novalidate=true>
                <FormAlert error=error/>
                <input type="hidden" name="token" value=token/>
                <TextField
                    name="postcode"
                    label=t.postcode_label
                    hint=t.postcode_hint
                    error=error
                    autocomplete="postal-code"
                    autofocus=true
                />
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { t.checking } else { t.continue_button }}
                </button>
            </ActionForm>
            <p class="hint">
                <a href="/">{t.verify_no_link_hint}</a>
            </p>
        </Layout>
    }
}
