//! The emails Rapport sends, in the recipient's language: plain text and a simple HTML part with
//! the same content, always with the personal link to the portal.

use crate::domain::plan::Instalment;
use crate::domain::Language;
use crate::i18n::format_date;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(paragraphs: &[String], rows: &[(String, String)], link: &str, link_text: &str) -> String {
    let mut out = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\">",
    );
    for p in paragraphs {
        out.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if !rows.is_empty() {
        out.push_str("<table cellpadding=\"4\">");
        for (a, b) in rows {
            out.push_str(&format!(
                "<tr><td>{}</td><td style=\"text-align:right\">{}</td></tr>",
                escape(a),
                escape(b)
            ));
        }
        out.push_str("</table>");
    }
    out.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p></body></html>",
        escape(link),
        escape(link_text)
    ));
    out
}

/// Subject, text and HTML of the confirmation of an agreed plan.
pub fn plan_agreed(
    lang: Language,
    name: &str,
    reference: &str,
    schedule: &[Instalment],
    link: &str,
) -> (String, String, String) {
    let rows: Vec<(String, String)> = schedule
        .iter()
        .map(|i| (format_date(lang, i.due), i.amount.format(lang)))
        .collect();
    let (subject, greeting, body, link_text, closing) = match lang {
        Language::De => (
            format!("Ihre Ratenzahlung ist vereinbart – {reference}"),
            format!("Guten Tag {name},"),
            "Ihre Ratenzahlung ist vereinbart. Solange Sie die Raten pünktlich zahlen, erhalten Sie keine Mahnungen. \
             Ihre Termine:"
                .to_string(),
            "Ihren Fall online ansehen".to_string(),
            "Vielen Dank.".to_string(),
        ),
        Language::En => (
            format!("Your instalment plan is agreed – {reference}"),
            format!("Hello {name},"),
            "Your instalment plan is agreed. As long as you pay the instalments on time, you will receive no reminders. \
             Your dates:"
                .to_string(),
            "See your case online".to_string(),
            "Thank you.".to_string(),
        ),
    };
    let mut text = format!("{greeting}\n\n{body}\n\n");
    for (date, amount) in &rows {
        text.push_str(&format!("  {date}  {amount}\n"));
    }
    text.push_str(&format!("\n{link_text}: {link}\n\n{closing}\n"));
    (
        subject,
        text,
        html(&[greeting, body], &rows, link, &link_text),
    )
}

/// Subject, text and HTML of the receipt for a payment received.
pub fn payment_received(
    lang: Language,
    name: &str,
    reference: &str,
    amount: crate::domain::Money,
    date: chrono::NaiveDate,
    link: &str,
) -> (String, String, String) {
    let (subject, greeting, body, link_text) = match lang {
        Language::De => (
            format!("Zahlungseingang – {reference}"),
            format!("Guten Tag {name},"),
            format!(
                "wir haben am {} Ihre Zahlung von {} erhalten. Vielen Dank!",
                format_date(lang, date),
                amount.format(lang)
            ),
            "Ihren Fall online ansehen".to_string(),
        ),
        Language::En => (
            format!("Payment received – {reference}"),
            format!("Hello {name},"),
            format!(
                "we received your payment of {} on {}. Thank you!",
                amount.format(lang),
                format_date(lang, date)
            ),
            "See your case online".to_string(),
        ),
    };
    let text = format!("{greeting}\n\n{body}\n\n{link_text}: {link}\n");
    (
        subject,
        text,
        html(&[greeting, body], &[], link, &link_text),
    )
}

/// Subject, text and HTML of a handler's reply or decision: a headline, the handler's words (if
/// any) and the personal link.
pub fn case_news(
    lang: Language,
    name: &str,
    reference: &str,
    headline: &str,
    words: Option<&str>,
    link: &str,
) -> (String, String, String) {
    let (subject, greeting, link_text) = match lang {
        Language::De => (
            format!("Neues zu Ihrem Fall – {reference}"),
            format!("Guten Tag {name},"),
            "Ihren Fall online ansehen und antworten".to_string(),
        ),
        Language::En => (
            format!("News on your case – {reference}"),
            format!("Hello {name},"),
            "See your case online and reply".to_string(),
        ),
    };
    let mut paragraphs = vec![greeting, headline.to_string()];
    if let Some(w) = words.filter(|w| !w.trim().is_empty()) {
        paragraphs.push(w.trim().to_string());
    }
    let text = format!("{}\n\n{link_text}: {link}\n", paragraphs.join("\n\n"));
    let html = html(&paragraphs, &[], link, &link_text);
    (subject, text, html)
}

