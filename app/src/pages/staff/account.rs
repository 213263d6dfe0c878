//! `/staff/account` (password, digest) and `/staff/settings` (the agency's reply promise).

use super::{done_param, load_error, Done, StaffFrame};
use crate::api::account::{
    ChangePassword, StaffConfirmTwoStep, StaffEndSession, StaffStartTwoStep,
};
use crate::api::staff::{get_account, get_settings, SetDigest, SetReplyDays};
use crate::components::{FormAlert, TextField};
use crate::i18n::{security_tr, staff_tr, tr, use_language};
use crate::pages::debtor::{kept, url_error};
use crate::pages::security::{AccountActions, SecurityCards};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// The member's own account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let sec = security_tr(lang);
    let account = OnceResource::new(get_account());
    let done = done_param();
    let done_text = Signal::derive(move || {
        done.get().map(|d| match d.as_str() {
            "password" => sec.done_password.to_string(),
            "session" => sec.done_session.to_string(),
            "two_step" => sec.done_two_step.to_string(),
            _ => (st.done_message)(st.digest_label),
        })
    });
    let actions = AccountActions {
        change_password: <ChangePassword as ServerFn>::PATH,
        start_two_step: <StaffStartTwoStep as ServerFn>::PATH,
        confirm_two_step: <StaffConfirmTwoStep as ServerFn>::PATH,
        end_session: <StaffEndSession as ServerFn>::PATH,
    };
    view! {
        <Title text=st.account_title/>
        <StaffFrame>
            <h1>{st.account_title}</h1>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(page) => view! {
                            <p>{(st.signed_in_as)(&page.member.display_name)}" · "{page.member.email.clone()}" · "{(st.role_name)(&page.member.role)}</p>
                            <SecurityCards security=page.security.clone() actions/>
                            <form method="post" action={<SetDigest as ServerFn>::PATH} class="card">
                                <h2>{st.digest_label}</h2>
                                {if page.member.digest {
                                    view! { <button type="submit" name="on" value="0">{st.digest_off}</button> }.into_any()
                                } else {
                                    view! { <button type="submit" name="on" value="1">{st.digest_on}</button> }.into_any()
                                }}
                            </form>
                        }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// The agency's settings (admins).
#[component]
pub fn SettingsPage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let settings = OnceResource::new(get_settings());
    let error = url_error(<SetReplyDays as ServerFn>::PATH);
    let done = done_param();
    let done_text =
        Signal::derive(move || done.get().map(|_| (st.done_message)(st.reply_days_label)));
    view! {
        <Title text=st.settings_title/>
        <StaffFrame>
            <h1>{st.settings_title}</h1>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(page) => {
                            let days = page.reply_days.to_string();
                            let missing = page.missing_base_rate.map(|day| {
                                let day = crate::i18n::format_date(lang, day);
                                view! { <p class="alert" role="alert">{(st.base_rate_missing)(&day)}</p> }
                            });
                            view! {
                                {missing}
                                <p>{page.name.clone()}</p>
                                <form method="post" action={<SetReplyDays as ServerFn>::PATH} class="card" novalidate>
                                    <FormAlert error/>
                                    <TextField name="reply_days" label=st.reply_days_label hint=st.reply_days_hint
                                        value=Signal::derive(move || { let k = kept(error, "reply_days").get(); if k.is_empty() { days.clone() } else { k } })
                                        error inputmode="numeric"/>
                                    <button type="submit" class="primary">{st.save_button}</button>
                                </form>
                            }.into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}
