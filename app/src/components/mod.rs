//! Reusable, prop-driven pieces of UI. No server calls in here.

mod form;
mod layout;

pub use form::{FileField, FormAlert, TextArea, TextField};
pub use layout::{LanguageSwitch, Layout};