/// Subject, text and HTML of a handler's daily digest of the work queue.
pub fn queue_digest(
    lang: Language,
    name: &str,
    lines: &[(String, String)],
    link: &str,
) -> (String, String, String) {
    let (subject, greeting, body, link_text) = match lang {
        Language::De => (
            format!("Ihre Arbeitsliste: {} offene Vorgänge", lines.len()),
            format!("Guten Tag {name},"),
            "diese Vorgänge warten auf eine Antwort (früheste Frist zuerst):".to_string(),
            "Arbeitsliste öffnen".to_string(),
        ),
        Language::En => (
            format!("Your work queue: {} open items", lines.len()),
            format!("Hello {name},"),
            "these items wait for an answer (earliest deadline first):".to_string(),
            "Open the work queue".to_string(),
        ),
    };
    let mut text = format!("{greeting}\n\n{body}\n\n");
    for (a, b) in lines {
        text.push_str(&format!("  {a}  {b}\n"));
    }
    text.push_str(&format!("\n{link_text}: {link}\n"));
    (
        subject,
        text.clone(),
        html(&[greeting, body], lines, link, &link_text),
    )
}

/// Subject, text and HTML of the creditor's weekly digest: money recovered, decisions waiting,
/// and the retention trend (`lines`: label and value).
pub fn creditor_digest(
    lang: Language,
    name: &str,
    creditor: &str,
    lines: &[(String, String)],
    link: &str,
) -> (String, String, String) {
    let (subject, greeting, body, link_text) = match lang {
        Language::De => (
            format!("Ihre Woche mit Rapport – {creditor}"),
            format!("Guten Tag {name},"),
            "das Wichtigste der letzten sieben Tage:".to_string(),
            "Gläubigerportal öffnen".to_string(),
        ),
        Language::En => (
            format!("Your week with Rapport – {creditor}"),
            format!("Hello {name},"),
            "the main points of the last seven days:".to_string(),
            "Open the creditor portal".to_string(),
        ),
    };
    let mut text = format!("{greeting}\n\n{body}\n\n");
    for (a, b) in lines {
        text.push_str(&format!("  {a}: {b}\n"));
    }
    text.push_str(&format!("\n{link_text}: {link}\n"));
    (
        subject,
        text,
        html(&[greeting, body], lines, link, &link_text),
    )
}

/// Subject, text and HTML of the thank-you when a case is paid in full: it links to the creditor's
/// shop or site when the creditor gave one, so that the debtor stays a customer.
pub fn paid_in_full(
    lang: Language,
    name: &str,
    reference: &str,
    creditor: &str,
    website: Option<&str>,
    portal: &str,
) -> (String, String, String) {
    let (subject, greeting, body, link_text) = match lang {
        Language::De => (
            format!("Vollständig bezahlt – vielen Dank! – {reference}"),
            format!("Guten Tag {name},"),
            format!("Ihre Forderung von {creditor} ist vollständig bezahlt und Ihr Fall ist abgeschlossen. Vielen Dank! Sie erhalten dazu keine weiteren Schreiben von uns."),
            match website {
                Some(_) => format!("Weiter bei {creditor}"),
                None => "Ihren Fall online ansehen".to_string(),
            },
        ),
        Language::En => (
            format!("Paid in full – thank you! – {reference}"),
            format!("Hello {name},"),
            format!("your claim from {creditor} is paid in full and your case is closed. Thank you! You will receive no further letters from us about it."),
            match website {
                Some(_) => format!("Continue to {creditor}"),
                None => "See your case online".to_string(),
            },
        ),
    };
    let link = website.unwrap_or(portal);
    let text = format!("{greeting}\n\n{body}\n\n{link_text}: {link}\n");
    (
        subject,
        text,
        html(&[greeting, body], &[], link, &link_text),
    )
}

/// Subject, text and HTML of the note to a creditor's owners that their pause of a case has ended
/// and reminders run again. Bilingual: creditor users have no language setting.
pub fn creditor_pause_ended(
    reference: &str,
    debtor: &str,
    resumed_on: chrono::NaiveDate,
    link: &str,
) -> (String, String, String) {
    let subject = format!("Mahnungen laufen wieder / Reminders resume – {reference}");
    let de = format!(
        "Ihre Pause für den Fall {reference} ({debtor}) ist vorbei: Seit dem {} laufen die Erinnerungen wieder nach den Regeln der Kundengruppe.",
        format_date(Language::De, resumed_on)
    );
    let en = format!(
        "Your pause of case {reference} ({debtor}) is over: since {} reminders run again under the customer group's rules.",
        format_date(Language::En, resumed_on)
    );
    let link_text = "Übersicht / Overview".to_string();
    let text = format!("{de}\n\n{en}\n\n{link_text}: {link}\n");
    (subject, text, html(&[de, en], &[], link, &link_text))
}

