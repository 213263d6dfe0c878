//! German and English texts for every page, and date formatting per language.
//!
//! Both languages are one `Texts` value each, so a text missing in one language is a compile error.
//! Legal wording lives here too, reviewed like code.

mod creditor;
mod security;
mod staff;
pub use creditor::{creditor_tr, reason_or_none, CreditorTexts};
pub use security::{security_tr, SecurityTexts};
pub use staff::{payments_tr, staff_tr, statement_problem, PaymentTexts, StaffTexts};

use crate::domain::plan::PlanReason;
use crate::domain::Language;
use chrono::NaiveDate;

/// All user-facing texts of one language.
pub struct Texts {
    pub skip_to_content: &'static str,
    pub language_label: &'static str,
    pub switch_language: &'static str,
    pub portal_tagline: &'static str,

    pub start_title: &'static str,
    pub start_intro: &'static str,
    pub start_link_hint: &'static str,
    pub reference_label: &'static str,
    pub reference_hint: &'static str,
    pub access_code_label: &'static str,
    pub access_code_hint: &'static str,
    pub postcode_label: &'static str,
    pub postcode_hint: &'static str,
    pub continue_button: &'static str,
    pub checking: &'static str,

    pub verify_title: &'static str,
    pub verify_intro: &'static str,
    pub verify_no_link_hint: &'static str,

    pub case_title: &'static str,
    pub case_reference_label: &'static str,
    pub creditor_heading: &'static str,
    pub creditor_intro: &'static str,
    pub summary_heading: &'static str,
    pub as_of: fn(&str) -> String,
    pub principal: &'static str,
    pub interest: &'static str,
    pub costs: &'static str,
    pub payments: &'static str,
    pub balance: &'static str,
    pub claims_heading: &'static str,
    pub claim_heading: fn(&str) -> String,
    pub contract_date: &'static str,
    pub invoice_number: &'static str,
    pub due_since: &'static str,
    pub item_column: &'static str,
    pub date_column: &'static str,
    pub legal_basis_column: &'static str,
    pub amount_column: &'static str,
    pub claim_total: &'static str,
    pub payments_heading: &'static str,
    pub no_payments: &'static str,
    pub sign_out: &'static str,
    pub loading: &'static str,

    pub reason_heading: &'static str,
    pub reason_intro: &'static str,
    pub reason_forgot: &'static str,
    pub reason_shortage: &'static str,
    pub reason_complaint: &'static str,
    pub reason_claim_wrong: &'static str,
    pub reason_already_paid: &'static str,
    pub reason_not_my_debt: &'static str,
    pub reason_other: &'static str,
    pub reason_given: &'static str,
    pub status_heading: &'static str,
    pub dispute_answer_label: &'static str,
    pub status_disputed: fn(&str) -> String,
    pub status_payment_claimed: fn(&str, &str) -> String,
    pub status_in_dialogue: &'static str,
    pub status_open: &'static str,
    pub next_steps_heading: &'static str,
    pub pay_link: &'static str,
    pub message_link: &'static str,
    pub timeline_heading: &'static str,
    pub event_label: fn(&str) -> &'static str,
    /// How a notice went out: `email` or `letter`.
    pub channel_label: fn(&str) -> &'static str,
    pub back_to_case: &'static str,

    pub pay_title: &'static str,
    pub pay_intro: &'static str,
    pub payee_label: &'static str,
    pub iban_label: &'static str,
    pub bic_label: &'static str,
    pub reference_payment_label: &'static str,
    pub pay_reference_hint: &'static str,
    pub qr_caption: &'static str,
    pub qr_alt: &'static str,
    pub pay_partial: &'static str,
    pub pay_not_configured: &'static str,
    pub nothing_to_pay: &'static str,

    pub message_title: &'static str,
    pub message_intro: &'static str,
    pub message_label: &'static str,
    pub documents_label: &'static str,
    pub documents_hint: &'static str,
    pub who_reads: &'static str,
    pub send_button: &'static str,
    pub conversation_heading: &'static str,
    pub no_messages: &'static str,
    pub author_you: &'static str,
    pub author_handler: &'static str,

    pub dispute_title: fn(&str) -> &'static str,
    pub dispute_intro: fn(u32) -> String,
    pub dispute_label: &'static str,
    pub dispute_button: &'static str,

    pub paid_title: &'static str,
    pub paid_intro: &'static str,
    pub paid_on_label: &'static str,
    pub amount_label: &'static str,
    pub note_label: &'static str,
    pub paid_button: &'static str,

    pub check_title: &'static str,
    pub check_intro: &'static str,
    pub check_button: &'static str,
    pub check_found: fn(&str, &str) -> String,
    pub check_not_found: &'static str,
    pub check_contact: &'static str,
    pub check_link: &'static str,

    pub interest_detail: fn(&str, &str, &str, &str, i64) -> String,
    /// Running interest stops where no base rate is known yet: the last day it covers.
    pub interest_stopped: fn(&str) -> String,
    pub vat_statement: &'static str,
    /// § 13a (1) no. 7 RDG: the address was researched; how to report a wrong one.
    pub address_researched: &'static str,
    pub address_researched_fix: &'static str,
    pub authority_heading: &'static str,
    pub authority_intro: &'static str,
    pub contact_title: &'static str,
    pub contact_intro: &'static str,
    pub contact_link: &'static str,
    pub email_label: &'static str,
    pub phone_label: &'static str,
    pub street_label: &'static str,
    pub postcode_field_label: &'static str,
    pub city_label: &'static str,
    pub channel_legend: &'static str,
    pub channel_email: &'static str,
    pub channel_letter: &'static str,
    pub save_button: &'static str,
    pub statement_title: &'static str,
    pub statement_link: &'static str,
    pub statement_intro: fn(&str, &str) -> String,
    pub online_heading: &'static str,
    pub online_intro: &'static str,
    pub online_amount_label: &'static str,
    pub online_button: &'static str,
    pub online_done: &'static str,
    pub online_cancelled: &'static str,
    pub plan_title: &'static str,
    pub plan_intro: &'static str,
    pub plan_kind_legend: &'static str,
    pub plan_kind_plan: &'static str,
    pub plan_kind_deferral: &'static str,
    pub down_payment_label: &'static str,
    pub first_due_label: &'static str,
    pub count_label: &'static str,
    pub frequency_label: &'static str,
    pub frequency_monthly: &'static str,
    pub frequency_fortnightly: &'static str,
    pub frequency_weekly: &'static str,
    pub preview_button: &'static str,
    pub propose_button: &'static str,
    pub schedule_heading: &'static str,
    pub down_payment_row: &'static str,
    pub instalment_row: fn(u32) -> String,
    pub decision_accept: &'static str,
    pub decision_review: &'static str,
    pub decision_reject: &'static str,
    pub cost_notice_heading: &'static str,
    pub cost_notice: fn(&str) -> String,
    pub cost_notice_free: &'static str,
    pub cost_notice_confirm: &'static str,
    pub plan_agreed_status: &'static str,
    pub plan_pending_status: fn(u32) -> String,
    pub counter_heading: &'static str,
    pub counter_accept: &'static str,
    pub counter_decline: &'static str,
    pub suggestion: fn(&str, &str) -> String,
    pub suggestion_button: &'static str,
    pub no_plans_allowed: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub back_to_start: &'static str,

