//! The creditor portal: sign-in, overview, hand-over uploads, consents, customer groups, API keys
//! and webhooks. Plain forms that post and redirect, with and without JavaScript.

use crate::api::creditor::{
    get_api_keys, get_classes, get_consent_inbox, get_creditor_overview, get_customer, get_import,
    get_imports, get_remittances, get_retention, get_webhooks, CreateApiKey, CreditorLogin,
    CreditorLogout, DecideConsent, DecidePlanApproval, MoveCaseClass, PauseCase,
    RenewWebhookSecret, RetryWebhook, RevokeApiKey, SetWebhookUrl, UpdateClassBand,
    UpdateClassReminders, UpdateClassSettings, UploadActivities, UploadClaims,
};
use crate::api::creditor::{get_creditor_team, CreateCreditorUser, SetCreditorUserActive};
use crate::components::{FileField, FormAlert, TextField};
use crate::domain::plan::PolicyBand;
use crate::domain::Language;
use crate::dto::{ClassSettings, CreditorOverview};
use crate::error::AppError;
use crate::i18n::{creditor_tr, staff_tr, tr, use_language};
use crate::pages::debtor::{kept, url_error};
use crate::pages::staff::{done_param, when, Done, NewAccountForm};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// `/creditor/login`.
#[component]
pub fn CreditorLoginPage() -> impl IntoView {
    let st = staff_tr(use_language());
    view! {
        <crate::pages::security::SignInPage
            title=st.creditor_login_title
            intro=st.creditor_login_intro
            login_path={<CreditorLogin as ServerFn>::PATH}
            code_path={<crate::api::account::CreditorLoginCode as ServerFn>::PATH}
            login_page="/creditor/login"
        />
    }
}

