//! `/case/pay`: bank transfer details with the EPC QR code (GiroCode).

use crate::api::debtor::get_payment_details;
use crate::components::Layout;
use crate::error::AppError;
use crate::i18n::{tr, use_language};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// Everything needed to pay by bank transfer; the same data as text and as a QR code.
#[component]
pub fn PayPage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let details = OnceResource::new(get_payment_details());
    view! {
        <Title text=t.pay_title/>
        <Layout>
            <p class="back"><a href="/case">{t.back_to_case}</a></p>
            <h1>{t.pay_title}</h1>
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