    pub err_required: &'static str,
    pub err_too_long: fn(u32) -> String,
    pub err_invalid_format: &'static str,
    pub err_not_verified: &'static str,
    pub err_malformed: &'static str,
    pub err_check_fields: &'static str,
    pub err_too_many_files: fn(u32) -> String,
    pub err_file_too_large: fn(&str, u32) -> String,
    pub err_unsupported_file: fn(&str) -> String,
    pub err_infected_file: fn(&str) -> String,
    pub err_scan_unavailable: &'static str,
    pub err_date_in_future: &'static str,
    pub err_date_in_past: &'static str,
    pub err_invalid_amount: &'static str,
    pub err_unauthenticated: &'static str,
    pub err_forbidden: &'static str,
    pub err_not_found: &'static str,
    pub err_conflict: &'static str,
    pub err_locked: fn(u32) -> String,
    pub err_too_many_requests: fn(u32) -> String,
    pub err_internal: &'static str,
    pub err_unreachable: &'static str,
    pub err_busy: &'static str,
    pub fairness_heading: &'static str,
    pub fairness_intro: &'static str,
    pub fairness_score: fn(u8) -> &'static str,
    pub fairness_comment_label: &'static str,
    pub fairness_submit: &'static str,
    pub fairness_thanks: &'static str,
}

/// The texts for `lang`.
pub fn tr(lang: Language) -> &'static Texts {
    match lang {
        Language::De => &DE,
        Language::En => &EN,
    }
}

/// Name of the cookie that remembers the chosen language.
pub const LANGUAGE_COOKIE: &str = "rapport_lang";

/// The language a request asks for: the language cookie in `cookie_header`, else the best match
/// of `accept_language`, else German.
pub fn language_from_headers(
    cookie_header: Option<&str>,
    accept_language: Option<&str>,
) -> Language {
    cookie_header
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANGUAGE_COOKIE)
        .and_then(|(_, value)| Language::from_code(value))
        .or_else(|| accept_language.map(Language::negotiate))
        .unwrap_or_default()
}

/// The answers to "why have you not paid?" as (code, label), in the order the debtor sees them.
pub fn reason_choices(lang: Language) -> [(&'static str, &'static str); 7] {
    let t = tr(lang);
    [
        ("forgot", t.reason_forgot),
        ("temporary_shortage", t.reason_shortage),
        ("complaint", t.reason_complaint),
        ("claim_wrong", t.reason_claim_wrong),
        ("already_paid", t.reason_already_paid),
        ("not_my_debt", t.reason_not_my_debt),
        ("other", t.reason_other),
    ]
}

/// The label of a stored reason code.
pub fn reason_label(lang: Language, code: &str) -> &'static str {
    reason_choices(lang)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map_or("—", |(_, l)| l)
}

/// The language of the current request (see [`language_from_headers`]). In the browser it is
/// read back from `<html lang>`, which the server rendered, so hydration always agrees.
pub fn request_language() -> Language {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        let Some(parts) = use_context::<http::request::Parts>() else {
            return Language::default();
        };
        let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
        language_from_headers(
            header(http::header::COOKIE),
            header(http::header::ACCEPT_LANGUAGE),
        )
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        leptos::prelude::document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|code| Language::from_code(&code))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Language::default()
    }
}

/// Determines the request's language and makes it available to every component below.
pub fn provide_language() -> Language {
    let lang = request_language();
    leptos::prelude::provide_context(lang);
    lang
}

