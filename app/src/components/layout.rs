//! The frame of every page: skip link, header with the language switch, main, footer.

use crate::domain::Language;
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The page frame. `children` becomes the page's `<main>`.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let t = tr(use_language());
    view! {
        <a class="skip-link" href="#main">{t.skip_to_content}</a>
        <header class="site-header">
            <a class="brand" href="/">"Rapport"</a>
            <LanguageSwitch/>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <footer class="site-footer">
            <p>{t.portal_tagline}</p>
            <p>
                <a href="/check">{t.check_link}</a>
            </p>
        </footer>
    }
}

/// Buttons for each language. A plain form (not an `ActionForm`): the whole page must be rendered
/// again in the new language, so a full navigation is what we want, with or without JavaScript.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let current = use_language();
    let t = tr(current);
    let return_to = use_location().pathname.get_untracked();
    view! {
        <form method="post" action="/api/set_language" class="lang-switch">
            <input type="hidden" name="return_to" value=return_to/>
            <span class="visually-hidden">{t.switch_language}</span>
            {Language::ALL
                .into_iter()
                .map(|l| {
                    view! {
                        <button
                            type="submit"
                            name="lang"
                            value=l.code()
                            lang=l.code()
                            aria-pressed=if l == current { "true" } else { "false" }
                        >
                            {l.native_name()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}