/// `/creditor/account`: the user's own password and two-step sign-in.
#[component]
pub fn CreditorAccountPage() -> impl IntoView {
    use crate::api::account::{
        get_creditor_account, CreditorChangePassword, CreditorConfirmTwoStep, CreditorStartTwoStep,
    };
    use crate::pages::security::{AccountActions, SecurityCards};
    let lang = use_language();
    let st = staff_tr(lang);
    let sec = crate::i18n::security_tr(lang);
    let data = OnceResource::new(get_creditor_account());
    let done = done_param();
    let done_text = Signal::derive(move || {
        done.get().map(|d| match d.as_str() {
            "password" => sec.done_password.to_string(),
            "session" => sec.done_session.to_string(),
            _ => sec.done_two_step.to_string(),
        })
    });
    let actions = AccountActions {
        change_password: <CreditorChangePassword as ServerFn>::PATH,
        start_two_step: <CreditorStartTwoStep as ServerFn>::PATH,
        confirm_two_step: <CreditorConfirmTwoStep as ServerFn>::PATH,
        end_session: <crate::api::account::CreditorEndSession as ServerFn>::PATH,
    };
    view! {
        <Title text=st.account_title/>
        <CreditorFrame>
            <h1>{st.account_title}</h1>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(security) => view! {
                            <p>{security.email.clone()}</p>
                            <SecurityCards security actions/>
                        }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// `/creditor`: the escalation requests waiting for the creditor's decision.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let lang = use_language();
    let st = staff_tr(lang);
    let inbox = OnceResource::new(get_consent_inbox());
    let error = url_error(<DecideConsent as ServerFn>::PATH);
    let plan_error = url_error(<DecidePlanApproval as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || done.get().map(|d| (st.consent_done)(&d)));
    view! {
        <Title text=st.consent_title/>
        <CreditorFrame>
            <h1>{st.consent_title}</h1>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match inbox.await {
                        Ok(inbox) => {
                            let owner = inbox.member.role == "owner";
                            let key = inbox.form_key.clone();
                            view! {
                                <p>{inbox.member.creditor_name.clone()}</p>
                                <p>{st.consent_intro}</p>
                                {(!owner).then(|| view! { <p class="hint">{st.consent_viewer}</p> })}
                                <h2>{st.consent_escalations_heading}</h2>
                                {inbox.requests.is_empty().then(|| view! { <p class="empty">{st.consent_empty}</p> })}
                                {inbox.requests.into_iter().map(|r| {
                                    let heading = format!("consent-{}", r.case_id);
                                    let labelled_by = heading.clone();
                                    view! {
                                        <section class="card" aria-labelledby=labelled_by>
                                            <h3 id=heading>{r.reference.clone()}" · "{r.debtor_name.clone()}</h3>
                                            <p>{(st.class_name)(r.class_key.as_deref().unwrap_or(""))}" · "
                                               {r.balance.map(|b| b.format(lang)).unwrap_or_default()}</p>
                                            <p class="meta">{(st.consent_requested)(&r.handler_name, &when(lang, r.requested_at_ms))}</p>
                                            <blockquote class="answer"><p>{r.note.clone()}</p></blockquote>
                                            <p>{if r.default_approve {
                                                (creditor_tr(lang).consent_deadline_approve)(&when(lang, r.deadline_ms))
                                            } else {
                                                (st.consent_deadline)(&when(lang, r.deadline_ms))
                                            }}</p>
                                            {owner.then(|| view! {
                                                <DecisionForm action={<DecideConsent as ServerFn>::PATH} error
                                                    id_name="case_id" id=r.case_id form_key=format!("{key}-{}", r.case_id)
                                                    comment_id=format!("comment-{}", r.case_id)/>
                                            })}
                                        </section>
                                    }
                                }).collect_view()}
                                <h2>{st.consent_plans_heading}</h2>
                                <p>{st.consent_plans_intro}</p>
                                {inbox.plans.is_empty().then(|| view! { <p class="empty">{st.consent_plans_empty}</p> })}
                                {inbox.plans.into_iter().map(|r| {
                                    let heading = format!("plan-approval-{}", r.id);
                                    let labelled_by = heading.clone();
                                    let comment_id = format!("plan-comment-{}", r.id);
                                    view! {
                                        <section class="card" aria-labelledby=labelled_by>
                                            <h3 id=heading>{r.reference.clone()}" · "{r.debtor_name.clone()}</h3>
                                            <p>{(st.class_name)(r.class_key.as_deref().unwrap_or(""))}" · "
                                               {r.balance.map(|b| b.format(lang)).unwrap_or_default()}</p>
                                            <ul>{r.plan.reasons.iter().map(|reason| view! { <li>{crate::i18n::plan_reason(lang, reason)}</li> }).collect_view()}</ul>
                                            <crate::pages::debtor::plan::ScheduleTable schedule=r.plan.schedule.clone() lang/>
                                            <p class="meta">{(st.consent_requested)(&r.handler_name, &when(lang, r.requested_at_ms))}</p>
                                            <p><strong>{(st.recommended)(r.recommend_approve)}</strong></p>
                                            <blockquote class="answer"><p>{r.note.clone()}</p></blockquote>
                                            <p>{(st.plan_consent_deadline)(&when(lang, r.deadline_ms), r.default_approve)}</p>
                                            {owner.then(|| view! {
                                                <DecisionForm action={<DecidePlanApproval as ServerFn>::PATH} error=plan_error
                                                    id_name="approval_id" id=r.id form_key=format!("{key}-plan-{}", r.id)
                                                    comment_id=comment_id/>
                                            })}
                                        </section>
                                    }
                                }).collect_view()}
                            }.into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// An owner's answer to a request in the consent inbox: a comment (required to decline) and
/// approve / decline.
#[component]
fn DecisionForm(
    action: &'static str,
    error: Signal<Option<crate::error::AppError>>,
    /// The request's id field (`case_id` or `approval_id`) and value.
    id_name: &'static str,
    id: i64,
    form_key: String,
    comment_id: String,
) -> impl IntoView {
    let st = staff_tr(use_language());
    view! {
        <form method="post" action=action novalidate>
            <FormAlert error/>
            <input type="hidden" name=id_name value=id/>
            <input type="hidden" name="form_key" value=form_key/>
            <div class="field">
                <label for=comment_id.clone()>{st.consent_comment}</label>
                <textarea id=comment_id name="comment" rows="3"></textarea>
            </div>
            <button type="submit" name="decision" value="approve" class="primary">{st.consent_approve}</button>
            " "
            <button type="submit" name="decision" value="decline" class="secondary">{st.consent_decline}</button>
        </form>
    }
}

/// The frame of a signed-in creditor page: navigation, sign-out and the page's content.
#[component]
fn CreditorFrame(children: Children) -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    view! {
        <a class="skip-link" href="#main">{tr(lang).skip_to_content}</a>
        <header class="site-header staff-header">
            <a class="brand" href="/creditor">"Rapport"</a>
            <nav aria-label=ct.nav_label class="staff-nav">
                <a href="/creditor/overview">{ct.nav_overview}</a>
                <a href="/creditor/remittances">{ct.nav_remittances}</a>
                <a href="/creditor/retention">{ct.nav_retention}</a>
                <a href="/creditor/import">{ct.nav_import}</a>
                <a href="/creditor">{ct.nav_consents}</a>
                <a href="/creditor/classes">{ct.nav_classes}</a>
                <a href="/creditor/api-keys">{ct.nav_api_keys}</a>
                <a href="/creditor/webhooks">{ct.nav_webhooks}</a>
                <a href="/creditor/team">{ct.nav_team}</a>
                <a href="/creditor/account">{staff_tr(lang).nav_account}</a>
            </nav>
            <form method="post" action={<CreditorLogout as ServerFn>::PATH} class="inline">
                <button type="submit" class="link">{staff_tr(lang).logout_button}</button>
            </form>
            <crate::components::LanguageSwitch/>
        </header>
        <main id="main" tabindex="-1" class="staff">{children()}</main>
    }
}

/// What a failed load shows: the sign-in page for a missing session, else the message.
fn load_error(e: AppError, lang: crate::domain::Language) -> AnyView {
    match e {
        AppError::Unauthenticated => view! { <Redirect path="/creditor/login"/> }.into_any(),
        AppError::SetupRequired => view! { <Redirect path="/creditor/account"/> }.into_any(),
        e => view! { <div class="alert" role="alert"><p>{e.message(lang)}</p></div> }.into_any(),
    }
}

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

/// A class's name in the reader's language.
fn class_name(c: &ClassSettings, lang: Language) -> String {
    match lang {
        Language::De => c.name_de.clone(),
        Language::En => c.name_en.clone(),
    }
}

/// `/creditor/classes`: the creditor's treatment classes at a glance.
#[component]
pub fn ClassesPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_classes());
    view! {
        <Title text=ct.classes_title/>
        <CreditorFrame>
            <h1>{ct.classes_title}</h1>
            <p>{ct.classes_intro}</p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! {
                            <p>{page.member.creditor_name.clone()}</p>
                            <table class="queue">
                                <thead><tr>
                                    <th scope="col">{ct.col_class}</th>
                                    <th scope="col">{ct.col_reply_days}</th>
                                    <th scope="col">{ct.col_consent}</th>
                                    <th scope="col">{ct.col_plans}</th>
                                    <th scope="col">{ct.col_running}</th>
                                </tr></thead>
                                <tbody>
                                    {page.classes.iter().map(|c| {
                                        let name = class_name(c, lang);
                                        let longest = c.bands.iter().map(|b| b.policy.max_months).max().unwrap_or(0);
                                        let auto = c.bands.iter().all(|b| b.policy.auto_accept);
                                        view! {
                                            <tr>
                                                <td><a href=format!("/creditor/classes/{}", c.id)
                                                       aria-label=(ct.edit_class)(&name)>{name.clone()}</a></td>
                                                <td>{(ct.business_days)(c.reply_days)}</td>
                                                <td>{if c.escalation_needs_consent { ct.yes } else { ct.no }}</td>
                                                <td>{(ct.plans_summary)(auto, longest)}</td>
                                                <td>{c.running_cases}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// Element id prefixes of the band forms (a class has at most this many bands).
const BAND_PREFIXES: [&str; 8] = [
    "band-0", "band-1", "band-2", "band-3", "band-4", "band-5", "band-6", "band-7",
];

/// The error of the last submission if it came from the form `form`.
fn error_of(error: Signal<Option<AppError>>, form: String) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error.get().filter(|e| {
            e.form_errors()
                .and_then(|f| f.values.get("form"))
                .is_none_or(|f| *f == form)
        })
    })
}

/// The value sent with a failed submission, else the value held.
fn shown(error: Signal<Option<AppError>>, field: &'static str, held: String) -> Signal<String> {
    Signal::derive(move || {
        error
            .get()
            .and_then(|e| e.form_errors().and_then(|f| f.values.get(field).cloned()))
            .unwrap_or_else(|| held.clone())
    })
}

/// An amount for an input field, without the currency sign.
fn plain(m: crate::domain::Money, lang: Language) -> String {
    let text = m.format(lang);
    text.trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_string()
}

/// `/creditor/classes/:id`: one class's rules, each part its own form.
#[component]
pub fn ClassPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let data = OnceResource::new(get_classes());
    let settings_error = error_of(
        url_error(<UpdateClassSettings as ServerFn>::PATH),
        "settings".into(),
    );
    let band_error = url_error(<UpdateClassBand as ServerFn>::PATH);
    let reminders_error = error_of(
        url_error(<UpdateClassReminders as ServerFn>::PATH),
        "reminders".into(),
    );
    let done = done_param();
    let done_text = Signal::derive(move || done.get().map(|_| ct.class_saved.to_string()));
    view! {
        <Title text=ct.classes_title/>
        <CreditorFrame>
            <p class="back"><a href="/creditor/classes">{ct.back_to_classes}</a></p>
            <Done text=done_text/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(page) => page,
                        Err(e) => return load_error(e, lang),
                    };
                    let Some(class) = page.classes.iter().find(|c| Some(c.id) == id()).cloned() else {
                        return load_error(AppError::NotFound, lang);
                    };
                    let owner = page.member.role == "owner";
                    let name = class_name(&class, lang);
                    let bands = class.bands.clone();
                    view! {
                        <h1>{(ct.class_title)(&name)}</h1>
                        {(!owner).then(|| view! { <p class="hint">{ct.classes_viewer}</p> })}
                        <section class="card" aria-labelledby="settings-heading">
                            <h2 id="settings-heading">{ct.settings_heading}</h2>
                            <form method="post" action={<UpdateClassSettings as ServerFn>::PATH} novalidate>
                                <FormAlert error=settings_error/>
                                <input type="hidden" name="class_id" value=class.id/>
                                <TextField name="reply_days" label=ct.reply_days_label hint=ct.reply_days_hint
                                    value=shown(settings_error, "reply_days", class.reply_days.to_string())
                                    error=settings_error inputmode="numeric"/>
                                <div class="field">
                                    <label class="choice-line">
                                        <input type="checkbox" name="escalation_needs_consent" value="yes"
                                            checked=class.escalation_needs_consent/>
                                        " " {ct.consent_label}
                                    </label>
                                </div>
                                <TextField name="consent_days" label=ct.consent_days_label
                                    value=shown(settings_error, "consent_days", class.consent_days.to_string())
                                    error=settings_error inputmode="numeric"/>
                                <fieldset class="field">
                                    <legend>{ct.consent_default_legend}</legend>
                                    <label class="choice-line">
                                        <input type="radio" name="consent_default" value="decline" checked=!class.consent_default_approve/>
                                        " " {ct.consent_default_decline}
                                    </label>
                                    <label class="choice-line">
                                        <input type="radio" name="consent_default" value="approve" checked=class.consent_default_approve/>
                                        " " {ct.consent_default_approve}
                                    </label>
                                </fieldset>
                                <fieldset class="field">
                                    <legend>{ct.waivers_legend}</legend>
                                    <p class="hint">{ct.waivers_hint}</p>
                                    <label class="choice-line">
                                        <input type="checkbox" name="waive_interest" value="yes" checked=class.waive_interest/>
                                        " " {ct.waive_interest_label}
                                    </label>
                                    <label class="choice-line">
                                        <input type="checkbox" name="waive_costs" value="yes" checked=class.waive_costs/>
                                        " " {ct.waive_costs_label}
                                    </label>
                                </fieldset>
                                <fieldset class="field">
                                    <legend>{ct.plan_default_legend}</legend>
                                    {["recommendation", "decline", "approve"].into_iter().map(|code| view! {
                                        <label class="choice-line">
                                            <input type="radio" name="plan_consent_default" value=code
                                                checked=class.plan_consent_default.code() == code/>
                                            " " {(ct.plan_default_option)(code)}
                                        </label>
                                    }).collect_view()}
                                </fieldset>
                                {owner.then(|| view! { <button type="submit" class="primary">{ct.save}</button> })}
                            </form>
                        </section>
                        {reminders_form(lang, &class, reminders_error, owner)}
                        {bands.iter().enumerate().map(|(i, band)| {
                            band_form(lang, class.id, i, &bands, *band, error_of(band_error, format!("band-{i}")), owner)
                        }).collect_view()}
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// The form of a class's reminders: tone, rhythm, channels.
fn reminders_form(
    lang: Language,
    class: &ClassSettings,
    error: Signal<Option<AppError>>,
    owner: bool,
) -> impl IntoView {
    use crate::domain::dunning::{CadenceOutline, Tone};
    let ct = creditor_tr(lang);
    let o = CadenceOutline::of(&class.cadence);
    let channels_problem = Signal::derive(move || {
        error
            .get()
            .and_then(|e| e.form_errors().map(|f| f.fields.contains_key("channels")))
            .unwrap_or(false)
    });
    view! {
        <section class="card" aria-labelledby="reminders-heading">
            <h2 id="reminders-heading">{ct.reminders_heading}</h2>
            <p class="hint">{ct.reminders_intro}</p>
            <form method="post" action={<UpdateClassReminders as ServerFn>::PATH} novalidate>
                <FormAlert error/>
                <input type="hidden" name="class_id" value=class.id/>
                <fieldset class="field">
                    <legend>{ct.tone_legend}</legend>
                    {Tone::ALL.into_iter().map(|t| view! {
                        <label class="choice-line">
                            <input type="radio" name="tone" value=t.code() checked=t == o.tone/>
                            " " {(ct.tone_label)(t.code())}
                        </label>
                    }).collect_view()}
                </fieldset>
                <TextField name="first_after" label=ct.first_after_label hint=ct.first_after_hint value=shown(error, "first_after", o.first_after.to_string()) error inputmode="numeric"/>
                <TextField name="further" label=ct.further_label value=shown(error, "further", o.further.to_string()) error inputmode="numeric"/>
                <TextField name="further_after" label=ct.further_after_label value=shown(error, "further_after", o.further_after.to_string()) error inputmode="numeric"/>
                <div class="field">
                    <label class="choice-line">
                        <input type="checkbox" name="final_notice" value="yes" checked=o.final_after.is_some()/>
                        " " {ct.final_notice_label}
                    </label>
                </div>
                <TextField name="final_after" label=ct.final_after_label value=shown(error, "final_after", o.final_after.unwrap_or(14).to_string()) error inputmode="numeric"/>
                <div class="field">
                    <label class="choice-line">
                        <input type="checkbox" name="escalation" value="yes" checked=o.escalation_after.is_some()/>
                        " " {ct.escalation_label}
                    </label>
                </div>
                <TextField name="escalation_after" label=ct.escalation_after_label value=shown(error, "escalation_after", o.escalation_after.unwrap_or(14).to_string()) error inputmode="numeric"/>
                <TextField name="instalment_reminder_days" label=ct.instalment_reminder_label hint=ct.instalment_reminder_hint value=shown(error, "instalment_reminder_days", o.instalment_reminder_days.to_string()) error inputmode="numeric"/>
                <fieldset class="field" class:has-error=channels_problem>
                    <legend>{ct.channels_legend}</legend>
                    {move || channels_problem.get().then(|| view! { <p class="field-error">{ct.channels_missing}</p> })}
                    <label class="choice-line">
                        <input type="checkbox" name="email" value="yes" checked=o.channels.email/>
                        " " {ct.channel_email_label}
                    </label>
                    <label class="choice-line">
                        <input type="checkbox" name="letter" value="yes" checked=o.channels.letter/>
                        " " {ct.channel_letter_label}
                    </label>
                </fieldset>
                {owner.then(|| view! { <button type="submit" class="primary">{ct.save}</button> })}
            </form>
        </section>
    }
}

/// The form of one balance band's plan rules.
fn band_form(
    lang: Language,
    class_id: i64,
    index: usize,
    bands: &[PolicyBand],
    band: PolicyBand,
    error: Signal<Option<AppError>>,
    owner: bool,
) -> impl IntoView {
    let ct = creditor_tr(lang);
    let prefix = BAND_PREFIXES.get(index).copied().unwrap_or("band-x");
    let from = index
        .checked_sub(1)
        .and_then(|i| bands.get(i))
        .and_then(|b| b.up_to)
        .map(|m| m.format(lang));
    let to = band.up_to.map(|m| m.format(lang));
    let heading_id = format!("{prefix}-heading");
    let labelled_by = heading_id.clone();
    let p = band.policy;
    let limit = band.up_to.filter(|_| index + 1 < bands.len());
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <h2 id=heading_id>{(ct.band_heading)(from.as_deref(), to.as_deref())}</h2>
            <form method="post" action={<UpdateClassBand as ServerFn>::PATH} novalidate>
                <FormAlert error/>
                <input type="hidden" name="class_id" value=class_id/>
                <input type="hidden" name="band" value=index/>
                {limit.map(|l| view! {
                    <TextField name="up_to" prefix label=ct.up_to_label value=shown(error, "up_to", plain(l, lang)) error inputmode="decimal"/>
                })}
                <TextField name="min_instalment" prefix label=ct.min_instalment_label value=shown(error, "min_instalment", plain(p.min_instalment, lang)) error inputmode="decimal"/>
                <TextField name="max_months" prefix label=ct.max_months_label value=shown(error, "max_months", p.max_months.to_string()) error inputmode="numeric"/>
                <TextField name="max_count" prefix label=ct.max_count_label value=shown(error, "max_count", p.max_count.to_string()) error inputmode="numeric"/>
                <TextField name="down_payment" prefix label=ct.down_payment_label value=shown(error, "down_payment", (p.min_down_payment_bp / 100).to_string()) error inputmode="numeric"/>
                <TextField name="max_deferral_days" prefix label=ct.max_deferral_label value=shown(error, "max_deferral_days", p.max_deferral_days.to_string()) error inputmode="numeric"/>
                <TextField name="grace_days" prefix label=ct.grace_days_label value=shown(error, "grace_days", p.missed.grace_days.to_string()) error inputmode="numeric"/>
                <TextField name="misses_to_break" prefix label=ct.misses_label value=shown(error, "misses_to_break", p.missed.misses_to_break.to_string()) error inputmode="numeric"/>
                <div class="field">
                    <label class="choice-line">
                        <input type="checkbox" name="auto_accept" value="yes" checked=p.auto_accept/>
                        " " {ct.auto_accept_label}
                    </label>
                </div>
                <div class="field">
                    <label class="choice-line">
                        <input type="checkbox" name="review_outside_bounds" value="yes" checked=p.review_outside_bounds/>
                        " " {ct.review_outside_label}
                    </label>
                </div>
                {owner.then(|| view! { <button type="submit" class="primary">{ct.save}</button> })}
            </form>
        </section>
    }
}

/// `/creditor/overview`: figures, the cases with filters, the CSV export and class moves.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let query = leptos_router::hooks::use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name));
    let data = Resource::new(
        move || (param("state"), param("class"), param("q"), param("page")),
        |(state, class, q, page)| {
            get_creditor_overview(state, class, q, page.and_then(|p| p.parse().ok()))
        },
    );
    let move_error = url_error(<MoveCaseClass as ServerFn>::PATH);
    let pause_error = url_error(<PauseCase as ServerFn>::PATH);
    let done = done_param();
    let done_text = Signal::derive(move || {
        done.get().map(|what| match what.as_str() {
            "paused" => {
                let until = param("until")
                    .and_then(|u| chrono::NaiveDate::parse_from_str(&u, "%Y-%m-%d").ok())
                    .map(|u| crate::i18n::format_date(lang, u))
                    .unwrap_or_default();
                (ct.paused_done)(&until)
            }
            _ => ct.moved_done.to_string(),
        })
    });
    view! {
        <Title text=ct.overview_title/>
        <CreditorFrame>
            <h1>{ct.overview_title}</h1>
            <Done text=done_text/>
            <FormAlert error=move_error/>
            <FormAlert error=pause_error/>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(o) => {
                            let filters = [("state", param("state")), ("class", param("class")), ("q", param("q"))];
                            overview_view(lang, o, &filters).into_any()
                        }
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

fn overview_view(
    lang: Language,
    o: CreditorOverview,
    filters: &[(&str, Option<String>)],
) -> impl IntoView {
    let ct = creditor_tr(lang);
    let st = staff_tr(lang);
    let owner = o.member.role == "owner";
    let class_label = |key: &str| {
        o.classes
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, de, en)| {
                if lang == Language::De {
                    de.clone()
                } else {
                    en.clone()
                }
            })
            .unwrap_or_default()
    };
    let selected = |name: &str| {
        filters
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (state_sel, class_sel, q) = (selected("state"), selected("class"), selected("q"));
    let pages = u32::try_from((o.matching + i64::from(o.per_page) - 1) / i64::from(o.per_page))
        .unwrap_or(1);
    let csv = format!(
        "/creditor/overview.csv?{}",
        crate::pages::query_string(filters, None)
    );
    let link_to = {
        let filters = filters.to_vec();
        move |p: u32| {
            format!(
                "/creditor/overview?{}",
                crate::pages::query_string(&filters, Some(p))
            )
        }
    };
    let link_prev = link_to.clone();
    view! {
        <p>{o.member.creditor_name.clone()}</p>
        <section class="card" aria-labelledby="figures-heading">
            <h2 id="figures-heading">{ct.figures_heading}</h2>
            <dl class="facts">
                <div><dt>{ct.fig_recovered}</dt><dd id="fig-recovered">{o.recovered.format(lang)}</dd></div>
                <div><dt>{ct.fig_recovered_30}</dt><dd>{o.recovered_30_days.format(lang)}</dd></div>
                <div><dt>{ct.fig_passed_on}</dt><dd id="fig-passed-on">{o.passed_on.format(lang)}</dd></div>
                <div><dt>{ct.fig_disputes}</dt><dd id="fig-disputes">{o.open_disputes}</dd></div>
                <div><dt>{ct.fig_plans}</dt><dd id="fig-plans">{o.agreed_plans}</dd></div>
                {o.by_state.iter().filter(|(_, n)| *n > 0).map(|(code, n)| view! {
                    <div><dt>{(st.state_label)(code)}</dt><dd>{*n}</dd></div>
                }).collect_view()}
            </dl>
        </section>
        <section aria-labelledby="cases-heading">
            <h2 id="cases-heading">{ct.cases_heading}</h2>
            <form method="get" action="/creditor/overview" class="filters">
                <div class="field">
                    <label for="filter-state">{ct.filter_state}</label>
                    <select id="filter-state" name="state">
                        <option value="">{st.filter_all}</option>
                        {o.by_state.iter().map(|(code, _)| {
                            let chosen = *code == state_sel;
                            view! { <option value=code.clone() selected=chosen>{(st.state_label)(code)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-class">{ct.col_class}</label>
                    <select id="filter-class" name="class">
                        <option value="">{st.filter_all}</option>
                        {o.classes.iter().map(|(key, de, en)| {
                            let chosen = *key == class_sel;
                            let name = if lang == Language::De { de.clone() } else { en.clone() };
                            view! { <option value=key.clone() selected=chosen>{name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-q">{ct.filter_query}</label>
                    <input id="filter-q" name="q" type="search" value=q/>
                </div>
                <button type="submit">{st.filter_button}</button>
            </form>
            <p><a href=csv download>{ct.export_csv}</a></p>
            {o.rows.is_empty().then(|| view! { <p class="empty">{ct.overview_empty}</p> })}
            {(!o.rows.is_empty()).then(|| view! {
                <div class="table-wrap">
                <table class="queue">
                    <thead><tr>
                        <th scope="col">{st.col_case}</th>
                        <th scope="col">{st.col_debtor}</th>
                        <th scope="col">{ct.col_class}</th>
                        <th scope="col">{ct.filter_state}</th>
                        <th scope="col">{ct.col_claimed}</th>
                        <th scope="col">{ct.col_paid}</th>
                        <th scope="col">{ct.col_handed_over}</th>
                        {owner.then(|| view! { <th scope="col">{ct.col_move}</th><th scope="col">{ct.col_pause}</th> })}
                    </tr></thead>
                    <tbody>
                        {o.rows.iter().map(|r| {
                            let running = !matches!(r.state.as_str(), "paid" | "closed");
                            // A pause stops the clock of a case whose reminders run or are held.
                            let pausable = matches!(r.state.as_str(), "open" | "in_dialogue" | "plan_proposed" | "on_hold");
                            let select_id = format!("move-{}", r.case_id);
                            let pause_id = format!("pause-{}", r.case_id);
                            let current = r.class_key.clone().unwrap_or_default();
                            view! {
                                <tr>
                                    <td>{r.reference.clone()}</td>
                                    <td><a href=format!("/creditor/customers/{}", r.debtor_id)>{r.debtor_name.clone()}</a><br/><span class="meta">{r.customer_number.clone()}</span></td>
                                    <td>{class_label(&current)}</td>
                                    <td>{(st.state_label)(&r.state)}</td>
                                    <td>{r.claimed.format(lang)}</td>
                                    <td>{r.paid.format(lang)}</td>
                                    <td>{when(lang, r.handed_over_ms)}</td>
                                    {owner.then(|| view! {
                                        <td>{running.then(|| view! {
                                            <form method="post" action={<MoveCaseClass as ServerFn>::PATH} class="assign">
                                                <input type="hidden" name="case_id" value=r.case_id/>
                                                <label for=select_id.clone() class="visually-hidden">{(ct.move_label)(&r.reference)}</label>
                                                <select id=select_id name="class">
                                                    {o.classes.iter().map(|(key, de, en)| {
                                                        let chosen = *key == current;
                                                        let name = if lang == Language::De { de.clone() } else { en.clone() };
                                                        view! { <option value=key.clone() selected=chosen>{name}</option> }
                                                    }).collect_view()}
                                                </select>
                                                <button type="submit">{ct.move_button}</button>
                                            </form>
                                        })}</td>
                                        <td>{pausable.then(|| view! {
                                            <form method="post" action={<PauseCase as ServerFn>::PATH} class="assign">
                                                <input type="hidden" name="case_id" value=r.case_id/>
                                                <label for=pause_id.clone() class="visually-hidden">{(ct.pause_label)(&r.reference)}</label>
                                                <input id=pause_id.clone() name="days" type="number" min="1" max="90" value="14" inputmode="numeric" class="days"/>
                                                " "{ct.pause_days_unit}" "
                                                <button type="submit">{ct.pause_button}</button>
                                            </form>
                                        })}</td>
                                    })}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            })}
            <nav class="pages" aria-label=(st.page_of)(o.page, pages.max(1), u64::try_from(o.matching).unwrap_or(0))>
                <p>{(st.page_of)(o.page, pages.max(1), u64::try_from(o.matching).unwrap_or(0))}</p>
                {(o.page > 1).then(|| view! { <a href=link_prev(o.page - 1) rel="prev">{st.prev_page}</a> })}
                {(o.page < pages).then(|| view! { <a href=link_to(o.page + 1) rel="next">{st.next_page}</a> })}
            </nav>
        </section>
    }
}

/// `/creditor/remittances`: the monthly remittance reports, each downloadable as CSV.
#[component]
pub fn RemittancesPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_remittances());
    view! {
        <Title text=ct.remittances_title/>
        <CreditorFrame>
            <h1>{ct.remittances_title}</h1>
            <p>{ct.remittances_intro}</p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(page) => page,
                        Err(e) => return load_error(e, lang),
                    };
                    view! {
                        <p>{page.member.creditor_name.clone()}</p>
                        <p id="pending">{(ct.remittances_pending)(&page.pending.format(lang))}</p>
                        {page.remittances.is_empty().then(|| view! { <p class="empty">{ct.remittances_empty}</p> })}
                        {(!page.remittances.is_empty()).then(|| view! {
                            <div class="table-wrap">
                            <table class="queue">
                                <thead><tr>
                                    <th scope="col">{ct.col_period}</th>
                                    <th scope="col">{ct.col_payments}</th>
                                    <th scope="col">{ct.col_collected}</th>
                                    <th scope="col">{ct.col_costs}</th>
                                    <th scope="col">{ct.col_credit}</th>
                                    <th scope="col">{ct.col_passed_on}</th>
                                    <th scope="col">"CSV"</th>
                                </tr></thead>
                                <tbody>
                                    {page.remittances.iter().map(|r| view! {
                                        <tr>
                                            <td>{r.period.clone()}</td>
                                            <td>{r.payments}</td>
                                            <td>{r.collected.format(lang)}</td>
                                            <td>{r.costs.format(lang)}</td>
                                            <td>{r.credit.format(lang)}</td>
                                            <td><strong>{r.passed_on.format(lang)}</strong></td>
                                            <td><a href=format!("/creditor/remittances/{}/report.csv", r.id) download>{(ct.download_report)(&r.period)}</a></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        })}
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}

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

/// `/creditor/import`: upload a hand-over file; the recent imports.
#[component]
pub fn ImportPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let data = OnceResource::new(get_imports());
    let error = url_error(<UploadClaims as ServerFn>::PATH);
    view! {
        <Title text=ct.import_title/>
        <CreditorFrame>
            <h1>{ct.import_title}</h1>
            <p>{ct.import_intro}</p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let page = match data.await {
                        Ok(page) => page,
                        Err(e) => return load_error(e, lang),
                    };
                    let owner = page.member.role == "owner";
                    view! {
                        <p>{page.member.creditor_name.clone()}</p>
                        {owner.then(|| view! {
                            <form method="post" action={<UploadClaims as ServerFn>::PATH} enctype="multipart/form-data" class="card" novalidate>
                                <FormAlert error/>
                                <FileField name="file" label=ct.file_label hint=ct.file_hint error accept=".csv,.txt,text/csv,text/plain" single=true/>
                                <div class="field">
                                    <label class="choice-line">
                                        <input type="checkbox" name="partial" value="yes"/>
                                        " " {ct.partial_label}
                                    </label>
                                </div>
                                <button type="submit" class="primary">{ct.upload_button}</button>
                            </form>
                        })}
                        <section aria-labelledby="imports-heading">
                            <h2 id="imports-heading">{ct.imports_heading}</h2>
                            {page.jobs.is_empty().then(|| view! { <p class="empty">{ct.imports_empty}</p> })}
                            {(!page.jobs.is_empty()).then(|| view! {
                                <div class="table-wrap">
                                <table class="queue">
                                    <thead><tr>
                                        <th scope="col">{ct.col_file}</th>
                                        <th scope="col">{ct.col_uploaded}</th>
                                        <th scope="col">{ct.col_result}</th>
                                    </tr></thead>
                                    <tbody>
                                        {page.jobs.iter().map(|j| view! {
                                            <tr>
                                                <td><a href=format!("/creditor/import/{}", j.id)>{j.filename.clone()}</a></td>
                                                <td>{when(lang, j.created_at_ms)}" · "{j.uploaded_by.clone().unwrap_or_default()}</td>
                                                <td>{(ct.job_result)(&j.state, j.rows_read, j.imported, j.problems)}</td>
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

/// Lines of a report shown on the page; the rest is in the download.
const REPORT_LINES: usize = 200;

/// `/creditor/import/:id`: the import's progress (the page reloads itself while it runs) and
/// then its report.
#[component]
pub fn ImportJobPage() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let params = leptos_router::hooks::use_params_map();
    let job = Resource::new(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => get_import(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text=ct.import_title/>
        <CreditorFrame>
            <p class="back"><a href="/creditor/import">{ct.back_to_import}</a></p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    let j = match job.await {
                        Ok(j) => j,
                        Err(e) => return load_error(e, lang),
                    };
                    let running = j.state == "running";
                    let lines: Vec<&str> = j.report.lines().collect();
                    let more = lines.len().saturating_sub(REPORT_LINES);
                    let shown = lines.iter().take(REPORT_LINES).copied().collect::<Vec<_>>().join("\n");
                    view! {
                        <h1>{(ct.job_title)(&j.filename)}</h1>
                        {running.then(|| view! {
                            <leptos_meta::Meta http_equiv="refresh" content="2"/>
                            <div class="notice" role="status"><p>{(ct.job_running)(j.rows_read)}</p></div>
                        })}
                        {(!running).then(|| view! {
                            <div class="notice" role="status"><p id="import-result">{(ct.job_result)(&j.state, j.rows_read, j.imported, j.problems)}</p></div>
                            <section class="card" aria-labelledby="report-heading">
                                <h2 id="report-heading">{ct.report_heading}</h2>
                                <pre class="report" tabindex="0">{shown}</pre>
                                {(more > 0).then(|| view! { <p>{(ct.report_more)(more)}</p> })}
                                <p><a href=format!("/creditor/import/{}/report.txt", j.id) download>{ct.report_download}</a></p>
                            </section>
                        })}
                    }.into_any()
                })}
            </Suspense>
        </CreditorFrame>
    }
}

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

/// `/creditor/retention`: who stayed a customer after the case — figures, charts with their
/// tables, the debtors' fairness answers, and the activity upload.
#[component]
pub fn RetentionDashboard() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let query = leptos_router::hooks::use_query_map();
    let param = move |name: &str| query.with(|q| q.get(name));
    let data = Resource::new(
        move || (param("from"), param("to"), param("class")),
        |(from, to, class)| get_retention(from, to, class),
    );
    let upload_error = url_error(<UploadActivities as ServerFn>::PATH);
    view! {
        <Title text=ct.retention_title/>
        <CreditorFrame>
            <h1>{ct.retention_title}</h1>
            <p>{ct.retention_intro}</p>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => retention_view(lang, page, upload_error).into_any(),
                        Err(e) => load_error(e, lang),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

/// A table of groups: name, cases, one column per window, revenue after.
fn groups_table(
    lang: Language,
    id: &str,
    caption: String,
    groups: &[crate::domain::retention::Group],
    name: &dyn Fn(&str) -> String,
) -> impl IntoView {
    let ct = creditor_tr(lang);
    let row = |g: &crate::domain::retention::Group| {
        let label = name(&g.key);
        view! {
            <tr>
                <th scope="row">{label}</th>
                <td class="num">{g.cases}</td>
                {g.windows.iter().map(|w| {
                    let weak = w.cases > 0 && !w.significant();
                    view! {
                        <td class="num">
                            {(ct.window_cell)(w.retained, w.cases, w.per_mille())}
                            {weak.then(|| view! { <br/><span class="hint">{ct.not_significant}</span> })}
                        </td>
                    }
                }).collect_view()}
                <td class="num">{crate::domain::Money::new(g.revenue_minor, crate::domain::Currency::EUR).format(lang)}</td>
            </tr>
        }
    };
    view! {
        <div class="table-wrap">
            <table class="queue" id=id.to_string()>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">{ct.col_group}</th>
                    <th scope="col">{ct.col_cases}</th>
                    {crate::domain::retention::WINDOWS.iter().map(|d| view! { <th scope="col">{(ct.retention_window)(*d)}</th> }).collect_view()}
                    <th scope="col">{ct.col_revenue}</th>
                </tr></thead>
                <tbody>{groups.iter().map(row).collect_view()}</tbody>
            </table>
        </div>
    }
}

/// One breakdown of the dashboard: its dimension, table id, groups and how a group is named.
type BreakdownTable<'a> = (
    &'static str,
    &'static str,
    &'a [crate::domain::retention::Group],
    Box<dyn Fn(&str) -> String>,
);

fn retention_view(
    lang: Language,
    page: crate::dto::RetentionPage,
    upload_error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let ct = creditor_tr(lang);
    let owner = page.member.role == "owner";
    let r = &page.report;
    let classes = page.classes.clone();
    let class_name = move |k: &str| {
        classes
            .iter()
            .find(|(key, _)| key == k)
            .map_or_else(|| k.to_string(), |(_, n)| n.clone())
    };
    let filters = [
        ("from", page.filter.from.clone()),
        ("to", page.filter.to.clone()),
        ("class", page.filter.class.clone()),
    ];
    let csv = format!(
        "/creditor/retention.csv?{}",
        crate::pages::query_string(&filters, None)
    );
    let chart = |id: &str| {
        page.charts.iter().find(|c| c.id == id).cloned().map(|c| {
            view! {
                <figure class="chart">
                    <div inner_html=c.svg></div>
                    <figcaption><a href=format!("#{}", c.table_id)>{c.title}</a></figcaption>
                </figure>
            }
        })
    };
    let ended = r.paid.cases + r.other.cases;
    let class_sel = page.filter.class.clone().unwrap_or_default();
    let tables: Vec<BreakdownTable> = vec![
        (
            "class",
            "table-classes",
            &r.by_class,
            Box::new(class_name.clone()),
        ),
        (
            "reason",
            "table-reasons",
            &r.by_reason,
            Box::new(move |k: &str| crate::i18n::reason_or_none(lang, k)),
        ),
        (
            "path",
            "table-paths",
            &r.by_path,
            Box::new(move |k: &str| (ct.path_label)(k).to_string()),
        ),
        (
            "reminders",
            "table-reminders",
            &r.by_reminders,
            Box::new(move |k: &str| (ct.reminders_label)(k)),
        ),
        (
            "conversation",
            "table-conversation",
            &r.by_conversation,
            Box::new(move |k: &str| (ct.conversation_label)(k).to_string()),
        ),
        (
            "cohort",
            "table-cohorts",
            &r.cohorts,
            Box::new(|k: &str| k.to_string()),
        ),
    ];
    view! {
        <p>{page.member.creditor_name.clone()}</p>
        <form method="get" action="/creditor/retention" class="filters">
            <div class="field">
                <label for="filter-from">{ct.filter_from}</label>
                <input id="filter-from" name="from" type="date" value=page.filter.from.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="filter-to">{ct.filter_to}</label>
                <input id="filter-to" name="to" type="date" value=page.filter.to.clone().unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="filter-class">{ct.filter_class}</label>
                <select id="filter-class" name="class">
                    <option value="">{ct.all_classes}</option>
                    {page.classes.iter().map(|(k, n)| {
                        let chosen = *k == class_sel;
                        view! { <option value=k.clone() selected=chosen>{n.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="secondary">{ct.filter_apply}</button>
        </form>
        {(!page.filter_problems.is_empty()).then(|| view! { <p class="error" role="alert">{ct.filter_bad_date}</p> })}
        <p class="hint">{ct.significance_note}</p>
        <p><a href=csv download="">{ct.retention_csv}</a></p>
        {(ended == 0).then(|| view! { <p class="empty">{ct.retention_empty}</p> })}
        <section class="card" aria-labelledby="outcome-heading">
            <h2 id="outcome-heading">{ct.outcome_heading}</h2>
            {groups_table(lang, "table-outcome", ct.outcome_heading.to_string(),
                &[r.paid.clone(), r.other.clone()], &|k: &str| (ct.outcome_label)(k).to_string())}
        </section>
        <section class="card" aria-labelledby="charts-heading">
            <h2 id="charts-heading">{ct.chart_share}</h2>
            {chart("chart-cohorts")}
            {chart("chart-classes")}
            {chart("chart-reasons")}
        </section>
        {tables.into_iter().map(|(dimension, id, groups, name)| {
            let heading = (ct.breakdown_heading)(dimension);
            let heading_id = format!("{id}-heading");
            let labelled_by = heading_id.clone();
            view! {
                <section class="card" aria-labelledby=labelled_by>
                    <h2 id=heading_id>{heading}</h2>
                    {groups.is_empty().then(|| view! { <p class="empty">{ct.chart_no_data}</p> })}
                    {(!groups.is_empty()).then(|| groups_table(lang, id, heading.to_string(), groups, &*name))}
                </section>
            }
        }).collect_view()}
        <section class="card" aria-labelledby="satisfaction-heading">
            <h2 id="satisfaction-heading">{ct.satisfaction_heading}</h2>
            <p>{ct.satisfaction_intro}</p>
            {page.satisfaction.is_empty().then(|| view! { <p class="empty">{ct.satisfaction_empty}</p> })}
            {(!page.satisfaction.is_empty()).then(|| view! {
                <div class="table-wrap">
                <table class="queue" id="table-satisfaction">
                    <caption>{ct.satisfaction_heading}</caption>
                    <thead><tr>
                        <th scope="col">{ct.col_group}</th>
                        <th scope="col">{ct.col_answers}</th>
                        <th scope="col">{ct.col_average}</th>
                    </tr></thead>
                    <tbody>
                        {page.satisfaction.iter().map(|s| {
                            let label = if s.dimension == "class" { class_name(&s.key) } else { (ct.path_label)(&s.key).to_string() };
                            let weak = s.answers < crate::domain::retention::MIN_SIGNIFICANT;
                            view! {
                                <tr>
                                    <th scope="row">{label}</th>
                                    <td class="num">{s.answers}</td>
                                    <td class="num">
                                        {s.average_tenths.map(|t| if lang == Language::De { format!("{},{}", t / 10, t % 10) } else { format!("{}.{}", t / 10, t % 10) })}
                                        {weak.then(|| view! { <br/><span class="hint">{ct.not_significant}</span> })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            })}
        </section>
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">{ct.activity_heading}</h2>
            {page.upload.map(|u| view! {
                <div id="activity-result" role="status" class=if u.written { "notice" } else { "error" }>
                    <p>{(ct.activity_result)(u.written, u.created, u.unchanged, u.problems)}</p>
                    {(!u.written).then(|| view! { <pre class="report">{u.report.clone()}</pre> })}
                </div>
            })}
            {owner.then(|| view! {
                <form method="post" action={<UploadActivities as ServerFn>::PATH} enctype="multipart/form-data" novalidate>
                    <FormAlert error=upload_error/>
                    <FileField name="file" label=ct.activity_file_label hint=ct.activity_intro error=upload_error accept=".csv,.txt,text/csv,text/plain" single=true/>
                    <button type="submit" class="primary">{ct.activity_upload}</button>
                </form>
            })}
        </section>
    }
}

/// `/creditor/customers/:id`: one customer's relationship — every case with how it was paid,
/// the trend, what they did after each case, the conversation and the reported activity.
#[component]
pub fn CustomerRelationship() -> impl IntoView {
    let lang = use_language();
    let ct = creditor_tr(lang);
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_customer(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <CreditorFrame>
            <Suspense fallback=move || view! { <p>{tr(lang).loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => customer_view(lang, page).into_any(),
                        Err(e) => view! { <Title text=ct.nav_overview/><h1>{ct.nav_overview}</h1>{load_error(e, lang)} }.into_any(),
                    }
                })}
            </Suspense>
        </CreditorFrame>
    }
}

fn customer_view(lang: Language, page: crate::dto::CustomerPage) -> impl IntoView {
    let ct = creditor_tr(lang);
    let st = staff_tr(lang);
    let title = (ct.customer_title)(&page.name);
    let date = move |d: Option<chrono::NaiveDate>| {
        d.map(|d| crate::i18n::format_date(lang, d))
            .unwrap_or_default()
    };
    view! {
        <Title text=title.clone()/>
        <p><a href="/creditor/overview">{ct.back_to_overview}</a></p>
        <h1>{title}</h1>
        <p>{page.customer_number.clone()}
            {page.key_account.then(|| view! { " · " <strong class="badge">{ct.key_account_badge}</strong> })}</p>
        <section class="card" aria-labelledby="customer-cases-heading">
            <h2 id="customer-cases-heading">{ct.customer_cases_heading}</h2>
            {page.trend.as_deref().map(|t| view! { <p id="payment-trend">{(ct.trend)(t)}</p> })}
            <div class="table-wrap">
                <table class="queue" id="customer-cases">
                    <caption class="visually-hidden">{ct.customer_cases_heading}</caption>
                    <thead><tr>
                        <th scope="col">{ct.col_reference}</th>
                        <th scope="col">{ct.filter_state}</th>
                        <th scope="col">{ct.col_claimed}</th>
                        <th scope="col">{ct.col_due}</th>
                        <th scope="col">{ct.col_paid_on}</th>
                        <th scope="col">{st.reason_label}</th>
                        <th scope="col">{ct.col_after}</th>
                    </tr></thead>
                    <tbody>
                        {page.cases.iter().map(|c| view! {
                            <tr>
                                <th scope="row">{c.reference.clone()}<br/><span class="meta">{(st.class_name)(c.class_key.as_deref().unwrap_or(""))}</span></th>
                                <td>{(st.state_label)(&c.state)}
                                    {c.path.as_deref().map(|p| view! { <br/><span class="meta">{(ct.path_label)(p)}</span> })}</td>
                                <td>{c.claimed.format(lang)}<br/><span class="meta">{ct.col_paid}": "{c.paid.format(lang)}</span></td>
                                <td>{date(c.due_on)}</td>
                                <td>{date(c.paid_on)}<br/><span class="meta">{(ct.days_late)(c.days_late)}</span>
                                    <br/><span class="meta">{(ct.reminders_label)(&if c.reminders >= 3 { "3+".to_string() } else { c.reminders.to_string() })}</span></td>
                                <td>{crate::i18n::reason_or_none(lang, c.reason.as_deref().unwrap_or("none"))}</td>
                                <td>
                                    {c.returns.is_empty().then(|| view! { <span class="meta">{ct.no_returns}</span> })}
                                    <ul class="plain">
                                        {c.returns.iter().map(|(kind, on, amount, days)| view! {
                                            <li>{(ct.activity_kind)(kind)}" · "{crate::i18n::format_date(lang, *on)}
                                                {amount.map(|a| format!(" · {}", a.format(lang)))}
                                                {format!(" (+{days})")}</li>
                                        }).collect_view()}
                                    </ul>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="customer-conversation-heading">
            <h2 id="customer-conversation-heading">{ct.conversation_heading}</h2>
            {page.messages.is_empty().then(|| view! { <p class="empty">{ct.no_messages}</p> })}
            {(!page.message_texts && !page.messages.is_empty())
                .then(|| view! { <p class="hint">{ct.messages_owners_only}</p> })}
            <ol class="timeline">
                {page.messages.iter().map(|(reference, author, body, at)| view! {
                    <li>
                        <span class="meta">{when(lang, *at)}" · "{reference.clone()}" · "{(ct.author_label)(author)}</span>
                        {(!body.is_empty()).then(|| view! { <p class="body">{body.clone()}</p> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
        <section class="card" aria-labelledby="customer-activity-heading">
            <h2 id="customer-activity-heading">{ct.activities_heading}</h2>
            {page.activities.is_empty().then(|| view! { <p class="empty">{ct.no_activities}</p> })}
            <ul class="plain">
                {page.activities.iter().map(|(kind, on, amount)| view! {
                    <li>{crate::i18n::format_date(lang, *on)}" · "{(ct.activity_kind)(kind)}
                        {amount.map(|a| format!(" · {}", a.format(lang)))}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}
