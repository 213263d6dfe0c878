//! The creditor's treatment classes: the list, and one class's plan bands, reminders and settings.

use super::{load_error, plain, shown, CreditorFrame};
use crate::api::creditor::{
    get_classes, UpdateClassBand, UpdateClassReminders, UpdateClassSettings,
};
use crate::components::{FormAlert, TextField};
use crate::domain::plan::PolicyBand;
use crate::domain::Language;
use crate::dto::ClassSettings;
use crate::error::AppError;
use crate::i18n::{creditor_tr, tr, use_language};
use crate::pages::debtor::url_error;
use crate::pages::staff::{done_param, Done};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// A class's name in the reader's language.
pub(super) fn class_name(c: &ClassSettings, lang: Language) -> String {
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
                                    <fieldset class="field">
                                        <legend>{ct.interest_legend}</legend>
                                        <label class="choice-line">
                                            <input type="radio" name="interest" value="handed_over" checked=!class.waive_interest && !class.running_interest/>
                                            " " {ct.interest_handed_over}
                                        </label>
                                        <label class="choice-line">
                                            <input type="radio" name="interest" value="statutory" checked=!class.waive_interest && class.running_interest/>
                                            " " {ct.interest_statutory}
                                        </label>
                                        <label class="choice-line">
                                            <input type="radio" name="interest" value="none" checked=class.waive_interest/>
                                            " " {ct.waive_interest_label}
                                        </label>
                                    </fieldset>
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
