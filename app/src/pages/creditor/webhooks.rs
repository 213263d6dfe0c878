//! The creditor's webhook: its address, its secret and its deliveries.

use super::{load_error, shown, CreditorFrame};
use crate::api::creditor::{get_webhooks, RenewWebhookSecret, RetryWebhook, SetWebhookUrl};
use crate::components::{FormAlert, TextField};
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
use crate::pages::debtor::url_error;
use crate::pages::staff::{done_param, when, Done};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// `/creditor/webhooks`: where case events go, the signing secret and the delivery log.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_webhooks());
    let url_error_signal = url_error(<SetWebhookUrl as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || done.get().map(|d| (ct.webhooks_done)(&d).to_string()));
    view! {
        <Title text=ct.webhooks_title/>
        <CreditorFrame>
            <h1>{ct.webhooks_title}</h1>
            <p>{ct.webhooks_intro}</p>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(page) => page,
                        Err(e) => return load_error(e, lang),
                    };
                    let owner = page.member.role == "owner";
                    let current = page.url.clone().unwrap_or_default();
                    view! {
                        <p>{page.member.creditor_name.clone()}</p>
                        {owner.then(|| view! {
                            <section class="card" aria-labelledby="address-heading">
                                <h2 id="address-heading">{ct.address_heading}</h2>
                                <form method="post" action={<SetWebhookUrl as ServerFn>::PATH} novalidate>
                                    <FormAlert error=url_error_signal/>
                                    <TextField name="url" label=ct.url_label hint=ct.url_hint input_type="url"
                                        value=shown(url_error_signal, "url", current.clone()) error=url_error_signal/>
                                    <button type="submit" class="primary">{ct.save}</button>
                                </form>
                                {page.secret.clone().map(|secret| view! {
                                    <p>{ct.webhooks_signing}</p>
                                    <p>{ct.secret_label}": "<code id="webhook-secret" class="secret">{secret}</code></p>
                                    <form method="post" action={<RenewWebhookSecret as ServerFn>::PATH} class="inline">
                                        <button type="submit" class="secondary">{ct.renew_secret}</button>
                                    </form>
                                })}
                            </section>
                        })}
                        {(!owner).then(|| view! { <p>{ct.url_label}": "{current.clone()}</p> })}
                        <section aria-labelledby="deliveries-heading">
                            <h2 id="deliveries-heading">{ct.deliveries_heading}</h2>
                            {page.deliveries.is_empty().then(|| view! { <p class="empty">{ct.deliveries_empty}</p> })}
                            {(!page.deliveries.is_empty()).then(|| view! {
                                <div class="table-wrap">
                                <table class="queue">
                                    <thead><tr>
                                        <th scope="col">{ct.col_event}</th>
                                        <th scope="col">{staff_tr(lang).col_case}</th>
                                        <th scope="col">{ct.col_sent}</th>
                                        <th scope="col">{ct.col_delivery}</th>
                                    </tr></thead>
                                    <tbody>
                                        {page.deliveries.iter().map(|d| view! {
                                            <tr>
                                                <td><code>{d.event_type.clone()}</code><br/><span class="meta">{d.event_id.clone()}</span></td>
                                                <td>{d.case_reference.clone().unwrap_or_default()}</td>
                                                <td>{when(lang, d.created_at_ms)}</td>
                                                <td>
                                                    {(ct.delivery_state)(&d.state, d.attempts)}
                                                    {d.last_error.clone().filter(|_| d.state != "delivered").map(|e| view! { <br/><span class="meta">{e}</span> })}
                                                    {(owner && d.state == "dead").then(|| view! {
                                                        <form method="post" action={<RetryWebhook as ServerFn>::PATH} class="inline">
                                                            <input type="hidden" name="delivery_id" value=d.id/>
                                                            <button type="submit" class="secondary">{ct.retry}</button>
                                                        </form>
                                                    })}
                                                </td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            })}
                        </section>
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}
