//! `/case`: the complete claim breakdown for the verified debtor.

use crate::api::debtor::{get_case_page, AnswerFairness, ChooseReason, SignOut};
use crate::components::Layout;
use crate::domain::claim::ItemKind;
use crate::domain::Language;
use crate::dto::{CaseView, ClaimView, CreditorView, DialogueView};
use crate::error::AppError;
use crate::i18n::{format_date, interest_detail, item_meta, tr, use_language, Texts};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The case page. Without a verified session it sends the visitor to the start page.
///
/// The page ships no script (`app::ships_no_script`), so its data is read with a plain future, not
/// a resource: a resource's value is also written into the page for hydration (4 KB of the
/// page's 12 that nothing would read, and the time to encode them on every visit).
///
/// The read is a bare `Suspend`, not inside `<Suspense>`: a `Suspense` walks its children several
/// times before it renders them (to find pending reads), running the closure that makes the
/// read and building the whole page's view on each walk — three reads of the session and three
/// builds of the page per visit. The server waits for a bare `Suspend` all the same (the route
/// renders in `SsrMode::Async`), and a page without script never shows a fallback.
///
/// For the same reason its forms are plain `<form>`s, not `ActionForm`s: without a script an
/// `ActionForm` renders the very same HTML, after creating an action (a handful of reactive
/// nodes, made and torn down on every visit) that nothing would ever dispatch.
#[component]
pub fn CasePage() -> impl IntoView {
    let lang = use_language();
    let t = tr(lang);
    view! {
        <Title text=t.case_title/>
        <Layout>
            {Suspend::new(async move {
                match get_case_page().await {
                    Ok((case, dialogue)) => view! { <CaseDetails case dialogue lang/> }.into_any(),
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
        </Layout>
    }
}

/// Where the case stands; a plain function on the borrowed dialogue, which the page uses
/// afterwards (a component would take it by value: a copy of every event and dispute per visit).
fn status(dialogue: &DialogueView, lang: Language) -> impl IntoView {
    let t = tr(lang);
    let text = match dialogue.state.as_str() {
        "disputed" => dialogue
            .disputes
            .iter()
            .rev()
            .find(|d| d.state == "open")
            .map(|d| (t.status_disputed)(&format_date(lang, d.answer_due_on)))
            .unwrap_or_else(|| t.status_open.to_string()),
        _ if dialogue.on_hold && !dialogue.payment_claims.is_empty() => dialogue
            .payment_claims
            .last()
            .map(|(date, amount)| {
                (t.status_payment_claimed)(&amount.format(lang), &format_date(lang, *date))
            })
            .unwrap_or_default(),
        "in_dialogue" => t.status_in_dialogue.to_string(),
        _ => t.status_open.to_string(),
    };
    let answers: Vec<String> = dialogue
        .disputes
        .iter()
        .filter_map(|d| d.answer.clone())
        .collect();
    let next = dialogue
        .next
        .as_ref()
        .map(|n| crate::i18n::what_next(lang, n));
    view! {
        <section id="status" aria-labelledby="status-heading" class="card status">
            <h2 id="status-heading">{t.status_heading}</h2>
            <p>{text}</p>
            {next.map(|n| view! { <p id="what-next">{n}</p> })}
            {answers.into_iter().map(|a| view! {
                <blockquote class="answer"><p>{t.dispute_answer_label}</p><p>{a}</p></blockquote>
            }).collect_view()}
        </section>
    }
}

/// After the case ended: "How fairly were you treated?" (1–5, optional comment), asked once.
#[component]
fn FairnessQuestion(answered: bool, lang: Language) -> impl IntoView {
    let t = tr(lang);
    let error = crate::pages::debtor::url_error(<AnswerFairness as ServerFn>::PATH);
    let done = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("done"));
    let thanks = answered || done.as_deref() == Some("fairness");
    view! {
        <section id="fairness" aria-labelledby="fairness-heading" class="card">
            <h2 id="fairness-heading">{t.fairness_heading}</h2>
            {thanks.then(|| view! { <p role="status">{t.fairness_thanks}</p> })}
            {(!thanks).then(|| view! {
                <p class="hint">{t.fairness_intro}</p>
                <form method="post" action={<AnswerFairness as ServerFn>::PATH} novalidate>
                    <crate::components::FormAlert error/>
                    <fieldset class="field">
                        <legend>{t.fairness_heading}</legend>
                        {(1u8..=5).map(|n| view! {
                            <label class="choice-line">
                                <input type="radio" name="score" value=n.to_string()/>" "{(t.fairness_score)(n)}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for="fairness-comment">{t.fairness_comment_label}</label>
                        <textarea id="fairness-comment" name="comment" rows="3" maxlength="2000"></textarea>
                    </div>
                    <button type="submit" class="primary">{t.fairness_submit}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn ReasonQuestion(current: Option<String>, lang: Language) -> impl IntoView {
    let t = tr(lang);
    let reasons = crate::i18n::reason_choices(lang);
    let current_label =
        current.and_then(|c| reasons.iter().find(|(code, _)| *code == c).map(|(_, l)| *l));
    view! {
        <section aria-labelledby="reason-heading" class="card reasons">
            <h2 id="reason-heading">{t.reason_heading}</h2>
            <p class="hint">{t.reason_intro}</p>
            {current_label.map(|l| view! { <p class="current-reason">{t.reason_given} ": " <strong>{l}</strong></p> })}
            <form action={<ChooseReason as ServerFn>::PATH} method="post" class="reason-list">
                {reasons
                    .into_iter()
                    .map(|(code, label)| view! {
                        <button type="submit" name="reason" value=code class="choice">{label}</button>
                    })
                    .collect_view()}
            </form>
        </section>
    }
}

#[component]
fn Timeline(dialogue: DialogueView, lang: Language) -> impl IntoView {
    let t = tr(lang);
    (!dialogue.events.is_empty()).then(|| {
        view! {
            <section aria-labelledby="timeline-heading" class="card">
                <h2 id="timeline-heading">{t.timeline_heading}</h2>
                <ol class="timeline">
                    {dialogue
                        .events
                        .into_iter()
                        .rev()
                        .map(|e| {
                            let date = chrono::DateTime::from_timestamp_millis(e.at_ms)
                                .map(|d| format_date(lang, d.date_naive()))
                                .unwrap_or_default();
                            let sent = crate::i18n::sent_note(lang, e.subject, e.channel);
                            view! {
                                <li>
                                    <span>{(t.event_label)(&e.kind)}</span>" "<span class="meta">{date}</span>
                                    {sent.map(|s| view! { <br/><span class="meta">{s}</span> })}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </section>
        }
    })
}

#[component]
fn CaseDetails(case: CaseView, dialogue: DialogueView, lang: Language) -> impl IntoView {
    let t = tr(lang);
    let s = case.summary;
    let vat_included = case
        .claims
        .iter()
        .flat_map(|c| c.items.iter())
        .any(|i| i.vat_included);
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

        {status(&dialogue, lang)}

        <section aria-labelledby="summary-heading" class="card">
            <h2 id="summary-heading">{t.summary_heading}</h2>
            <p class="hint">{(t.as_of)(&format_date(lang, case.as_of))}</p>
            {case.interest_stopped_at.map(|day| {
                let last = day.pred_opt().unwrap_or(day);
                view! { <p class="hint interest-stopped">{(t.interest_stopped)(&format_date(lang, last))}</p> }
            })}
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

        {(matches!(dialogue.state.as_str(), "paid" | "closed")).then(|| view! {
            <FairnessQuestion answered=dialogue.fairness_answered lang/>
        })}
        <ReasonQuestion current=dialogue.reason.clone() lang/>

        <nav aria-labelledby="next-heading" class="card next-steps">
            <h2 id="next-heading">{t.next_steps_heading}</h2>
            <ul>
                <li><a href="/case/pay">{t.pay_link}</a></li>
                <li><a href="/case/message">{t.message_link}</a></li>
                <li><a href="/case/contact">{t.contact_link}</a></li>
                <li><a href="/case/statement.pdf" download rel="external">{t.statement_link}</a></li>
            </ul>
        </nav>

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

        {vat_included.then(|| view! {
            <p class="hint">{t.vat_statement}</p>
        })}

        {case.address_researched.then(|| view! {
            <p class="hint" id="address-researched">
                {t.address_researched}" "
                <a href="/case/contact">{t.address_researched_fix}</a>
            </p>
        })}

        {(!case.supervisory_authority.is_empty()).then(|| view! {
            <section aria-labelledby="authority-heading" class="card">
                <h2 id="authority-heading">{t.authority_heading}</h2>
                <p>{t.authority_intro}</p>
                <address>{case.supervisory_authority.clone().into_iter().map(|l| view! { {l}<br/> }).collect_view()}</address>
            </section>
        })}

        <Timeline dialogue lang/>

        <form action={<SignOut as ServerFn>::PATH} method="post" class="sign-out">
            <button type="submit" class="secondary">{t.sign_out}</button>
        </form>
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
pub(crate) fn Claim(claim: ClaimView, lang: Language) -> impl IntoView {
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
                            let meta = item_meta(lang, &item);
                            let detail = item.interest.as_ref().map(|i| interest_detail(lang, i));
                            view! {
                                <tr>
                                    <th scope="row">
                                        {format!("{}: {}", kind_label(t, item.kind), item.description)}
                                        <span class="meta">{meta}</span>
                                        {detail.map(|d| view! { <span class="meta">{d}</span> })}
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
