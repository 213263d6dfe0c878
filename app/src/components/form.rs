//! Form fields and form-level alerts that show errors in the reader's language.

use crate::error::AppError;
use crate::i18n::use_language;
use leptos::prelude::*;

/// A labelled text input with an optional hint and its error messages, wired for screen readers
/// (`aria-describedby`, `aria-invalid`).
#[component]
pub fn TextField(
    /// The form field name (also the element id).
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// The value to show (kept after a failed submission).
    #[prop(into, optional)]
    value: Signal<String>,
    /// The error of the last submission, if any; only this field's problems are shown.
    #[prop(into)]
    error: Signal<Option<AppError>>,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] inputmode: &'static str,
    #[prop(optional)] autofocus: bool,
    /// `text` unless given (e.g. `date`).
    #[prop(optional)]
    input_type: Option<&'static str>,
) -> impl IntoView {
    let lang = use_language();
    let messages = move || {
        error
            .get()
            .and_then(|e| e.form_errors().and_then(|f| f.fields.get(name).cloned()))
            .unwrap_or_default()
            .iter()
            .map(|p| p.message(lang))
            .collect::<Vec<_>>()
    };
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if !messages().is_empty() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:has-error=move || !messages().is_empty()>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {
                let error_id = error_id.clone();
                move || {
                    let m = messages();
                    (!m.is_empty()).then(|| view! { <p class="field-error" id=error_id.clone()>{m.join(" ")}</p> })
                }
            }
            <input
                id=name
                name=name
                type=input_type.unwrap_or("text")
                value=move || value.get()
                autocomplete=autocomplete
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                autofocus=autofocus
                aria-invalid=move || if messages().is_empty() { "false" } else { "true" }
                aria-describedby=described_by
            />
        </div>
    }
}

/// The message for a failed submission, above the form. Validation errors that only concern
/// single fields show a short summary; everything else shows its full sentence.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_language();
    move || {
        error.get().map(|e| {
            view! {
                <div class="alert" role="alert">
                    <p>{e.message(lang)}</p>
                </div>
            }
        })
    }
}

fn field_messages(
    error: Signal<Option<AppError>>,
    name: &'static str,
    lang: crate::domain::Language,
) -> Vec<String> {
    error
        .get()
        .and_then(|e| e.form_errors().and_then(|f| f.fields.get(name).cloned()))
        .unwrap_or_default()
        .iter()
        .map(|p| p.message(lang))
        .collect()
}

/// A labelled multi-line text input with its errors.
#[component]
pub fn TextArea(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into, optional)] value: Signal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let lang = use_language();
    let messages = move || field_messages(error, name, lang);
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described_by = {
        let (h, e) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(h.clone());
            }
            if !messages().is_empty() {
                ids.push(e.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:has-error=move || !messages().is_empty()>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {
                let error_id = error_id.clone();
                move || {
                    let m = messages();
                    (!m.is_empty()).then(|| view! { <p class="field-error" id=error_id.clone()>{m.join(" ")}</p> })
                }
            }
            <textarea
                id=name
                name=name
                rows="6"
                required=required
                aria-invalid=move || if messages().is_empty() { "false" } else { "true" }
                aria-describedby=described_by
            >
                {move || value.get()}
            </textarea>
        </div>
    }
}

/// A file input for documents (PDF, JPEG, PNG), several at once.
#[component]
pub fn FileField(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lang = use_language();
    let messages = move || field_messages(error, name, lang);
    let error_id = format!("{name}-error");
    view! {
        <div class="field" class:has-error=move || !messages().is_empty()>
            <label for=name>{label}</label>
            <p class="hint" id=format!("{name}-hint")>{hint}</p>
            {
                let error_id = error_id.clone();
                move || {
                    let m = messages();
                    (!m.is_empty()).then(|| view! { <p class="field-error" id=error_id.clone()>{m.join(" ")}</p> })
                }
            }
            <input
                id=name
                name=name
                type="file"
                multiple=true
                accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
                aria-describedby=move || {
                    if messages().is_empty() { format!("{name}-hint") } else { format!("{name}-hint {name}-error") }
                }
            />
        </div>
    }
}
