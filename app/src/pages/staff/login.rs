//! `/staff/login`: email and password, then the code of the authenticator app if set up.

use crate::api::account::StaffLoginCode;
use crate::api::staff::StaffLogin;
use crate::i18n::{staff_tr, use_language};
use crate::pages::security::SignInPage;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The sign-in form for staff.
#[component]
pub fn StaffLoginPage() -> impl IntoView {
    let st = staff_tr(use_language());
    view! {
        <SignInPage
            title=st.login_title
            intro=st.login_intro
            login_path={<StaffLogin as ServerFn>::PATH}
            code_path={<StaffLoginCode as ServerFn>::PATH}
            login_page="/staff/login"
        />
    }
}
