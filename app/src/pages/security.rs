//! Signing in and one's own sign-in settings, shared by the staff and the creditor pages: the
//! password form, the code step, the first password, and setting up two-step sign-in.

use crate::components::{FormAlert, Layout, TextField};
use crate::dto::AccountSecurity;
use crate::i18n::{security_tr, staff_tr, use_language};
use crate::pages::debtor::{kept, url_error};
use crate::pages::staff::when;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The sign-in page of one realm: email and password, then (`?step=code`) the app's code.
#[component]
pub fn SignInPage(
    title: &'static str,
    intro: &'static str,
    /// The server functions of the password step and of the code step.
    login_path: &'static str,
    code_path: &'static str,
    /// Where "start again" leads (the page itself without the step).
    login_page: &'static str,
) -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let sec = security_tr(lang);
    let query = use_query_map();
    let code_step = move || query.with(|q| q.get("step").as_deref() == Some("code"));
    let error = url_error(login_path);
    let code_error = url_error(code_path);
    view! {
        <Title text=title/>
        <Layout>
            <h1>{title}</h1>
            <Show
                when=code_step
                fallback=move || view! {
                    <p>{intro}</p>
                    <form method="post" action=login_path class="card" novalidate>
                        <FormAlert error/>
                        <TextField name="email" label=st.email_label value=kept(error, "email") error autocomplete="username" input_type="email"/>
                        <TextField name="password" label=st.password_label error autocomplete="current-password" input_type="password"/>
                        <button type="submit" class="primary">{st.login_button}</button>
                    </form>
                }
            >
                <p>{sec.code_intro}</p>
                <form method="post" action=code_path class="card" novalidate>
                    <h2>{sec.code_title}</h2>
                    <FormAlert error=code_error/>
                    <TextField name="code" label=sec.code_label hint=sec.code_hint error=code_error autocomplete="one-time-code" inputmode="numeric" autofocus=true/>
                    <button type="submit" class="primary">{sec.code_button}</button>
                </form>
                <p><a href=login_page>{sec.start_over}</a></p>
            </Show>
        </Layout>
    }
}

/// A supervisor's (or owner's) form in a colleague's row of the team table: a new first password,
/// which also removes the colleague's two-step sign-in.
#[component]
pub fn ResetSignInForm(
    action: &'static str,
    /// `staff_id` or `user_id`.
    id_field: &'static str,
    id: i64,
    name: String,
) -> impl IntoView {
    let sec = security_tr(use_language());
    let input_id = format!("reset-{id}");
    view! {
        <form method="post" action=action class="reset-sign-in">
            <input type="hidden" name=id_field value=id/>
            <label for=input_id.clone() class="visually-hidden">{(sec.reset_label)(&name)}</label>
            <input id=input_id name="password" type="password" autocomplete="new-password" placeholder=sec.reset_placeholder/>
            <button type="submit">{sec.reset_button}</button>
        </form>
    }
}

/// The server functions one realm's account page posts to.
#[derive(Clone, Copy)]
pub struct AccountActions {
    pub change_password: &'static str,
    pub start_two_step: &'static str,
    pub confirm_two_step: &'static str,
    pub end_session: &'static str,
}

/// The password and two-step sign-in cards of one's account page; what is still owed comes first.
#[component]
pub fn SecurityCards(security: AccountSecurity, actions: AccountActions) -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let sec = security_tr(lang);
    let password_error = url_error(actions.change_password);
    let start_error = url_error(actions.start_two_step);
    let confirm_error = url_error(actions.confirm_two_step);
    let end_error = url_error(actions.end_session);
    let sessions = security.sessions.clone();
    let sessions_card = view! {
        <section class="card" id="sessions" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">{sec.sessions_heading}</h2>
            <p>{sec.sessions_intro}</p>
            <FormAlert error=end_error/>
            <table>
                <thead><tr><th scope="col">{sec.col_started}</th><th scope="col">{sec.col_active}</th><th scope="col"><span class="visually-hidden">{sec.end_session}</span></th></tr></thead>
                <tbody>
                    {sessions.into_iter().map(|s| {
                        let started = when(lang, s.started_ms);
                        let label = (sec.end_session_label)(&started);
                        view! {
                            <tr>
                                <td>{started.clone()}</td>
                                <td>{when(lang, s.last_active_ms)}</td>
                                <td>{if s.current {
                                    view! { <strong>{sec.this_session}</strong> }.into_any()
                                } else {
                                    view! {
                                        <form method="post" action=actions.end_session class="inline">
                                            <input type="hidden" name="session_handle" value=s.handle/>
                                            <button type="submit" aria-label=label>{sec.end_session}</button>
                                        </form>
                                    }.into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    };
    let owed = security.setup.clone();
    let notice = match owed.as_deref() {
        Some("password") => Some(sec.must_change_password),
        Some(_) => Some(sec.two_step_required),
        None => None,
    };
    let password_card = view! {
        <form method="post" action=actions.change_password class="card" novalidate>
            <h2>{st.change_password}</h2>
            <FormAlert error=password_error/>
            <TextField name="current_password" label=st.current_password error=password_error input_type="password" autocomplete="current-password"/>
            <TextField name="new_password" label=st.new_password hint=st.new_password_hint error=password_error input_type="password" autocomplete="new-password"/>
            <TextField name="repeat_password" label=st.repeat_password error=password_error input_type="password" autocomplete="new-password"/>
            <button type="submit" class="primary">{st.change_password}</button>
        </form>
    };
    let two_step_card = (owed.as_deref() != Some("password")).then(|| {
        let status = if security.two_step {
            sec.two_step_on
        } else if security.two_step_required {
            sec.two_step_required
        } else {
            sec.two_step_off
        };
        let enrolment = security.enrolment.clone().map(|e| {
            view! {
                <p>{sec.enrol_intro}</p>
                <div class="qr" role="img" aria-label=sec.qr_alt inner_html=e.qr_svg></div>
                <p>{sec.secret_label}": "<code class="secret">{e.secret}</code></p>
                <form method="post" action=actions.confirm_two_step novalidate>
                    <FormAlert error=confirm_error/>
                    <TextField name="code" label=sec.code_label hint=sec.code_hint error=confirm_error autocomplete="one-time-code" inputmode="numeric"/>
                    <button type="submit" class="primary">{sec.confirm_button}</button>
                </form>
            }
        });
        let start_label = if security.two_step { sec.replace_button } else { sec.set_up_button };
        view! {
            <section class="card" id="two-step" aria-labelledby="two-step-heading">
                <h2 id="two-step-heading">{sec.two_step_heading}</h2>
                <p>{status}</p>
                <FormAlert error=start_error/>
                {match enrolment {
                    Some(e) => e.into_any(),
                    None => view! {
                        <form method="post" action=actions.start_two_step>
                            <button type="submit">{start_label}</button>
                        </form>
                    }.into_any(),
                }}
            </section>
        }
    });
    view! {
        {notice.map(|n| view! { <div class="alert" role="alert"><p>{n}</p></div> })}
        {two_step_card}
        {password_card}
        {sessions_card}
    }
}
