//! The debtor's statement of claim as a PDF: everything the case page shows under § 13a RDG, in the
//! debtor's language, for keeping or printing.

use crate::pdf::{render, Line};
use app::domain::claim::ItemKind;
use app::domain::Language;
use app::dto::CaseView;
use app::i18n::{format_date, interest_detail, item_meta, tr};
use app::server::Agency;

/// The statement's lines.
pub fn lines(case: &CaseView, agency: &Agency, lang: Language) -> Vec<Line> {
    let t = tr(lang);
    let mut out = vec![
        Line::Heading(agency.name.clone()),
        Line::Text(agency.address.join(", ")),
        Line::Gap,
        Line::Title(t.statement_title.to_string()),
        Line::Text((t.statement_intro)(
            &case.reference,
            &format_date(lang, case.as_of),
        )),
        Line::Gap,
        Line::Heading(t.creditor_heading.to_string()),
        Line::Text(format!(
            "{}, {}, {} {}, {}",
            case.creditor.name,
            case.creditor.address.street,
            case.creditor.address.postcode,
            case.creditor.address.city,
            case.creditor.address.country
        )),
        Line::Gap,
    ];
    for claim in &case.claims {
        out.push(Line::Heading((t.claim_heading)(&claim.subject)));
        if let Some(d) = claim.contract_date {
            out.push(Line::Text(format!(
                "{}: {}",
                t.contract_date,
                format_date(lang, d)
            )));
        }
        if let Some(n) = &claim.invoice_number {
            out.push(Line::Text(format!("{}: {n}", t.invoice_number)));
        }
        out.push(Line::Text(format!(
            "{}: {}",
            t.due_since,
            format_date(lang, claim.due_date)
        )));
        for item in &claim.items {
            let kind = match item.kind {
                ItemKind::Principal => t.principal,
                ItemKind::Interest => t.interest,
                ItemKind::Cost => t.costs,
            };
            out.push(Line::Row(
                format!("{kind}: {}", item.description),
                item.amount.format(lang),
            ));
            out.push(Line::Detail(item_meta(lang, item)));
            if let Some(i) = &item.interest {
                out.push(Line::Detail(interest_detail(lang, i)));
            }
        }
        out.push(Line::Row(
            t.claim_total.to_string(),
            claim.total.format(lang),
        ));
        out.push(Line::Gap);
    }
    out.push(Line::Heading(t.payments_heading.to_string()));
    if case.payments.is_empty() {
        out.push(Line::Text(t.no_payments.to_string()));
    }
    for p in &case.payments {
        out.push(Line::Row(
            format_date(lang, p.value_date),
            p.amount.format(lang),
        ));
    }
    out.push(Line::Gap);
    out.push(Line::Heading(t.summary_heading.to_string()));
    let s = case.summary;
    for (label, amount) in [
        (t.principal, s.principal),
        (t.interest, s.interest),
        (t.costs, s.costs),
        (t.payments, s.payments),
    ] {
        out.push(Line::Row(label.to_string(), amount.format(lang)));
    }
    out.push(Line::Heading(format!(
        "{}: {}",
        t.balance,
        s.balance.format(lang)
    )));
    if let Some(day) = case.interest_stopped_at {
        let last = day.pred_opt().unwrap_or(day);
        out.push(Line::Text((t.interest_stopped)(&format_date(lang, last))));
    }
    if case
        .claims
        .iter()
        .flat_map(|c| c.items.iter())
        .any(|i| i.vat_included)
    {
        out.push(Line::Gap);
        out.push(Line::Text(t.vat_statement.to_string()));
    }
    if case.address_researched {
        out.push(Line::Gap);
        out.push(Line::Text(format!(
            "{} {}",
            t.address_researched, t.address_researched_fix
        )));
    }
    if !case.supervisory_authority.is_empty() {
        out.push(Line::Gap);
        out.push(Line::Heading(t.authority_heading.to_string()));
        out.push(Line::Text(case.supervisory_authority.join(", ")));
    }
    out
}

/// The statement as a PDF document.
pub fn pdf(case: &CaseView, agency: &Agency, lang: Language) -> Vec<u8> {
    render(
        &format!("{} {}", tr(lang).statement_title, case.reference),
        &lines(case, agency, lang),
    )
}
