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
    /// Set when a page has several forms with a field of the same name: the element ids become
    /// `{prefix}-{name}`, so every label points at its own control.
    prefix: &'static str,
    has_hint: bool,
    error: Signal<Option<AppError>>,
    lang: Language,
}

impl FieldState {
    fn messages(self) -> Vec<String> {
        field_messages(self.error, self.name, self.lang)
    }

    /// The element id of the control (its hint and error ids derive from it).
    fn id(self) -> String {
        if self.prefix.is_empty() {
            self.name.to_string()
        } else {
            format!("{}-{}", self.prefix, self.name)
        }
    }

    fn invalid(self) -> bool {
        !self.messages().is_empty()
    }

    fn described_by(self) -> Option<String> {
        let mut ids = Vec::new();
        if self.has_hint {
            ids.push(format!("{}-hint", self.id()));
        }
        if self.invalid() {
            ids.push(format!("{}-error", self.id()));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// The label, hint and error line above the control.
    fn header(self, label: &'static str, hint: Option<&'static str>) -> impl IntoView {
        let id = self.id();
        let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
        view! {
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {move || {
                let m = self.messages();
                let error_id = error_id.clone();
                (!m.is_empty()).then(|| view! { <p class="field-error" id=error_id>{m.join(" ")}</p> })
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
    /// Distinguishes the element ids when several forms on a page have this field.
    #[prop(optional)]
    prefix: &'static str,
) -> impl IntoView {
    let f = FieldState {
        name,
        prefix,
        has_hint: hint.is_some(),
        error,
        lang: use_language(),
    };
    view! {
        <div class="field" class:has-error=move || f.invalid()>
            {f.header(label, hint)}
            <input
                id=f.id()
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
    /// Distinguishes the element ids when several forms on a page have this field.
    #[prop(optional)]
    prefix: &'static str,
) -> impl IntoView {
    let f = FieldState {
        name,
        prefix,
        has_hint: hint.is_some(),
        error,
        lang: use_language(),
    };
    view! {
        <div class="field" class:has-error=move || f.invalid()>
            {f.header(label, hint)}
            <textarea
                id=f.id()
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
    /// The file types offered (documents unless given).
    #[prop(optional)]
    accept: Option<&'static str>,
    /// One file only.
    #[prop(optional)]
    single: bool,
) -> impl IntoView {
    let f = FieldState {
        name,
        prefix: "",
        has_hint: true,
        error,
        lang: use_language(),
    };
    view! {
        <div class="field" class:has-error=move || f.invalid()>
            {f.header(label, Some(hint))}
            <input
                id=f.id()
                name=name
                type="file"
                multiple=!single
                accept=accept.unwrap_or("application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png")
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
