//! The page for unknown addresses; answers 404 during server rendering.

use crate::components::Layout;
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path that is not in the route table.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let t = tr(use_language());
    view! {
        <Title text=t.not_found_title/>
        <Layout>
            <h1>{t.not_found_title}</h1>
            <p>{t.not_found_text}</p>
            <p>
                <a href="/">{t.back_to_start}</a>
            </p>
        </Layout>
    }
}
