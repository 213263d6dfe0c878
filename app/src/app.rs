//! The HTML shell and the route table. Nothing else lives here.

use crate::i18n::{provide_language, request_language};
use crate::pages::{
    AccountPage, PaymentsPage, QueuePage, SettingsPage, StaffCasePage, StaffLoginPage, TeamPage,
    TemplatesPage,
};
use crate::pages::{
    ApiKeysPage, ClassPage, ClassesPage, ConsentPage, CreditorAccountPage, CreditorLoginPage,
    CreditorTeamPage, CustomerRelationship, ImportJobPage, ImportPage, OverviewPage,
    RemittancesPage, RetentionDashboard, WebhooksPage,
};
use crate::pages::{
    CasePage, CheckPage, ContactPage, DisputePage, MessagePage, NotFoundPage, PaidPage, PayPage,
    PlanPage, StartPage, VerifyPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The document around the app, rendered on the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = request_language();
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="referrer" content="same-origin"/>
                <AutoReload options=options.clone()/>
                {hydrates().then(|| view! { <HydrationScripts options/> })}
                <link rel="stylesheet" id="leptos" href=stylesheet_href()/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The pages a debtor lands on from a letter or an email — start, personal link, case page,
/// reference check — work entirely as HTML forms (every journey is tested without JavaScript),
/// so they ship no script and no WebAssembly: thousands of phones on weak connections load only
/// HTML and the stylesheet. The other pages hydrate (the plan calculator, the staff and creditor
/// workspaces); a debtor who follows a link there gets the app then.
pub fn ships_no_script(path: &str) -> bool {
    matches!(path, "/" | "/case" | "/check") || path.starts_with("/c/")
}

fn hydrates() -> bool {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        return !ships_no_script(parts.uri.path());
    }
    true
}

/// The stylesheet's URL: content-hashed when the server found the compiled site.
fn stylesheet_href() -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::server::AppState>() {
        return state.settings.stylesheet.clone();
    }
    "/pkg/rapport.css".to_string()
}

/// Sends the Content-Security-Policy of a page: scripts only with this response's nonce (the
/// hydration script carries it; what it loads is trusted through `'strict-dynamic'`), and
/// WebAssembly may be compiled. Responses that are not pages keep the router's policy.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(state), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<crate::server::AppState>(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "{}; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; object-src 'none'",
        state.settings.content_security_policy
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The application: meta context, language and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_language();
    view! {
        <Title formatter=|page: String| format!("{page} – Rapport")/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=StartPage/>
                <Route path=path!("/c/:token") view=VerifyPage/>
                <Route path=path!("/case") view=CasePage ssr=SsrMode::Async/>
                <Route path=path!("/case/pay") view=PayPage ssr=SsrMode::Async/>
                <Route path=path!("/case/message") view=MessagePage ssr=SsrMode::Async/>
                <Route path=path!("/case/dispute") view=DisputePage ssr=SsrMode::Async/>
                <Route path=path!("/case/paid") view=PaidPage ssr=SsrMode::Async/>
                <Route path=path!("/case/plan") view=PlanPage ssr=SsrMode::Async/>
                <Route path=path!("/case/contact") view=ContactPage ssr=SsrMode::Async/>
                <Route path=path!("/check") view=CheckPage ssr=SsrMode::Async/>
                <Route path=path!("/staff/login") view=StaffLoginPage/>
                <Route path=path!("/creditor/login") view=CreditorLoginPage/>
                <Route path=path!("/creditor") view=ConsentPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/classes") view=ClassesPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/overview") view=OverviewPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/webhooks") view=WebhooksPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/remittances") view=RemittancesPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/retention") view=RetentionDashboard ssr=SsrMode::Async/>
                <Route path=path!("/creditor/customers/:id") view=CustomerRelationship ssr=SsrMode::Async/>
                <Route path=path!("/creditor/team") view=CreditorTeamPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/account") view=CreditorAccountPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/import") view=ImportPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/import/:id") view=ImportJobPage ssr=SsrMode::Async/>
                <Route path=path!("/creditor/classes/:id") view=ClassPage ssr=SsrMode::Async/>
                <Route path=path!("/staff") view=QueuePage ssr=SsrMode::Async/>
                <Route path=path!("/staff/cases/:id") view=StaffCasePage ssr=SsrMode::Async/>
                <Route path=path!("/staff/payments") view=PaymentsPage ssr=SsrMode::Async/>
                <Route path=path!("/staff/account") view=AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/staff/team") view=TeamPage ssr=SsrMode::Async/>
                <Route path=path!("/staff/templates") view=TemplatesPage ssr=SsrMode::Async/>
                <Route path=path!("/staff/settings") view=SettingsPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
