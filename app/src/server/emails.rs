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
