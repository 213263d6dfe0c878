//! `/case`: the complete claim breakdown for the verified debtor.

use crate::api::debtor::{get_case, SignOut};
use crate::components::Layout;
use crate::domain::claim::ItemKind;
use crate::domain::Language;
use crate::dto::{CaseView, ClaimView, CreditorView};
use crate::error::AppError;
use crate::i18n::{format_date, tr, use_language, Texts};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The case page. Without a verified session it sends the visitor to the start page.
#[component]
pub fn CasePage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    let case = OnceResource::new(get_case());
    view! {
        <Title text=t.case_title/>
        <Layout>
            <Suspense fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match case.await {
                        Ok(case) => view! { <CaseDetails case lang/> }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/"/> }.into_any(),
                        Err(e) => {
                            view! {
                                <h1>{t.case_title}</h1>
                                <div class="alert" role="alert">
                                    <p>{e.message(lang)}</p>
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn CaseDetails(case: CaseView, lang: Language) -> impl IntoView {
    let t = tr(lang);
    let s = case.summary;
    let sign_out = ServerAction::<SignOut>::new();
    let summary_rows = [
        (t.principal, s.principal, false),
        (t.interest, s.interest, false),
        (t.costs, s.costs, false),
        (t.payments, s.payments, false),
        (t.balance, s.balance, true),
    ];
    view! {
        <h1>{t.case_title}</h1>
        <p class="reference">
            {t.case_reference_label} ": " <strong>{case.reference.clone()}</strong>
        </p>

        <section aria-labelledby="summary-heading" class="card">
            <h2 id="summary-heading">{t.summary_heading}</h2>
            <p class="hint">{(t.as_of)(&format_date(lang, case.as_of))}</p>
            <dl class="summary">
                {summary_rows
                    .into_iter()
                    .map(|(label, amount, total)| {
                        view! {
                            <div class:total=total>
                                <dt>{label}</dt>
                                <dd>{amount.format(lang)}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>

        <Creditor creditor=case.creditor.clone() t/>

        <section aria-labelledby="claims-heading">
            <h2 id="claims-heading">{t.claims_heading}</h2>
            {case.claims.into_iter().map(|claim| view! { <Claim claim lang/> }).collect_view()}
        </section>

        <section aria-labelledby="payments-heading" class="card">
            <h2 id="payments-heading">{t.payments_heading}</h2>
            {if case.payments.is_empty() {
                view! { <p>{t.no_payments}</p> }.into_any()
            } else {
                view! {
                    <ul class="payments">
                        {case
                            .payments
                            .into_iter()
                            .map(|p| {
                                view! {
                                    <li>
                                        <span>{format_date(lang, p.value_date)}</span>
                                        <span class="num">{p.amount.format(lang)}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>

        <ActionForm action=sign_out attr:class="sign-out">
            <button type="submit" class="secondary">{t.sign_out}</button>
        </ActionForm>
    }
}

#[component]
fn Creditor(creditor: CreditorView, t: &'static Texts) -> impl IntoView {
    let a = creditor.address;
    view! {
        <section aria-labelledby="creditor-heading" class="card">
            <h2 id="creditor-heading">{t.creditor_heading}</h2>
            <p>{t.creditor_intro}</p>
            <address>
                <strong>{creditor.name}</strong>
                <br/>
                {a.street}
                <br/>
                {format!("{} {}", a.postcode, a.city)}
                <br/>
                {a.country}
            </address>
        </section>
    }
}

fn kind_label(t: &Texts, kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Principal => t.principal,
        ItemKind::Interest => t.interest,
        ItemKind::Cost => t.costs,
    }
}

#[component]
fn Claim(claim: ClaimView, lang: Language) -> impl IntoView {
    let t = tr(lang);
    view! {
        <article class="card claim">
            <h3>{(t.claim_heading)(&claim.subject)}</h3>
            <dl class="claim-meta">
                {claim
                    .contract_date
                    .map(|d| view! { <div><dt>{t.contract_date}</dt><dd>{format_date(lang, d)}</dd></div> })}
                {claim
                    .invoice_number
                    .map(|n| view! { <div><dt>{t.invoice_number}</dt><dd>{n}</dd></div> })}
                <div>
                    <dt>{t.due_since}</dt>
                    <dd>{format_date(lang, claim.due_date)}</dd>
                </div>
            </dl>
            <table>
                <thead>
                    <tr>
                        <th scope="col">{t.item_column}</th>
                        <th scope="col" class="num">{t.amount_column}</th>
                    </tr>
                </thead>
                <tbody>
                    {claim
                        .items
                        .into_iter()
                        .map(|item| {
                            let meta = match &item.legal_basis {
                                Some(basis) => format!("{} · {}", format_date(lang, item.date), basis),
                                None => format_date(lang, item.date),
                            };
                            view! {
                                <tr>
                                    <th scope="row">
                                        {format!("{}: {}", kind_label(t, item.kind), item.description)}
                                        <span class="meta">{meta}</span>
                                    </th>
                                    <td class="num">{item.amount.format(lang)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{t.claim_total}</th>
                        <td class="num">{claim.total.format(lang)}</td>
                    </tr>
                </tfoot>
            </table>
        </article>
    }
}
