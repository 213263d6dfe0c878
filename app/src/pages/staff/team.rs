//! `/staff/team` (accounts) and `/staff/templates` (reply templates with a preview), for
//! supervisors.

use super::{done_param, load_error, Done, StaffFrame};
use crate::api::staff::{
    get_staff_list, get_templates, CreateStaffAccount, ResetStaffSignIn, SaveTemplate,
    SetStaffActive,
};
use crate::components::{FormAlert, TextArea, TextField};
use crate::i18n::{staff_tr, tr, use_language};
use crate::pages::debtor::{kept, url_error};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The agency's staff accounts and a form to create one.
#[component]
pub fn TeamPage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let list = OnceResource::new(get_staff_list());
    let error = url_error(<CreateStaffAccount as ServerFn>::PATH);
    let active_error = url_error(<SetStaffActive as ServerFn>::PATH);
    let reset_error = url_error(<ResetStaffSignIn as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || {
        done.get().map(|d| match d.as_str() {
            "reset" => crate::i18n::security_tr(lang).done_reset.to_string(),
            _ => (st.done_message)(st.create_heading),
        })
    });
    view! {
        <Title text=st.staff_title/>
        <StaffFrame>
            <h1>{st.staff_title}</h1>
            <Done text=done_text/>
            <FormAlert error=active_error/>
            <FormAlert error=reset_error/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(members) => view! {
                            <table class="staff-list">
                                <thead><tr>
                                    <th scope="col">{st.display_name_label}</th>
                                    <th scope="col">{st.email_label}</th>
                                    <th scope="col">{st.role_label}</th>
                                    <th scope="col"><span class="visually-hidden">{st.account_action}</span></th>
                                </tr></thead>
                                <tbody>
                                    {members.into_iter().map(|m| view! {
                                        <tr>
                                            <td>{m.display_name.clone()}{(!m.active).then(|| format!(" ({})", st.inactive))}</td>
                                            <td>{m.email}</td>
                                            <td>{(st.role_name)(&m.role)}</td>
                                            <td>
                                                <form method="post" action={<SetStaffActive as ServerFn>::PATH}>
                                                    <input type="hidden" name="staff_id" value=m.id/>
                                                    {if m.active {
                                                        view! { <button type="submit" name="active" value="0">{st.deactivate}</button> }.into_any()
                                                    } else {
                                                        view! { <button type="submit" name="active" value="1">{st.reactivate}</button> }.into_any()
                                                    }}
                                                </form>
                                                <crate::pages::security::ResetSignInForm
                                                    action={<ResetStaffSignIn as ServerFn>::PATH}
                                                    id_field="staff_id" id=m.id name=m.display_name.clone()/>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <NewAccountForm action={<CreateStaffAccount as ServerFn>::PATH} error
                                roles=&["handler", "supervisor", "admin"] role_name=st.role_name/>
                        }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// The form for a new account (staff, or a creditor's user): name, email, role and a first
/// password; the non-secret values come back after an error.
#[component]
pub(crate) fn NewAccountForm(
    action: &'static str,
    #[prop(into)] error: Signal<Option<crate::error::AppError>>,
    roles: &'static [&'static str],
    role_name: fn(&str) -> &'static str,
) -> impl IntoView {
    let st = staff_tr(use_language());
    view! {
        <form method="post" action=action class="card" novalidate>
            <h2>{st.create_heading}</h2>
            <FormAlert error/>
            <TextField name="display_name" label=st.display_name_label value=kept(error, "display_name") error/>
            <TextField name="email" label=st.email_label value=kept(error, "email") error input_type="email" autocomplete="off"/>
            <div class="field">
                <label for="role">{st.role_label}</label>
                <select id="role" name="role">
                    {roles.iter().map(|r| view! { <option value=*r>{role_name(r)}</option> }).collect_view()}
                </select>
            </div>
            <TextField name="password" label=st.password_label hint=st.new_password_hint error input_type="password" autocomplete="new-password"/>
            <button type="submit" class="primary">{st.create_button}</button>
        </form>
    }
}

/// Reply templates: the list, an editor and a preview for a real case.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let query = use_query_map();
    let page = Resource::new(
        move || query.with(|q| (q.get("preview_reference"), q.get("preview_body"))),
        |(r, b)| get_templates(r, b),
    );
    let error = url_error(<SaveTemplate as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || done.get().map(|_| (st.done_message)(st.save_button)));
    view! {
        <Title text=st.templates_title/>
        <StaffFrame>
            <h1>{st.templates_title}</h1>
            <p>{st.templates_intro}</p>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! {
                            {p.templates.is_empty().then(|| view! { <p>{st.no_templates}</p> })}
                            <ul class="templates">
                                {p.templates.into_iter().map(|t| view! {
                                    <li>
                                        <strong>{t.title}</strong>" · "{t.key}" · "{t.language}" · "
                                        {if t.class_key.is_empty() { st.every_class.to_string() } else { (st.class_name)(&t.class_key).to_string() }}
                                        <pre>{t.body}</pre>
                                    </li>
                                }).collect_view()}
                            </ul>
                            {p.preview.map(|r| match r {
                                Ok(text) => view! { <section class="card" aria-labelledby="preview-heading"><h2 id="preview-heading">{st.preview_heading}</h2><pre id="preview">{text}</pre></section> }.into_any(),
                                Err(message) => view! { <div class="alert" role="alert"><p>{message}</p></div> }.into_any(),
                            })}
                        }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
            <form method="post" action={<SaveTemplate as ServerFn>::PATH} class="card" novalidate>
                <h2>{st.save_button}</h2>
                <FormAlert error/>
                <TextField name="key" label=st.template_key_label value=kept(error, "key") error autocomplete="off"/>
                <div class="field">
                    <label for="language">{st.language_label}</label>
                    <select id="language" name="language">
                        <option value="de">"Deutsch"</option>
                        <option value="en">"English"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="class_key">{st.class_label}</label>
                    <select id="class_key" name="class_key">
                        <option value="">{st.every_class}</option>
                        {["key_account", "standard", "strict"].into_iter().map(|c| view! { <option value=c>{(st.class_name)(c)}</option> }).collect_view()}
                    </select>
                </div>
                <TextField name="title" label=st.title_label value=kept(error, "title") error/>
                <TextArea name="body" label=st.body_label hint=st.placeholders_hint value=kept(error, "body") error required=true/>
                <button type="submit" class="primary">{st.save_button}</button>
            </form>
            <form method="get" action="/staff/templates" class="card">
                <h2>{st.preview_heading}</h2>
                <TextField name="preview_reference" label=st.preview_reference error=Signal::derive(|| None) autocomplete="off"/>
                <TextArea name="preview_body" label=st.body_label hint=st.placeholders_hint error=Signal::derive(|| None)/>
                <button type="submit">{st.preview_button}</button>
            </form>
        </StaffFrame>
    }
}
