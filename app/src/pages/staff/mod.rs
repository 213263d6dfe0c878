//! The staff workspace: sign-in, the work queue, the case, the account, the team, templates and
//! the agency's settings. Every form is a plain HTML form that posts and redirects, so the
//! workspace works the same with and without JavaScript.

mod account;
mod case;
mod login;
mod payments;
mod queue;
mod team;

pub use account::{AccountPage, SettingsPage};
pub use case::StaffCasePage;
pub use login::StaffLoginPage;
pub use payments::PaymentsPage;
pub(crate) use payments::{DecisionAlerts, EntryTable};
pub use queue::QueuePage;
pub(crate) use team::NewAccountForm;
pub use team::{TeamPage, TemplatesPage};

use crate::api::staff::StaffLogout;
use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::{format_date, staff_tr, use_language};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// The frame of a signed-in staff page: navigation, sign-out and the page's content.
#[component]
pub fn StaffFrame(children: Children) -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    view! {
        <a class="skip-link" href="#main">{crate::i18n::tr(lang).skip_to_content}</a>
        <header class="site-header staff-header">
            <a class="brand" href="/staff">"Rapport"</a>
            <nav aria-label=st.nav_label class="staff-nav">
                <a href="/staff">{st.nav_queue}</a>
                <a href="/staff/payments">{crate::i18n::payments_tr(lang).nav}</a>
                <a href="/staff/templates">{st.nav_templates}</a>
                <a href="/staff/team">{st.nav_staff}</a>
                <a href="/staff/settings">{st.nav_settings}</a>
                <a href="/staff/account">{st.nav_account}</a>
            </nav>
            <form method="post" action={<StaffLogout as ServerFn>::PATH} class="inline">
                <button type="submit" class="link">{st.logout_button}</button>
            </form>
            <crate::components::LanguageSwitch/>
        </header>
        <main id="main" tabindex="-1" class="staff">{children()}</main>
    }
}

/// What a failed load shows: the sign-in page for a missing session, else the message.
pub(crate) fn load_error(e: AppError, lang: Language) -> AnyView {
    match e {
        AppError::Unauthenticated => view! { <Redirect path="/staff/login"/> }.into_any(),
        AppError::SetupRequired => view! { <Redirect path="/staff/account"/> }.into_any(),
        e => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
    }
}

/// The confirmation after an action (`?done=…`), announced politely to screen readers.
#[component]
pub fn Done(#[prop(into)] text: Signal<Option<String>>) -> impl IntoView {
    move || {
        text.get()
            .map(|t| view! { <div class="notice" role="status"><p>{t}</p></div> })
    }
}

/// The `done` query parameter.
pub fn done_param() -> Signal<Option<String>> {
    let q = use_query_map();
    Signal::derive(move || q.with(|q| q.get("done")))
}

/// A date and time in the reader's language (UTC).
pub fn when(lang: Language, at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|d| {
            format!(
                "{} {}",
                format_date(lang, d.date_naive()),
                d.format("%H:%M")
            )
        })
        .unwrap_or_default()
}
