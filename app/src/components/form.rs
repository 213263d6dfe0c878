//! Form fields and form-level alerts that show errors in the reader's language, wired for screen
//! readers (`aria-describedby`, `aria-invalid`).

use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::use_language;
use leptos::prelude::*;

/// The messages for field `name` in the last submission's error.
fn field_messages(
    error: Signal<Option<AppError>>,
    name: &'static str,
    lang: Language,
) -> Vec<String> {
    error
        .get()
        .and_then(|e| e.form_errors().and_then(|f| f.fields.get(name).cloned()))
        .unwrap_or_default()
        .iter()
        .map(|p| p.message(lang))
        .collect()
}

/// What every field shares: its messages, the ids of its hint and error, and the
/// `aria-describedby` value that points at whichever of them is shown.
#[derive(Clone, Copy)]
struct FieldState {
    name: &'static str,
    has_hint: bool,
    error: Signal<Option<AppError>>,
    lang: Language,
}

impl FieldState {
    fn messages(self) -> Vec<String> {
        field_messages(self.error, self.name, self.lang)
    }

    fn invalid(self) -> bool {
        !self.messages().is_empty()
    }

    fn described_by(self) -> Option<String> {
        let mut ids = Vec::new();
        if self.has_hint {
            ids.push(format!("{}-hint", self.name));
        }
        if self.invalid() {
            ids.push(format!("{}-error", self.name));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// The label, hint and error line above the control.
    fn header(self, label: &'static str, hint: Option<&'static str>) -> impl IntoView {
        let name = self.name;
        view! {
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{name}-hint")>{h}</p> })}
            {move || {
                let m = self.messages();
                (!m.is_empty()).then(|| view! { <p class="field-error" id=format!("{name}-error")>{m.join(" ")}</p> })
            }}
        }
    }
}

/// A labelled text input with an optional hint and its error messages.
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
    let f = FieldState {
        name,
        has_hint: hint.is_some(),
        error,
        lang: use_language(),
    };
    view! {
        <div class="field" class:has-error=move || f.invalid()>
            {f.header(label, hint)}
            <input
                id=name
                name=name
                type=input_type.unwrap_or("text")
                value=move || value.get()
                autocomplete=autocomplete
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                autofocus=autofocus
                aria-invalid=move || if f.invalid() { "true" } else { "false" }
                aria-describedby=move || f.described_by()
            />
        </div>
    }
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
    let f = FieldState {
        name,
        has_hint: hint.is_some(),
        error,
        lang: use_language(),
    };
    view! {
        <div class="field" class:has-error=move || f.invalid()>
            {f.header(label, hint)}
            <textarea
                id=name
                name=name
                rows="6"
                required=required
                aria-invalid=move || if f.invalid() { "true" } else { "false" }
                aria-describedby=move || f.described_by()
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
    let f = FieldState {
        name,
        has_hint: true,
        error,
        lang: use_language(),
    };
    view! {
        <div class="field" class:has-error=move || f.invalid()>
            {f.header(label, Some(hint))}
            <input
                id=name
                name=name
                type="file"
                multiple=true
                accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
                aria-describedby=move || f.described_by()
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
