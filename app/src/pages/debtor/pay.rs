//! `/case/pay`: bank transfer details with the EPC QR code (GiroCode).

use crate::api::debtor::{get_payment_details, StartOnlinePayment};
use crate::components::{FormAlert, Layout, TextField};
use crate::error::AppError;
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// Everything needed to pay by bank transfer; the same data as text and as a QR code.
#[component]
pub fn PayPage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let details = OnceResource::new(get_payment_details());
    let online_error = super::url_error(<StartOnlinePayment as ServerFn>::PATH);
    let returned = use_query_map().with_untracked(|q| q.get("online"));
    view! {
        <Title text=t.pay_title/>
        <Layout>
            <p class="back"><a href="/case">{t.back_to_case}</a></p>
            <h1>{t.pay_title}</h1>
            {returned.map(|r| {
                let text = if r == "done" { t.online_done } else { t.online_cancelled };
                view! { <div class="card status" role="status"><p>{text}</p></div> }
            })}
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(Some(p)) if p.amount.minor <= 0 => view! { <p>{t.nothing_to_pay}</p> }.into_any(),
                        Ok(Some(p)) => view! {
                            <p>{t.pay_intro}</p>
                            <div class="card pay">
                                <dl class="summary">
                                    <div><dt>{t.payee_label}</dt><dd>{p.payee}</dd></div>
                                    <div><dt>{t.iban_label}</dt><dd class="mono">{p.iban}</dd></div>
                                    {p.bic.map(|b| view! { <div><dt>{t.bic_label}</dt><dd class="mono">{b}</dd></div> })}
                                    <div class="total"><dt>{t.balance}</dt><dd>{p.amount.format(lang)}</dd></div>
                                    <div><dt>{t.reference_payment_label}</dt><dd class="mono">{p.reference}</dd></div>
                                </dl>
                                <p class="hint">{t.pay_reference_hint} " " {t.pay_partial}</p>
                                {p.qr_svg.map(|svg| view! {
                                    <figure class="qr">
                                        <div role="img" aria-label=t.qr_alt inner_html=svg></div>
                                        <figcaption>{t.qr_caption}</figcaption>
                                    </figure>
                                })}
                            </div>
                            {p.online.then(|| view! {
                                <section aria-labelledby="online-heading" class="card">
                                    <h2 id="online-heading">{t.online_heading}</h2>
                                    <p>{t.online_intro}</p>
                                    <form method="post" action={<StartOnlinePayment as ServerFn>::PATH} novalidate>
                                        <FormAlert error=online_error/>
                                        <TextField name="amount" label=t.online_amount_label error=online_error inputmode="decimal"/>
                                        <button type="submit" class="primary">{t.online_button}</button>
                                    </form>
                                </section>
                            })}
                        }.into_any(),
                        Ok(None) => view! { <p>{t.pay_not_configured}</p> }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/"/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}
