//! Matching a bank credit to a case: which references a payment may name a case by, in the order
//! they are tried, and what becomes of a credit once it is known which case (if any) it names.
//! The statement import decides with these rules in memory and hands the database what to write.

use super::references::RfReference;

/// How the case of a payment was found (kept with the booking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A valid RF reference in the structured creditor reference.
    Rf,
    /// A valid RF reference in the remittance text.
    RfText,
    /// A case reference in the remittance text, however it was typed.
    Reference,
}

impl Found {
    /// The code stored with the booking.
    pub fn code(self) -> &'static str {
        match self {
            Found::Rf => "rf",
            Found::RfText => "rf_text",
            Found::Reference => "reference",
        }
    }
}

/// The references a payment may name a case by, normalised to letters and digits, in the order
/// they are tried: the structured RF reference, RF references in the text, then case references in
/// the text. `text` is everything the payer wrote (remittance and additional information).
pub fn candidates(creditor_ref: Option<&str>, text: &str) -> Vec<(String, Found)> {
    let mut out: Vec<(String, Found)> = Vec::new();
    if let Some(rf) = creditor_ref.and_then(|r| RfReference::parse(r).ok()) {
        out.push((rf.payload().to_string(), Found::Rf));
    }
    for rf in RfReference::find_in_text(text) {
        out.push((rf.payload().to_string(), Found::RfText));
    }
    for token in reference_candidates(text) {
        out.push((token, Found::Reference));
    }
    out
}

/// The case reference candidates in a remittance text: letter-digit groups joined across `-`,
/// spaces and nothing, normalised to letters and digits (`AKTE-2026-000101` → `AKTE2026000101`).
pub fn reference_candidates(text: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let tokens: Vec<&str> = upper
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = Vec::new();
    for start in 0..tokens.len() {
        let mut joined = String::new();
        for t in tokens.iter().skip(start).take(4) {
            joined.extend(t.chars().filter(char::is_ascii_alphanumeric));
            if joined.len() >= 8
                && joined.len() <= 30
                && joined.chars().any(|c| c.is_ascii_digit())
                && joined
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && !out.contains(&joined)
            {
                out.push(joined.clone());
            }
        }
    }
    out
}

/// Whether a case in the stored state `state` takes a payment without a person looking: not one
/// that is paid or closed already.
pub fn books_automatically(state: &str) -> bool {
    !matches!(state, "closed" | "paid")
}

/// What becomes of a credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Booked on the case it names.
    Book,
    /// A person decides, for this reason (`reversal`, `currency`, `batch_sum_mismatch`,
    /// `case_closed`).
    Review(&'static str),
    /// It names no case: it waits for a person, perhaps with a suggestion.
    Unmatched,
}

/// The route of a credit: `review` when the file already says a person must look (and why), else
/// by the state of the case it names, if any — never a booking on a guess or on an ended case.
pub fn route(review: Option<&'static str>, named_case_state: Option<&str>) -> Route {
    match (review, named_case_state) {
        (Some(reason), _) => Route::Review(reason),
        (None, Some(state)) if books_automatically(state) => Route::Book,
        (None, Some(_)) => Route::Review("case_closed"),
        (None, None) => Route::Unmatched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_references_are_found_however_they_were_typed() {
        let c = reference_candidates("Rechnung akte 2026 000101 danke");
        assert!(c.contains(&"AKTE2026000101".to_string()), "{c:?}");
        let c = reference_candidates("AKTE-2026-000101");
        assert!(c.contains(&"AKTE2026000101".to_string()));
        assert!(
            reference_candidates("Vielen Dank fuer alles").is_empty(),
            "no digits"
        );
        assert!(
            reference_candidates("12345678 2026").is_empty(),
            "no letter first"
        );
    }

    #[test]
    fn the_structured_rf_reference_is_tried_before_anything_the_payer_wrote() {
        let rf = RfReference::create("AKTE2026000101").expect("rf");
        let text = format!("Danke, AKTE-2026-000999 und {rf}");
        let found = candidates(Some(&rf.to_string()), &text);
        assert_eq!(found[0], ("AKTE2026000101".to_string(), Found::Rf));
        assert_eq!(found[1], ("AKTE2026000101".to_string(), Found::RfText));
        assert!(found.contains(&("AKTE2026000999".to_string(), Found::Reference)));
        // An RF reference with a wrong check digit is no reference.
        let found = candidates(Some("RF00AKTE2026000101"), "");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn only_a_running_case_is_booked_and_the_file_can_ask_for_a_person_first() {
        assert_eq!(route(None, Some("open")), Route::Book);
        assert_eq!(route(None, Some("plan_agreed")), Route::Book);
        assert_eq!(route(None, Some("paid")), Route::Review("case_closed"));
        assert_eq!(route(None, Some("closed")), Route::Review("case_closed"));
        assert_eq!(route(None, None), Route::Unmatched);
        assert_eq!(
            route(Some("reversal"), Some("open")),
            Route::Review("reversal")
        );
    }
}