/// The language provided by [`provide_language`].
pub fn use_language() -> Language {
    leptos::prelude::use_context::<Language>().unwrap_or_default()
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// What happens next on the case unless the debtor acts, as one sentence.
pub fn what_next(lang: Language, next: &crate::dto::WhatNext) -> String {
    use crate::dto::WhatNext;
    let de = lang == Language::De;
    match next {
        WhatNext::Step { kind, on } => {
            let on = format_date(lang, *on);
            match (kind.as_str(), de) {
                ("reminder", true) => format!("Wenn Sie nicht zahlen oder uns schreiben, erhalten Sie am {on} die nächste Zahlungserinnerung."),
                ("reminder", false) => format!("Unless you pay or write to us, you will get the next payment reminder on {on}."),
                ("final_notice", true) => format!("Wenn Sie nicht zahlen oder uns schreiben, erhalten Sie am {on} die letzte Mahnung vor dem gerichtlichen Mahnverfahren."),
                ("final_notice", false) => format!("Unless you pay or write to us, you will get the final notice before court dunning on {on}."),
                ("escalation_request", true) => format!("Wenn Sie nicht zahlen oder uns schreiben, fragen wir am {on} den Gläubiger, ob er das gerichtliche Mahnverfahren beantragt."),
                ("escalation_request", false) => format!("Unless you pay or write to us, we will ask the creditor on {on} whether to apply for a court payment order."),
                (_, true) => format!("Wenn Sie nicht zahlen oder uns schreiben, geben wir die Forderung am {on} an das gerichtliche Mahnverfahren ab."),
                (_, false) => format!("Unless you pay or write to us, the claim goes to the court dunning procedure on {on}."),
            }
        }
        WhatNext::Instalment {
            number,
            due,
            amount,
        } => {
            let (due, amount) = (format_date(lang, *due), amount.format(lang));
            if de {
                format!("Ihre {number}. Rate über {amount} ist am {due} fällig.")
            } else {
                format!("Your instalment {number} of {amount} is due on {due}.")
            }
        }
        WhatNext::PausedUntil { until } => {
            let until = format_date(lang, *until);
            if de {
                format!("Die Mahnungen ruhen bis zum {until}; danach laufen sie weiter, wenn bis dahin nichts anderes geschieht.")
            } else {
                format!("Reminders are paused until {until}; after that they resume unless something else happens first.")
            }
        }
    }
}

/// What a notice on the timeline said and how it went: `„subject“ · by email`.
pub fn sent_note(
    lang: Language,
    subject: Option<String>,
    channel: Option<String>,
) -> Option<String> {
    subject.map(|subject| match channel {
        Some(c) => format!("„{subject}“ · {}", (tr(lang).channel_label)(&c)),
        None => format!("„{subject}“"),
    })
}

/// Formats a calendar date: `22.11.2026` in German, `22 Nov 2026` in English (never the ambiguous
/// `11/22/2026`). Written out rather than through chrono's `format`, which parses its pattern
/// on every call: pages format a few dozen dates per visit.
pub fn format_date(lang: Language, date: NaiveDate) -> String {
    use chrono::Datelike;
    match lang {
        Language::De => format!("{:02}.{:02}.{:04}", date.day(), date.month(), date.year()),
        Language::En => {
            let month = MONTHS_EN[date.month0() as usize];
            format!("{} {} {}", date.day(), month, date.year())
        }
    }
}

/// The line under a claim item: its date and, if given, its legal basis.
pub fn item_meta(lang: Language, item: &crate::dto::ItemView) -> String {
    match &item.legal_basis {
        Some(basis) => format!("{} · {basis}", format_date(lang, item.date)),
        None => format_date(lang, item.date),
    }
}

/// How an interest item was calculated, as one sentence (§ 13a (1) no. 3 RDG).
pub fn interest_detail(lang: Language, i: &crate::dto::InterestDetail) -> String {
    let (whole, hundredths) = (i.rate_bp / 100, i.rate_bp % 100);
    let rate = match lang {
        Language::De => format!("{whole},{hundredths:02}"),
        Language::En => format!("{whole}.{hundredths:02}"),
    };
    (tr(lang).interest_detail)(
        &rate,
        &i.base.format(lang),
        &format_date(lang, i.from),
        &format_date(lang, i.to),
        (i.to - i.from).num_days() + 1,
    )
}

/// Why a plan proposal is outside the creditor's rules, as a sentence for the debtor.
pub fn plan_reason(lang: Language, reason: &PlanReason) -> String {
    let date = |d: &NaiveDate| format_date(lang, *d);
    match (lang, reason) {
        (Language::De, PlanReason::InstalmentTooLow { min }) => {
            format!("Jede Rate außer der letzten muss mindestens {} betragen.", min.format(lang))
        }
        (Language::En, PlanReason::InstalmentTooLow { min }) => {
            format!("Every instalment except the last must be at least {}.", min.format(lang))
        }
        (Language::De, PlanReason::TooManyInstalments { max }) => format!("Es sind höchstens {max} Raten möglich."),
        (Language::En, PlanReason::TooManyInstalments { max }) => format!("At most {max} instalments are possible."),
        (Language::De, PlanReason::TooLong { max_months }) => {
            format!("Die letzte Zahlung muss innerhalb von {max_months} Monaten erfolgen.")
        }
        (Language::En, PlanReason::TooLong { max_months }) => {
            format!("The last payment must be made within {max_months} months.")
        }
        (Language::De, PlanReason::DownPaymentTooLow { min }) => {
            format!("Eine Anzahlung von mindestens {} ist erforderlich.", min.format(lang))
        }
        (Language::En, PlanReason::DownPaymentTooLow { min }) => {
            format!("A down payment of at least {} is required.", min.format(lang))
        }
        (Language::De, PlanReason::FirstDueTooLate { latest }) => {
            format!("Die erste Zahlung muss spätestens am {} erfolgen.", date(latest))
        }
        (Language::En, PlanReason::FirstDueTooLate { latest }) => {
            format!("The first payment must be made by {} at the latest.", date(latest))
        }
        (Language::De, PlanReason::ConfirmationRequired) => {
            "Ihr Vorschlag liegt im Rahmen; eine Sachbearbeiterin oder ein Sachbearbeiter bestätigt ihn noch.".into()
        }
        (Language::En, PlanReason::ConfirmationRequired) => {
            "Your proposal is within the rules; a case handler will confirm it.".into()
        }
    }
}

static DE: Texts = Texts {
    skip_to_content: "Zum Inhalt springen",
    language_label: "Sprache",
    switch_language: "Sprache wechseln",
    portal_tagline: "Ihr Fall online – klären, zahlen, nachfragen",

    start_title: "Ihren Fall aufrufen",
    start_intro: "Geben Sie die Angaben aus Ihrem Schreiben ein. Sie sehen dann die vollständige \
                  Aufstellung der Forderung und können uns antworten.",
    start_link_hint: "Sie haben einen Link oder QR-Code erhalten? Öffnen Sie ihn einfach – dann \
                      brauchen Sie nur noch Ihre Postleitzahl.",
    reference_label: "Aktenzeichen",
    reference_hint: "Steht oben in Ihrem Schreiben, z. B. AKTE-2026-000123.",
    access_code_label: "Zugangscode",
    access_code_hint: "12 Zeichen aus Ihrem Schreiben, z. B. ABCD-EFGH-JKMN.",
    postcode_label: "Postleitzahl Ihrer Anschrift",
    postcode_hint: "So wie in der Anschrift des Schreibens.",
    continue_button: "Weiter",
    checking: "Wird geprüft …",

    verify_title: "Bitte bestätigen Sie, dass Sie es sind",
    verify_intro: "Zum Schutz Ihrer Daten fragen wir nach der Postleitzahl der Anschrift, an die \
                   wir geschrieben haben.",
    verify_no_link_hint: "Link funktioniert nicht? Sie können Aktenzeichen und Zugangscode auch \
                          auf der Startseite eingeben.",

    case_title: "Ihr Fall",
    case_reference_label: "Aktenzeichen",
    creditor_heading: "Gläubiger",
    creditor_intro: "Wir machen diese Forderung im Auftrag dieses Unternehmens geltend:",
    summary_heading: "Übersicht",
    as_of: |d| format!("Stand: {d}"),
    principal: "Hauptforderung",
    interest: "Zinsen",
    costs: "Kosten",
    payments: "Bereits gezahlt",
    balance: "Offener Betrag",
    claims_heading: "Forderungen im Einzelnen",
    claim_heading: |s| format!("Forderung: {s}"),
    contract_date: "Vertragsdatum",
    invoice_number: "Rechnungsnummer",
    due_since: "Fällig seit",
    item_column: "Posten",
    date_column: "Datum",
    legal_basis_column: "Rechtsgrundlage",
    amount_column: "Betrag",
    claim_total: "Summe dieser Forderung",
    payments_heading: "Zahlungseingänge",
    no_payments: "Bisher ist keine Zahlung eingegangen.",
    sign_out: "Abmelden",
    loading: "Wird geladen …",

    reason_heading: "Warum ist die Forderung noch offen?",
    reason_intro: "Ein Klick genügt – danach zeigen wir Ihnen den passenden nächsten Schritt.",
    reason_forgot: "Vergessen oder übersehen",
    reason_shortage: "Ich kann gerade nicht alles bezahlen",
    reason_complaint: "Ich habe eine Reklamation zur Ware oder Leistung",
    reason_claim_wrong: "Die Forderung ist falsch",
    reason_already_paid: "Ich habe bereits bezahlt",
    reason_not_my_debt: "Ich habe damit nichts zu tun",
    reason_other: "Etwas anderes",
    reason_given: "Ihre letzte Antwort",
    status_heading: "Stand",
    dispute_answer_label: "Antwort auf Ihren Widerspruch:",
    status_disputed: |d| format!("Sie haben der Forderung widersprochen. Alle Mahnungen ruhen. Wir antworten bis spätestens {d}."),
    status_payment_claimed: |a, d| format!("Sie haben eine Zahlung von {a} am {d} gemeldet. Die Mahnungen ruhen, während wir den Kontoauszug prüfen."),
    status_in_dialogue: "Ihre Nachricht ist bei uns. Wir antworten hier und per E-Mail.",
    status_open: "Bitte begleichen Sie den offenen Betrag oder sagen Sie uns, warum das gerade nicht geht.",
    next_steps_heading: "Was Sie jetzt tun können",
    pay_link: "Jetzt bezahlen",
    message_link: "Nachricht schreiben",
    timeline_heading: "Verlauf",
    event_label: |k| match k {
        "reason_given" => "Grund angegeben",
        "portal_visit" => "Sie haben Ihren Fall geöffnet",
        "message_sent" => "Nachricht gesendet",
        "dispute_opened" => "Widerspruch eingelegt",
        "payment_claimed" => "Zahlung gemeldet",
        "plan_agreed" | "counter_accepted" => "Ratenzahlung vereinbart",
        "plan_proposed" => "Ratenzahlung vorgeschlagen",
        "counter_declined" => "Gegenvorschlag abgelehnt",
        "contact_updated" => "Kontaktdaten geändert",
        "email_sent" => "E-Mail an Sie gesendet",
        "payment_received" => "Zahlung eingegangen",
        "handler_replied" => "Antwort Ihrer Sachbearbeitung",
        "plan_accepted" => "Ratenvorschlag angenommen",
        "plan_rejected" => "Ratenvorschlag abgelehnt",
        "plan_countered" => "Gegenvorschlag erhalten",
        "dispute_upheld" => "Widerspruch stattgegeben",
        "dispute_rejected" => "Widerspruch beantwortet",
        "claim_cancelled" => "Forderung storniert",
        "item_corrected" => "Forderung korrigiert",
        "payment_confirmed" => "Gemeldete Zahlung bestätigt",
        "payment_not_found" => "Gemeldete Zahlung nicht gefunden",
        "hold_placed" => "Mahnungen angehalten",
        "hold_lifted" => "Mahnungen fortgesetzt",
        "escalation_requested" | "escalated" => "Gerichtliches Mahnverfahren",
        "phone_call_recorded" => "Telefonat",
        "letter_received" => "Ihr Brief ist eingegangen",
        "written_off" => "Forderung wird nicht weiter verfolgt",
        "case_closed" => "Fall abgeschlossen",
        "reminder_sent" => "Zahlungserinnerung",
        "final_notice_sent" => "Letzte Mahnung",
        "instalment_reminder_sent" => "Erinnerung an eine Rate",
        "instalment_missed" => "Rate nicht eingegangen",
        "plan_broken" => "Ratenzahlung beendet",
        "plan_completed" => "Ratenzahlung erfüllt",
        "hold_ended" => "Mahnungen laufen wieder",
        "escalation_approved" | "escalation_declined" => "Entscheidung zum Mahnverfahren",
        _ => "Eintrag",
    },
    channel_label: |c| match c {
        "email" => "per E-Mail",
        _ => "per Brief",
    },
    back_to_case: "Zurück zu Ihrem Fall",

    pay_title: "Bezahlen",
    pay_intro: "Überweisen Sie den offenen Betrag mit diesen Angaben oder scannen Sie den QR-Code mit Ihrer Banking-App.",
    payee_label: "Empfänger",
    iban_label: "IBAN",
    bic_label: "BIC",
    reference_payment_label: "Verwendungszweck (Referenz)",
    pay_reference_hint: "Bitte geben Sie die Referenz genau so an – dann ordnen wir Ihre Zahlung sofort zu.",
    qr_caption: "GiroCode zum Scannen mit der Banking-App",
    qr_alt: "QR-Code (GiroCode) mit Empfänger, IBAN, Betrag und Referenz der Überweisung",
    pay_partial: "Sie können auch einen Teilbetrag überweisen.",
    pay_not_configured: "Die Zahlung per Überweisung ist hier noch nicht eingerichtet. Bitte wenden Sie sich an uns.",
    nothing_to_pay: "Es ist nichts mehr offen. Vielen Dank!",

    message_title: "Nachricht an uns",
    message_intro: "Schreiben Sie uns, was Sie uns mitteilen möchten. Wir antworten hier und per E-Mail.",
    message_label: "Ihre Nachricht",
    documents_label: "Dokumente (freiwillig)",
    documents_hint: "Bis zu 5 Dateien, jeweils PDF, JPEG oder PNG und höchstens 10 MB.",
    who_reads: "Was Sie hier schreiben, lesen die Sachbearbeiterinnen und Sachbearbeiter der Agentur. Beim Gläubiger können es nur die verantwortlichen Personen lesen, nicht alle seine Mitarbeitenden, und jedes Lesen wird protokolliert.",
    send_button: "Senden",
    conversation_heading: "Ihre Nachrichten",
    no_messages: "Noch keine Nachrichten.",
    author_you: "Sie",
    author_handler: "Sachbearbeitung",

    dispute_title: |k| match k {
        "claim_wrong" => "Die Forderung ist falsch",
        "not_my_debt" => "Ich habe damit nichts zu tun",
        _ => "Reklamation",
    },
    dispute_intro: |days| format!("Beschreiben Sie, was nicht stimmt, und fügen Sie Belege bei. Solange wir prüfen, ruhen alle Mahnungen. Sie erhalten innerhalb von {days} Werktagen eine Antwort."),
    dispute_label: "Was stimmt nicht?",
    dispute_button: "Widerspruch senden",

    paid_title: "Ich habe bereits bezahlt",
    paid_intro: "Nennen Sie Datum und Betrag Ihrer Zahlung und fügen Sie, wenn möglich, einen Beleg bei. Die Mahnungen ruhen, während wir prüfen.",
    paid_on_label: "Zahlungsdatum",
    amount_label: "Betrag in Euro",
    note_label: "Hinweis (freiwillig)",
    paid_button: "Zahlung melden",

    check_title: "Ist dieses Schreiben echt?",
    check_intro: "Geben Sie das Aktenzeichen aus dem Schreiben ein. Wir sagen Ihnen, ob es den Fall gibt und für welches Unternehmen wir tätig sind – sonst nichts.",
    check_button: "Prüfen",
    check_found: |r, c| format!("Das Aktenzeichen {r} gibt es. Wir machen diese Forderung im Auftrag von {c} geltend."),
    check_not_found: "Unter diesem Aktenzeichen gibt es bei uns keinen Fall. Zahlen Sie nichts und wenden Sie sich an uns.",
    check_contact: "So erreichen Sie uns",
    check_link: "Ist ein Schreiben echt? Hier prüfen",

    interest_detail: |rate, base, from, to, days| format!("{rate} % jährlich auf {base} vom {from} bis {to} ({days} Tage)"),
    interest_stopped: |day| format!("Verzugszinsen sind bis einschließlich {day} berechnet: Der Basiszinssatz für die Zeit danach ist noch nicht bekannt. Sie werden nachberechnet, sobald er veröffentlicht ist."),
    vat_statement: "Auf die Inkassokosten wird Umsatzsteuer geltend gemacht, weil der Gläubiger sie nicht als Vorsteuer abziehen kann.",
    address_researched: "Ihre Anschrift hat uns nicht der Gläubiger mitgeteilt; sie wurde ermittelt (Adressermittlung).",
    address_researched_fix: "Ist sie falsch, berichtigen Sie sie bitte unter „Kontaktdaten ändern“ oder schreiben Sie uns eine Nachricht.",
    authority_heading: "Aufsichtsbehörde",
    authority_intro: "Unsere Tätigkeit als Inkassodienstleister wird beaufsichtigt von:",
    contact_title: "Ihre Kontaktdaten",
    contact_intro: "Stimmen Ihre Angaben noch? Änderungen gelten sofort; Schreiben gehen dann an die neue Anschrift.",
    contact_link: "Kontaktdaten ändern",
    email_label: "E-Mail-Adresse",
    phone_label: "Telefon (freiwillig)",
    street_label: "Straße und Hausnummer",
    postcode_field_label: "Postleitzahl",
    city_label: "Ort",
    channel_legend: "Wie sollen wir Sie erreichen?",
    channel_email: "per E-Mail",
    channel_letter: "per Brief",
    save_button: "Speichern",
    statement_title: "Forderungsaufstellung",
    statement_link: "Aufstellung als PDF herunterladen",
    statement_intro: |r, d| format!("Aktenzeichen {r} · Stand {d}"),
    online_heading: "Online bezahlen",
    online_intro: "Sie werden zur sicheren Zahlungsseite unseres Zahlungsdienstleisters weitergeleitet. Ihre Kartendaten sehen wir nie.",
    online_amount_label: "Betrag in Euro (leer lassen für den ganzen Betrag)",
    online_button: "Weiter zur Zahlung",
    online_done: "Vielen Dank! Sobald der Zahlungsdienstleister die Zahlung bestätigt, buchen wir sie und schicken Ihnen eine Bestätigung.",
    online_cancelled: "Die Zahlung wurde abgebrochen. Es wurde nichts abgebucht.",
    plan_title: "Ratenzahlung oder Aufschub",
    plan_intro: "Schlagen Sie vor, wie Sie zahlen können. Liegt Ihr Vorschlag im Rahmen, den der Gläubiger vorgibt, ist er sofort vereinbart.",
    plan_kind_legend: "Was möchten Sie?",
    plan_kind_plan: "In Raten zahlen",
    plan_kind_deferral: "Später auf einmal zahlen (Aufschub)",
    down_payment_label: "Anzahlung in Euro (freiwillig)",
    first_due_label: "Erste Zahlung am",
    count_label: "Anzahl der Raten",
    frequency_label: "Rhythmus",
    frequency_monthly: "monatlich",
    frequency_fortnightly: "alle zwei Wochen",
    frequency_weekly: "wöchentlich",
    preview_button: "Plan berechnen",
    propose_button: "Vorschlag verbindlich senden",
    schedule_heading: "Ihr Zahlungsplan",
    down_payment_row: "Anzahlung",
    instalment_row: |n| format!("{n}. Rate"),
    decision_accept: "Dieser Vorschlag liegt im Rahmen und ist mit dem Absenden sofort vereinbart.",
    decision_review: "Dieser Vorschlag wird von einer Sachbearbeiterin oder einem Sachbearbeiter geprüft:",
    decision_reject: "So ist der Vorschlag leider nicht möglich:",
    cost_notice_heading: "Kosten der Vereinbarung",
    cost_notice: |a| format!("Für diese Vereinbarung entstehen Ihnen Kosten von {a}. Sie werden der Forderung hinzugerechnet."),
    cost_notice_free: "Für diese Vereinbarung entstehen Ihnen keine zusätzlichen Kosten.",
    cost_notice_confirm: "Ich habe den Hinweis zu den Kosten gelesen.",
    plan_agreed_status: "Ihre Ratenzahlung ist vereinbart. Solange Sie pünktlich zahlen, erhalten Sie keine Mahnungen.",
    plan_pending_status: |d| format!("Ihr Vorschlag ist bei uns. Sie erhalten innerhalb von {d} Werktagen eine Antwort. Bis dahin ruhen die Mahnungen."),
    counter_heading: "Unser Gegenvorschlag",
    counter_accept: "Gegenvorschlag annehmen",
    counter_decline: "Ablehnen",
    suggestion: |n, d| format!("Sofort vereinbaren könnten wir: {n} Raten ab {d}."),
    suggestion_button: "Diesen Plan übernehmen",
    no_plans_allowed: "Für diesen Betrag sind keine Raten vorgesehen. Bitte schreiben Sie uns – wir finden eine Lösung.",
    not_found_title: "Seite nicht gefunden",
    not_found_text: "Diese Seite gibt es nicht. Prüfen Sie die Adresse oder beginnen Sie auf der \
                     Startseite.",
    back_to_start: "Zur Startseite",

    err_required: "Bitte füllen Sie dieses Feld aus.",
    err_too_long: |n| format!("Bitte höchstens {n} Zeichen eingeben."),
    err_invalid_format:
        "Diese Angabe hat nicht das erwartete Format. Bitte vergleichen Sie sie mit \
                         Ihrem Schreiben.",
    err_not_verified: "Die Angaben konnten nicht bestätigt werden. Bitte vergleichen Sie sie mit \
                       Ihrem Schreiben.",
    err_malformed:
        "Das Formular war unvollständig. Bitte laden Sie die Seite neu und versuchen Sie \
                    es noch einmal.",
    err_check_fields: "Bitte prüfen Sie die markierten Felder.",
    err_too_many_files: |n| format!("Bitte höchstens {n} Dateien auf einmal hochladen."),
    err_file_too_large: |name, mb| format!("„{name}“ ist größer als {mb} MB."),
    err_unsupported_file: |name| format!("„{name}“ ist kein PDF, JPEG oder PNG."),
    err_infected_file: |name| format!("In „{name}“ hat unsere Virenprüfung Schadsoftware gefunden. Die Datei wurde nicht angenommen; bitte schicken Sie eine saubere Kopie."),
    err_scan_unavailable: "Ihre Dokumente konnten gerade nicht auf Viren geprüft werden, deshalb haben wir nichts gespeichert. Bitte versuchen Sie es in ein paar Minuten erneut.",
    err_date_in_future: "Das Datum liegt in der Zukunft.",
    err_date_in_past: "Das Datum liegt in der Vergangenheit.",
    err_invalid_amount: "Bitte einen Betrag wie 25,00 eingeben.",
    err_unauthenticated: "Bitte bestätigen Sie zuerst Ihre Angaben.",
    err_forbidden: "Dafür fehlt Ihnen die Berechtigung.",
    err_not_found: "Das Gesuchte wurde nicht gefunden.",
    err_conflict:
        "Das ist bereits geschehen oder passt nicht mehr zum aktuellen Stand. Bitte laden \
                   Sie die Seite neu.",
    err_too_many_requests: |m| {
        format!(
            "Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es in {m} {} erneut.",
            if m == 1 { "Minute" } else { "Minuten" }
        )
    },
    err_locked: |m| {
        format!(
            "Zu viele Fehlversuche. Der Zugang zu diesem Fall ist für {m} {} gesperrt. Bitte \
             versuchen Sie es danach erneut.",
            if m == 1 { "Minute" } else { "Minuten" }
        )
    },
    err_internal: "Bei uns ist ein Fehler aufgetreten. Ihre Angaben sind nicht verloren – bitte \
                   versuchen Sie es in einigen Minuten erneut.",
    err_unreachable: "Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Internetverbindung.",
    err_busy: "Gerade melden sich sehr viele Menschen an. Bitte versuchen Sie es in einigen \
               Sekunden erneut; Ihre Angaben sind nicht verloren.",
    fairness_heading: "Wie fair wurden Sie behandelt?",
    fairness_intro: "Ihr Fall ist abgeschlossen. Eine freiwillige Frage: Ihre Antwort hilft, den Umgang mit Kundinnen und Kunden zu verbessern. Der Gläubiger sieht nur zusammengefasste Ergebnisse.",
    fairness_score: |n| match n {
        1 => "1 – gar nicht fair",
        2 => "2 – eher nicht fair",
        3 => "3 – teils, teils",
        4 => "4 – eher fair",
        _ => "5 – sehr fair",
    },
    fairness_comment_label: "Möchten Sie etwas dazu sagen? (freiwillig)",
    fairness_submit: "Antwort senden",
    fairness_thanks: "Danke für Ihre Antwort.",
};

static EN: Texts = Texts {
    skip_to_content: "Skip to content",
    language_label: "Language",
    switch_language: "Change language",
    portal_tagline: "Your case online – clarify, pay, ask",

    start_title: "Open your case",
    start_intro: "Enter the details from your letter. You will then see the complete breakdown of \
                  the claim and can reply to us.",
    start_link_hint: "Did you receive a link or QR code? Just open it – then all you need is your \
                      postcode.",
    reference_label: "Case reference",
    reference_hint: "Printed at the top of your letter, e.g. AKTE-2026-000123.",
    access_code_label: "Access code",
    access_code_hint: "12 characters from your letter, e.g. ABCD-EFGH-JKMN.",
    postcode_label: "Postcode of your address",
    postcode_hint: "As in the address on the letter.",
    continue_button: "Continue",
    checking: "Checking …",

    verify_title: "Please confirm it is you",
    verify_intro: "To protect your data, we ask for the postcode of the address we wrote to.",
    verify_no_link_hint: "Link not working? You can also enter the case reference and access code \
                          on the start page.",

    case_title: "Your case",
    case_reference_label: "Case reference",
    creditor_heading: "Creditor",
    creditor_intro: "We are collecting this claim on behalf of this company:",
    summary_heading: "Summary",
    as_of: |d| format!("As of {d}"),
    principal: "Principal",
    interest: "Interest",
    costs: "Costs",
    payments: "Payments received",
    balance: "Balance outstanding",
    claims_heading: "Claims in detail",
    claim_heading: |s| format!("Claim: {s}"),
    contract_date: "Contract date",
    invoice_number: "Invoice number",
    due_since: "Due since",
    item_column: "Item",
    date_column: "Date",
    legal_basis_column: "Legal basis",
    amount_column: "Amount",
    claim_total: "Total of this claim",
    payments_heading: "Payments received",
    no_payments: "No payment has been received yet.",
    sign_out: "Sign out",
    loading: "Loading …",

    reason_heading: "Why has this not been paid yet?",
    reason_intro: "One tap is enough – we then show you the right next step.",
    reason_forgot: "I forgot or overlooked it",
    reason_shortage: "I cannot pay everything right now",
    reason_complaint: "I have a complaint about the goods or service",
    reason_claim_wrong: "The claim is wrong",
    reason_already_paid: "I have already paid",
    reason_not_my_debt: "This is not my debt",
    reason_other: "Something else",
    reason_given: "Your last answer",
    status_heading: "Status",
    dispute_answer_label: "Answer to your dispute:",
    status_disputed: |d| format!("You disputed the claim. All reminders are paused. We will answer by {d} at the latest."),
    status_payment_claimed: |a, d| format!("You reported a payment of {a} on {d}. Reminders are paused while we check the bank statement."),
    status_in_dialogue: "We have your message. We will answer here and by email.",
    status_open: "Please pay the balance or tell us why that is not possible right now.",
    next_steps_heading: "What you can do now",
    pay_link: "Pay now",
    message_link: "Write a message",
    timeline_heading: "History",
    event_label: |k| match k {
        "reason_given" => "Reason given",
        "portal_visit" => "You opened your case",
        "message_sent" => "Message sent",
        "dispute_opened" => "Claim disputed",
        "payment_claimed" => "Payment reported",
        "plan_agreed" | "counter_accepted" => "Instalment plan agreed",
        "plan_proposed" => "Instalment plan proposed",
        "counter_declined" => "Counter-offer declined",
        "contact_updated" => "Contact details changed",
        "email_sent" => "Email sent to you",
        "payment_received" => "Payment received",
        "handler_replied" => "Reply from your case handler",
        "plan_accepted" => "Instalment proposal accepted",
        "plan_rejected" => "Instalment proposal rejected",
        "plan_countered" => "Counter-offer received",
        "dispute_upheld" => "Dispute upheld",
        "dispute_rejected" => "Dispute answered",
        "claim_cancelled" => "Claim cancelled",
        "item_corrected" => "Claim corrected",
        "payment_confirmed" => "Reported payment confirmed",
        "payment_not_found" => "Reported payment not found",
        "hold_placed" => "Reminders paused",
        "hold_lifted" => "Reminders resumed",
        "escalation_requested" | "escalated" => "Court dunning procedure",
        "phone_call_recorded" => "Phone call",
        "letter_received" => "Your letter arrived",
        "written_off" => "Claim no longer pursued",
        "case_closed" => "Case closed",
        "reminder_sent" => "Payment reminder",
        "final_notice_sent" => "Final notice",
        "instalment_reminder_sent" => "Instalment reminder",
        "instalment_missed" => "Instalment not received",
        "plan_broken" => "Instalment plan ended",
        "plan_completed" => "Instalment plan fulfilled",
        "hold_ended" => "Reminders resumed",
        "escalation_approved" | "escalation_declined" => "Decision on court dunning",
        _ => "Entry",
    },
    channel_label: |c| match c {
        "email" => "by email",
        _ => "by letter",
    },
    back_to_case: "Back to your case",

    pay_title: "Pay",
    pay_intro: "Transfer the balance with these details, or scan the QR code with your banking app.",
    payee_label: "Payee",
    iban_label: "IBAN",
    bic_label: "BIC",
    reference_payment_label: "Payment reference",
    pay_reference_hint: "Please use exactly this reference – then we can match your payment at once.",
    qr_caption: "GiroCode to scan with your banking app",
    qr_alt: "QR code (GiroCode) with payee, IBAN, amount and reference of the transfer",
    pay_partial: "You may also transfer part of the amount.",
    pay_not_configured: "Payment by bank transfer is not set up here yet. Please contact us.",
    nothing_to_pay: "Nothing is outstanding any more. Thank you!",

    message_title: "Message to us",
    message_intro: "Tell us what you would like us to know. We will answer here and by email.",
    message_label: "Your message",
    documents_label: "Documents (optional)",
    documents_hint: "Up to 5 files, each a PDF, JPEG or PNG of at most 10 MB.",
    who_reads: "What you write here is read by the agency's case handlers. At the creditor only the people responsible can read it, not all of its staff, and every reading is logged.",
    send_button: "Send",
    conversation_heading: "Your messages",
    no_messages: "No messages yet.",
    author_you: "You",
    author_handler: "Case handler",

    dispute_title: |k| match k {
        "claim_wrong" => "The claim is wrong",
        "not_my_debt" => "This is not my debt",
        _ => "Complaint",
    },
    dispute_intro: |days| format!("Describe what is wrong and attach evidence. While we check, all reminders are paused. You will get an answer within {days} business days."),
    dispute_label: "What is wrong?",
    dispute_button: "Send dispute",

    paid_title: "I have already paid",
    paid_intro: "Give the date and amount of your payment and, if you can, attach proof. Reminders are paused while we check.",
    paid_on_label: "Date of payment",
    amount_label: "Amount in euro",
    note_label: "Note (optional)",
    paid_button: "Report payment",

    check_title: "Is this letter genuine?",
    check_intro: "Enter the case reference from the letter. We tell you whether the case exists and on whose behalf we act – nothing else.",
    check_button: "Check",
    check_found: |r, c| format!("The case reference {r} exists. We are collecting this claim on behalf of {c}."),
    check_not_found: "We have no case with this reference. Do not pay anything, and contact us.",
    check_contact: "How to reach us",
    check_link: "Is a letter genuine? Check here",

    interest_detail: |rate, base, from, to, days| format!("{rate} % a year on {base} from {from} to {to} ({days} days)"),
    interest_stopped: |day| format!("Default interest is calculated up to and including {day}: the base rate for the time after is not yet known. It will be added once it is published."),
    vat_statement: "VAT is claimed on the collection costs because the creditor cannot deduct it as input tax.",
    address_researched: "Your address was not given to us by the creditor; it was researched.",
    address_researched_fix: "If it is wrong, please correct it under “Change contact details” or send us a message.",
    authority_heading: "Supervisory authority",
    authority_intro: "Our work as a collection agency is supervised by:",
    contact_title: "Your contact details",
    contact_intro: "Are your details still right? Changes apply at once; letters then go to the new address.",
    contact_link: "Change contact details",
    email_label: "Email address",
    phone_label: "Phone (optional)",
    street_label: "Street and number",
    postcode_field_label: "Postcode",
    city_label: "Town or city",
    channel_legend: "How should we reach you?",
    channel_email: "by email",
    channel_letter: "by letter",
    save_button: "Save",
    statement_title: "Statement of claim",
    statement_link: "Download the statement (PDF)",
    statement_intro: |r, d| format!("Case reference {r} · as of {d}"),
    online_heading: "Pay online",
    online_intro: "You will be taken to the secure payment page of our payment provider. We never see your card details.",
    online_amount_label: "Amount in euro (leave empty for the whole balance)",
    online_button: "Continue to payment",
    online_done: "Thank you! As soon as the payment provider confirms the payment, we book it and send you a confirmation.",
    online_cancelled: "The payment was cancelled. Nothing was charged.",
    plan_title: "Instalments or deferral",
    plan_intro: "Propose how you can pay. If your proposal is within the creditor's rules, it is agreed at once.",
    plan_kind_legend: "What would you like?",
    plan_kind_plan: "Pay in instalments",
    plan_kind_deferral: "Pay everything later (deferral)",
    down_payment_label: "Down payment in euro (optional)",
    first_due_label: "First payment on",
    count_label: "Number of instalments",
    frequency_label: "How often",
    frequency_monthly: "monthly",
    frequency_fortnightly: "every two weeks",
    frequency_weekly: "weekly",
    preview_button: "Calculate plan",
    propose_button: "Send binding proposal",
    schedule_heading: "Your payment plan",
    down_payment_row: "Down payment",
    instalment_row: |n| format!("Instalment {n}"),
    decision_accept: "This proposal is within the rules and is agreed as soon as you send it.",
    decision_review: "A case handler will review this proposal:",
    decision_reject: "Unfortunately this proposal is not possible:",
    cost_notice_heading: "Cost of the agreement",
    cost_notice: |a| format!("This agreement costs you {a}. It is added to the claim."),
    cost_notice_free: "This agreement costs you nothing extra.",
    cost_notice_confirm: "I have read the note on the costs.",
    plan_agreed_status: "Your instalment plan is agreed. As long as you pay on time, you receive no reminders.",
    plan_pending_status: |d| format!("We have your proposal. You will get an answer within {d} business days. Reminders are paused until then."),
    counter_heading: "Our counter-offer",
    counter_accept: "Accept counter-offer",
    counter_decline: "Decline",
    suggestion: |n, d| format!("We could agree at once: {n} instalments from {d}."),
    suggestion_button: "Use this plan",
    no_plans_allowed: "No instalments are provided for this amount. Please write to us – we will find a solution.",
    not_found_title: "Page not found",
    not_found_text: "This page does not exist. Check the address or start on the home page.",
    back_to_start: "Go to the start page",

    err_required: "Please fill in this field.",
    err_too_long: |n| format!("Please enter at most {n} characters."),
    err_invalid_format:
        "This does not have the expected format. Please compare it with your letter.",
    err_not_verified: "We could not confirm these details. Please compare them with your letter.",
    err_malformed: "The form was incomplete. Please reload the page and try again.",
    err_check_fields: "Please check the marked fields.",
    err_too_many_files: |n| format!("Please upload at most {n} files at once."),
    err_file_too_large: |name, mb| format!("“{name}” is larger than {mb} MB."),
    err_unsupported_file: |name| format!("“{name}” is not a PDF, JPEG or PNG."),
    err_infected_file: |name| format!("Our virus check found malware in “{name}”. The file was not accepted; please send a clean copy."),
    err_scan_unavailable: "Your documents could not be checked for viruses just now, so nothing was stored. Please try again in a few minutes.",
    err_date_in_future: "The date lies in the future.",
    err_date_in_past: "The date lies in the past.",
    err_invalid_amount: "Please enter an amount such as 25.00.",
    err_unauthenticated: "Please confirm your details first.",
    err_forbidden: "You are not allowed to do this.",
    err_not_found: "What you are looking for was not found.",
    err_conflict: "This has already happened or no longer fits the current state. Please reload \
                   the page.",
    err_too_many_requests: |m| {
        format!(
            "Too many requests in a short time. Please try again in {m} {}.",
            if m == 1 { "minute" } else { "minutes" }
        )
    },
    err_locked: |m| {
        format!(
            "Too many failed attempts. Access to this case is locked for {m} {}. Please try again \
             afterwards.",
            if m == 1 { "minute" } else { "minutes" }
        )
    },
    err_internal:
        "Something went wrong on our side. Nothing you entered is lost – please try again \
                   in a few minutes.",
    err_unreachable: "The server cannot be reached. Please check your internet connection.",
    err_busy: "Very many people are signing in right now. Please try again in a few seconds; \
               nothing you entered is lost.",
    fairness_heading: "How fairly were you treated?",
    fairness_intro: "Your case is closed. One optional question: your answer helps improve how customers are treated. The creditor sees only combined results.",
    fairness_score: |n| match n {
        1 => "1 – not fair at all",
        2 => "2 – rather not fair",
        3 => "3 – partly",
        4 => "4 – rather fair",
        _ => "5 – very fair",
    },
    fairness_comment_label: "Anything you would like to add? (optional)",
    fairness_submit: "Send the answer",
    fairness_thanks: "Thank you for your answer.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_cookie_wins_over_the_browser_and_german_is_the_fallback() {
        assert_eq!(
            language_from_headers(Some("a=1; rapport_lang=en"), Some("de")),
            Language::En
        );
        assert_eq!(
            language_from_headers(Some("rapport_lang=xx"), Some("en-GB")),
            Language::En
        );
        assert_eq!(language_from_headers(None, None), Language::De);
    }

    #[test]
    fn dates_are_unambiguous_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 2).expect("valid date");
        assert_eq!(format_date(Language::De, d), "02.11.2026");
        assert_eq!(format_date(Language::En, d), "2 Nov 2026");
    }

    #[test]
    fn plan_reasons_read_as_sentences_with_amounts_and_dates_in_the_language() {
        use crate::domain::{Currency, Money};
        let min = Money::new(2_500, Currency::EUR);
        let latest = NaiveDate::from_ymd_opt(2026, 12, 22).expect("valid");
        assert_eq!(
            plan_reason(Language::De, &PlanReason::InstalmentTooLow { min }),
            "Jede Rate außer der letzten muss mindestens 25,00\u{a0}€ betragen."
        );
        assert_eq!(
            plan_reason(Language::En, &PlanReason::FirstDueTooLate { latest }),
            "The first payment must be made by 22 Dec 2026 at the latest."
        );
        let all = [
            PlanReason::InstalmentTooLow { min },
            PlanReason::TooManyInstalments { max: 12 },
            PlanReason::TooLong { max_months: 12 },
            PlanReason::DownPaymentTooLow { min },
            PlanReason::FirstDueTooLate { latest },
            PlanReason::ConfirmationRequired,
        ];
        for reason in &all {
            assert_ne!(
                plan_reason(Language::De, reason),
                plan_reason(Language::En, reason)
            );
        }
    }

    #[test]
    fn languages_differ_in_their_texts() {
        assert_ne!(tr(Language::De).start_title, tr(Language::En).start_title);
        assert_ne!(
            (tr(Language::De).err_locked)(1),
            (tr(Language::De).err_locked)(2)
        );
    }
}
