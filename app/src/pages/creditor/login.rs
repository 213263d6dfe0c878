//! The creditor's sign-in and own account.

use super::{load_error, CreditorFrame};
use crate::api::creditor::CreditorLogin;
use crate::i18n::{staff_tr, tr, use_language};
use crate::pages::staff::{done_param, Done};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor/login`.
#[component]
pub fn CreditorLoginPage() -> impl IntoView {
    let st = staff_tr(use_language());
    view! {
        <crate::pages::security::SignInPage
            title=st.creditor_login_title
            intro=st.creditor_login_intro
            login_path={<CreditorLogin as ServerFn>::PATH}
            code_path={<crate::api::account::CreditorLoginCode as ServerFn>::PATH}
            login_page="/creditor/login"
        />
    }
}

/// `/creditor/account`: the user's own password and two-step sign-in.
#[component]
pub fn CreditorAccountPage() -> impl IntoView {
    use crate::api::account::{
        get_creditor_account, CreditorChangePassword, CreditorConfirmTwoStep, CreditorStartTwoStep,
    };
    use crate::pages::security::{AccountActions, SecurityCards};
    let lang = use_language();
    let st = staff_tr(lang);
    let sec = crate::i18n::security_tr(lang);
    let data = OnceResource::new(get_creditor_account());
    let done = done_param();
    let done_text = Signal::derive(move || {
        done.get().map(|d| match d.as_str() {
            "password" => sec.done_password.to_string(),
            "session" => sec.done_session.to_string(),
            _ => sec.done_two_step.to_string(),
        })
    });
    let actions = AccountActions {
        change_password: <CreditorChangePassword as ServerFn>::PATH,
        start_two_step: <CreditorStartTwoStep as ServerFn>::PATH,
        confirm_two_step: <CreditorConfirmTwoStep as ServerFn>::PATH,
        end_session: <crate::api::account::CreditorEndSession as ServerFn>::PATH,
    };
    view! {
        <Title text=st.account_title/>
        <CreditorFrame>
            <h1>{st.account_title}</h1>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(security) => view! {
                            <p>{security.email.clone()}</p>
                            <SecurityCards security actions/>
                        }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}
