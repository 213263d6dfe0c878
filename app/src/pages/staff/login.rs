//! `/staff/login`: email and password.

use crate::api::staff::StaffLogin;
use crate::components::{FormAlert, Layout, TextField};
use crate::i18n::{staff_tr, use_language};
use crate::pages::debtor::{kept, url_error};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// The sign-in form for staff.
#[component]
pub fn StaffLoginPage() -> impl IntoView {
    let st = staff_tr(use_language());
    let error = url_error(<StaffLogin as ServerFn>::PATH);
    view! {
        <Title text=st.login_title/>
        <Layout>
            <h1>{st.login_title}</h1>
            <p>{st.login_intro}</p>
            <form method="post" action={<StaffLogin as ServerFn>::PATH} class="card" novalidate>
                <FormAlert error/>
                <TextField name="email" label=st.email_label value=kept(error, "email") error autocomplete="username" input_type="email"/>
                <TextField name="password" label=st.password_label error autocomplete="current-password" input_type="password"/>
                <button type="submit" class="primary">{st.login_button}</button>
            </form>
        </Layout>
    }
}
