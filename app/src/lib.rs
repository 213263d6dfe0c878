//! Rapport's shared application: pages, components, server functions, domain rules and the
//! server-side use-cases (behind the `ssr` feature). The browser bundle is built from this crate
//! with the `hydrate` feature; nothing that needs the server may be compiled into it.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
#[deny(missing_docs)]
pub mod domain;
pub mod dto;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{shell, App};
pub use error::AppError;

/// Entry point of the browser bundle: attaches the reactive app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A marker for the browser tests (and curious people): the page is now driven by the WASM app.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