/// The closing line of a notice sent as a letter: how to open the case without a personal link.
pub fn letter_access_line(lang: Language, reference: &str, start_url: &str) -> String {
    match lang {
        Language::De => format!("Ihr Aktenzeichen: {reference}. Ihren Fall sehen Sie unter {start_url} – mit dem Aktenzeichen und dem Zugangscode aus unserem ersten Schreiben."),
        Language::En => format!("Your case reference: {reference}. See your case at {start_url} with the reference and the access code from our first letter."),
    }
}

/// What an automatic notice of the dunning engine says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A payment reminder (the `n`-th, from 1).
    Reminder(u32),
    /// The last reminder before court dunning.
    FinalNotice,
    /// The case was handed over to court dunning.
    Escalated,
    /// An instalment falls due soon.
    InstalmentDue {
        number: u32,
        due: chrono::NaiveDate,
        amount: crate::domain::Money,
    },
    /// Instalments were missed; the plan still stands.
    InstalmentMissed { count: u32 },
    /// The plan is broken.
    PlanBroken,
}

/// Subject, text and HTML of an automatic notice, in the class's tone and the debtor's language.
pub fn notice(
    case: &crate::server::ports::DunningCase,
    what: Notice,
    link: &str,
) -> (String, String, String) {
    use crate::domain::dunning::Tone::*;
    let (lang, tone, name, reference, creditor) = (
        case.language,
        case.cadence.tone,
        case.debtor_name.as_str(),
        case.reference.as_str(),
        case.creditor_name.as_str(),
    );
    let bal = case.balance.format(lang);
    let de = lang == Language::De;
    let (subject, body): (String, String) = match (what, de) {
        (Notice::Reminder(n), true) => (
            format!("{n}. Zahlungserinnerung – {reference}"),
            match tone {
                Friendly => format!("sicher ist es Ihnen nur durchgerutscht: Für Ihren Auftrag bei {creditor} sind noch {bal} offen. Zahlen Sie bequem online oder sagen Sie uns, wenn etwas nicht stimmt oder Sie eine Ratenzahlung brauchen – wir finden eine Lösung."),
                Neutral => format!("für Ihre Forderung von {creditor} sind noch {bal} offen. Bitte zahlen Sie den Betrag oder sagen Sie uns, warum das gerade nicht geht."),
                Firm => format!("die Forderung von {creditor} über {bal} ist weiterhin offen. Bitte zahlen Sie jetzt. Wenn Sie nicht zahlen können oder die Forderung für falsch halten, sagen Sie es uns sofort online."),
            },
        ),
        (Notice::Reminder(n), false) => (
            format!("Payment reminder {n} – {reference}"),
            match tone {
                Friendly => format!("it has probably just slipped through: {bal} is still open for your order with {creditor}. Pay online in a minute, or tell us if something is wrong or you need an instalment plan – we will find a solution."),
                Neutral => format!("{bal} is still open on your claim from {creditor}. Please pay the amount or tell us why that is not possible right now."),
                Firm => format!("the claim from {creditor} of {bal} is still open. Please pay now. If you cannot pay or believe the claim is wrong, tell us online at once."),
            },
        ),
        (Notice::FinalNotice, true) => (
            format!("Letzte Mahnung vor dem gerichtlichen Mahnverfahren – {reference}"),
            format!("für Ihre Forderung von {creditor} sind noch {bal} offen. Dies ist die letzte Mahnung: Zahlen Sie nicht und melden Sie sich nicht, kann {creditor} das gerichtliche Mahnverfahren beantragen, das weitere Kosten verursacht. Eine Ratenzahlung oder ein Widerspruch ist weiterhin online möglich."),
        ),
        (Notice::FinalNotice, false) => (
            format!("Final notice before court dunning – {reference}"),
            format!("{bal} is still open on your claim from {creditor}. This is the final notice: if you neither pay nor get in touch, {creditor} may apply for a court payment order, which causes further costs. You can still propose an instalment plan or dispute the claim online."),
        ),
        (Notice::Escalated, true) => (
            format!("Abgabe an das gerichtliche Mahnverfahren – {reference}"),
            format!("da die Forderung von {creditor} über {bal} trotz Mahnungen offen ist, wird sie an das gerichtliche Mahnverfahren abgegeben. Sie können weiterhin zahlen oder uns schreiben."),
        ),
        (Notice::Escalated, false) => (
            format!("Handed over to court dunning – {reference}"),
            format!("as the claim from {creditor} of {bal} is still open after the reminders, it is handed over to the court dunning procedure. You can still pay or write to us."),
        ),
        (Notice::InstalmentDue { number, due, amount }, true) => (
            format!("Ihre {number}. Rate ist bald fällig – {reference}"),
            format!("am {} ist Ihre {number}. Rate über {} fällig. Bitte überweisen Sie sie rechtzeitig mit der Referenz {reference}.", format_date(lang, due), amount.format(lang)),
        ),
        (Notice::InstalmentDue { number, due, amount }, false) => (
            format!("Your instalment {number} is due soon – {reference}"),
            format!("your instalment {number} of {} is due on {}. Please transfer it in time with the reference {reference}.", amount.format(lang), format_date(lang, due)),
        ),
        (Notice::InstalmentMissed { count }, true) => (
            format!("Rate nicht eingegangen – {reference}"),
            format!("wir haben {count} fällige Rate(n) nicht erhalten. Bitte zahlen Sie den Rückstand jetzt, damit Ihre Ratenzahlung bestehen bleibt. Wenn Sie gerade nicht zahlen können, schreiben Sie uns – wir suchen eine Lösung."),
        ),
        (Notice::InstalmentMissed { count }, false) => (
            format!("Instalment not received – {reference}"),
            format!("we have not received {count} instalment(s) that fell due. Please pay what is overdue now so that your plan stays in place. If you cannot pay right now, write to us – we will look for a solution."),
        ),
        (Notice::PlanBroken, true) => (
            format!("Ihre Ratenzahlung ist beendet – {reference}"),
            format!("da mehrere Raten nicht eingegangen sind, ist die Ratenzahlung beendet und der offene Betrag von {bal} ist wieder fällig. Sie können online einen neuen Vorschlag machen oder uns schreiben; Ihre Sachbearbeitung sieht sich Ihren Fall an."),
        ),
        (Notice::PlanBroken, false) => (
            format!("Your instalment plan has ended – {reference}"),
            format!("as several instalments were not received, the instalment plan has ended and the open balance of {bal} is due again. You can propose a new plan online or write to us; your case handler will look at your case."),
        ),
    };
    let (greeting, link_text) = if de {
        (
            format!("Guten Tag {name},"),
            "Ihren Fall online ansehen, bezahlen oder antworten".to_string(),
        )
    } else {
        (
            format!("Hello {name},"),
            "See your case online, pay or reply".to_string(),
        )
    };
    let text = format!("{greeting}\n\n{body}\n\n{link_text}: {link}\n");
    let html = html(&[greeting, body], &[], link, &link_text);
    (subject, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Currency, Money};
    use chrono::NaiveDate;

    #[test]
    fn the_plan_confirmation_lists_every_date_in_the_language_and_escapes_names() {
        let schedule = [Instalment {
            number: 1,
            due: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            amount: Money::new(5_000, Currency::EUR),
        }];
        let (subject, text, html) = plan_agreed(
            Language::De,
            "<Anna>",
            "AKTE-1",
            &schedule,
            "https://portal.example/c/x",
        );
        assert_eq!(subject, "Ihre Ratenzahlung ist vereinbart – AKTE-1");
        assert!(
            text.contains("01.12.2026  50,00\u{a0}€")
                && text.contains("https://portal.example/c/x")
        );
        assert!(html.contains("&lt;Anna&gt;") && !html.contains("<Anna>"));
        let (subject, text, _) = plan_agreed(
            Language::En,
            "Anna",
            "AKTE-1",
            &schedule,
            "https://portal.example/c/x",
        );
        assert!(subject.starts_with("Your instalment plan"));
        assert!(text.contains("1 Dec 2026  €50.00"));
    }

    #[test]
    fn case_news_carries_the_handlers_words_and_the_link_in_both_parts() {
        let (subject, text, html) = case_news(
            Language::En,
            "Anna",
            "AKTE-1",
            "Your case handler has answered.",
            Some("We checked <it>."),
            "https://portal.example/c/x",
        );
        assert_eq!(subject, "News on your case – AKTE-1");
        assert!(text.contains("We checked <it>.") && text.contains("https://portal.example/c/x"));
        assert!(html.contains("We checked &lt;it&gt;."));
        let (subject, _, _) = case_news(Language::De, "Anna", "AKTE-1", "x", None, "l");
        assert_eq!(subject, "Neues zu Ihrem Fall – AKTE-1");
    }
}
