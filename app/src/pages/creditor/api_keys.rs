//! The creditor's API keys: create one (shown once), revoke one.

use super::{load_error, CreditorFrame};
use crate::api::creditor::{get_api_keys, CreateApiKey, RevokeApiKey};
use crate::components::{FormAlert, TextField};
use crate::i18n::{creditor_tr, tr, use_language};
use crate::pages::debtor::{kept, url_error};
use crate::pages::staff::{done_param, when, Done};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor/api-keys`: the creditor's keys for `/api/v1`; a new key is shown once.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_api_keys());
    let create_error = url_error(<CreateApiKey as ServerFn>::PATH);
    let revoke_error = url_error(<RevokeApiKey as ServerFn>::PATH);
    let done = done_param();
    view! {
        <Title text=ct.keys_title/>
        <CreditorFrame>
            <h1>{ct.keys_title}</h1>
            <p>{ct.keys_intro}" "<a href="/api/v1/openapi.json">{ct.keys_docs}</a></p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => {
                            let done_text = done.get().map(|d| (ct.keys_done)(&d));
                            view! {
                                <p>{page.member.creditor_name.clone()}</p>
                                {match page.new_key.clone() {
                                    Some(key) => view! {
                                        <div class="notice" role="status">
                                            <p>{ct.keys_created}</p>
                                            <p><code id="new-key" class="secret">{key}</code></p>
                                            <p>{ct.keys_copy_now}</p>
                                        </div>
                                    }.into_any(),
                                    None => view! { <Done text=Signal::derive(move || done_text.clone())/> }.into_any(),
                                }}
                                <FormAlert error=revoke_error/>
                                {page.keys.is_empty().then(|| view! { <p class="empty">{ct.keys_empty}</p> })}
                                {(!page.keys.is_empty()).then(|| view! {
                                    <table class="queue">
                                        <thead><tr>
                                            <th scope="col">{ct.keys_col_name}</th>
                                            <th scope="col">{ct.keys_col_prefix}</th>
                                            <th scope="col">{ct.keys_col_created}</th>
                                            <th scope="col">{ct.keys_col_used}</th>
                                            <th scope="col">{ct.keys_col_state}</th>
                                            <th scope="col"><span class="visually-hidden">{ct.keys_revoke}</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {page.keys.iter().map(|k| {
                                                let created = format!("{} ({})", when(lang, k.created_at_ms), k.created_by.clone().unwrap_or_default());
                                                view! {
                                                    <tr>
                                                        <td>{k.name.clone()}</td>
                                                        <td><code>{format!("{}…", k.prefix)}</code></td>
                                                        <td>{created}</td>
                                                        <td>{k.last_used_ms.map(|t| when(lang, t)).unwrap_or_else(|| ct.keys_never_used.to_string())}</td>
                                                        <td>{match k.revoked_at_ms {
                                                            Some(t) => (ct.keys_revoked)(&when(lang, t)),
                                                            None => ct.keys_active.to_string(),
                                                        }}</td>
                                                        <td>{k.revoked_at_ms.is_none().then(|| view! {
                                                            <form method="post" action={<RevokeApiKey as ServerFn>::PATH} class="inline">
                                                                <input type="hidden" name="key_id" value=k.id/>
                                                                <button type="submit" class="secondary" aria-label=format!("{} {}", ct.keys_revoke, k.name)>{ct.keys_revoke}</button>
                                                            </form>
                                                        })}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                })}
                                <section class="card" aria-labelledby="new-key-heading">
                                    <h2 id="new-key-heading">{ct.keys_new_heading}</h2>
                                    <form method="post" action={<CreateApiKey as ServerFn>::PATH} novalidate>
                                        <FormAlert error=create_error/>
                                        <TextField name="name" label=ct.keys_name_label value=kept(create_error, "name") error=create_error/>
                                        <button type="submit" class="primary">{ct.keys_create}</button>
                                    </form>
                                </section>
                            }.into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}
