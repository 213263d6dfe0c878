//! The creditor portal: sign-in, overview, hand-over uploads, consents, customer groups, API keys
//! and webhooks. Plain forms that post and redirect, with and without JavaScript.

mod api_keys;
mod classes;
mod consent;
mod import;
mod login;
mod overview;
mod retention;
mod team;
mod webhooks;

use crate::api::creditor::CreditorLogout;
use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
pub use api_keys::ApiKeysPage;
pub use classes::{ClassPage, ClassesPage};
pub use consent::ConsentPage;
pub use import::{ImportJobPage, ImportPage};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
pub use login::{CreditorAccountPage, CreditorLoginPage};
pub use overview::{OverviewPage, RemittancesPage};
pub use retention::{CustomerRelationship, RetentionDashboard};
pub use team::CreditorTeamPage;
pub use webhooks::WebhooksPage;

/// The frame of a signed-in creditor page: navigation, sign-out and the page's content.
#[component]
fn CreditorFrame(children: Children) -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    view! {
        <a class="skip-link" href="#main">{tr(lang).skip_to_content}</a>
        <header class="site-header staff-header">
            <a class="brand" href="/creditor">"Rapport"</a>
            <nav aria-label=ct.nav_label class="staff-nav">
                <a href="/creditor/overview">{ct.nav_overview}</a>
                <a href="/creditor/remittances">{ct.nav_remittances}</a>
                <a href="/creditor/retention">{ct.nav_retention}</a>
                <a href="/creditor/import">{ct.nav_import}</a>
                <a href="/creditor">{ct.nav_consents}</a>
                <a href="/creditor/classes">{ct.nav_classes}</a>
                <a href="/creditor/api-keys">{ct.nav_api_keys}</a>
                <a href="/creditor/webhooks">{ct.nav_webhooks}</a>
                <a href="/creditor/team">{ct.nav_team}</a>
                <a href="/creditor/account">{staff_tr(lang).nav_account}</a>
            </nav>
            <form method="post" action={<CreditorLogout as ServerFn>::PATH} class="inline">
                <button type="submit" class="link">{staff_tr(lang).logout_button}</button>
            </form>
            <crate::components::LanguageSwitch/>
        </header>
        <main id="main" tabindex="-1" class="staff">{children()}</main>
    }
}

/// What a failed load shows: the sign-in page for a missing session, else the message.
fn load_error(e: AppError, lang: crate::domain::Language) -> AnyView {
    match e {
        AppError::Unauthenticated => view! { <Redirect path="/creditor/login"/> }.into_any(),
        AppError::SetupRequired => view! { <Redirect path="/creditor/account"/> }.into_any(),
        e => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
    }
}

/// The value sent with a failed submission, else the value held.
fn shown(error: Signal<Option<AppError>>, field: &'static str, held: String) -> Signal<String> {
    Signal::derive(move || {
        error
            .get()
            .and_then(|e| e.form_errors().and_then(|f| f.values.get(field).cloned()))
            .unwrap_or_else(|| held.clone())
    })
}

/// An amount for an input field, without the currency sign.
fn plain(m: crate::domain::Money, lang: Language) -> String {
    let text = m.format(lang);
    text.trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_string()
}
