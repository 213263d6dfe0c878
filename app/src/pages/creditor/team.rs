//! The creditor's users, as their owners manage them.

use super::{load_error, CreditorFrame};
use crate::api::creditor::{get_creditor_team, CreateCreditorUser, SetCreditorUserActive};
use crate::components::FormAlert;
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
use crate::pages::debtor::url_error;
use crate::pages::staff::{done_param, Done, NewAccountForm};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor/team`: the creditor's users; owners add, deactivate and reactivate them.
#[component]
pub fn CreditorTeamPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let st = staff_tr(lang);
    let data = OnceResource::new(get_creditor_team());
    let error = url_error(<CreateCreditorUser as ServerFn>::PATH);
    let active_error = url_error(<SetCreditorUserActive as ServerFn>::PATH);
    let reset_error = url_error(<crate::api::creditor::ResetCreditorUserSignIn as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || done.get().map(|d| (ct.team_done)(&d).to_string()));
    view! {
        <Title text=ct.team_title/>
        <CreditorFrame>
            <h1>{ct.team_title}</h1>
            <p>{ct.team_intro}</p>
            <Done text=done_text/>
            <FormAlert error=active_error/>
            <FormAlert error=reset_error/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(page) => page,
                        Err(e) => return load_error(e, lang),
                    };
                    let me = page.member.id;
                    view! {
                        <p>{page.member.creditor_name.clone()}</p>
                        <table class="staff-list">
                            <thead><tr>
                                <th scope="col">{st.display_name_label}</th>
                                <th scope="col">{st.email_label}</th>
                                <th scope="col">{st.role_label}</th>
                                <th scope="col"><span class="visually-hidden">{st.account_action}</span></th>
                            </tr></thead>
                            <tbody>
                                {page.users.into_iter().map(|u| view! {
                                    <tr>
                                        <td>{u.display_name.clone()}{(!u.active).then(|| format!(" ({})", st.inactive))}</td>
                                        <td>{u.email.clone()}</td>
                                        <td>{(ct.creditor_role)(&u.role)}</td>
                                        <td>{(u.id != me).then(|| view! {
                                            <form method="post" action={<SetCreditorUserActive as ServerFn>::PATH}>
                                                <input type="hidden" name="user_id" value=u.id/>
                                                {if u.active {
                                                    view! { <button type="submit" name="active" value="0" aria-label=format!("{} {}", st.deactivate, u.display_name)>{st.deactivate}</button> }.into_any()
                                                } else {
                                                    view! { <button type="submit" name="active" value="1" aria-label=format!("{} {}", st.reactivate, u.display_name)>{st.reactivate}</button> }.into_any()
                                                }}
                                            </form>
                                            <crate::pages::security::ResetSignInForm
                                                action={<crate::api::creditor::ResetCreditorUserSignIn as ServerFn>::PATH}
                                                id_field="user_id" id=u.id name=u.display_name.clone()/>
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <NewAccountForm action={<CreateCreditorUser as ServerFn>::PATH} error
                            roles=&["viewer", "owner"] role_name=ct.creditor_role/>
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}
