//! The debtor keeps their contact data right: email, phone, postal address, language and the
//! preferred channel. Every change is audited with the names of the fields changed (not their
//! values, which are personal data and stay in the debtor's record only).

use crate::domain::access::normalize_postcode;
use crate::dto::ContactView;
use crate::error::{AppError, FormErrors, Problem};
use crate::server::ports::AuditEntry;
use crate::server::ports::Contacts;
use crate::server::AppState;

const MAX: usize = 200;

/// A plausible email address: one `@`, something before it, a dot in the domain, no spaces.
pub fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.contains(char::is_whitespace)
        && !domain.contains('@')
}

/// Checks the submitted data; every wrong field is named, and the values are kept for the form.
pub fn check(input: &ContactView) -> Result<ContactView, FormErrors> {
    let mut errors = FormErrors::default();
    let mut out = ContactView {
        email: input.email.trim().to_string(),
        phone: input.phone.trim().to_string(),
        street: input.street.trim().to_string(),
        postcode: input.postcode.trim().to_string(),
        city: input.city.trim().to_string(),
        language: input.language.clone(),
        channel: input.channel.clone(),
        form_key: String::new(),
    };
    for (field, value) in [
        ("email", &out.email),
        ("phone", &out.phone),
        ("street", &out.street),
        ("postcode", &out.postcode),
        ("city", &out.city),
    ] {
        errors = errors.keep(field, value);
        if value.chars().count() > MAX {
            errors = errors.field(field, Problem::TooLong { max: MAX as u32 });
        }
    }
    if !out.email.is_empty() && !plausible_email(&out.email) {
        errors = errors.field("email", Problem::InvalidFormat);
    }
    if !out.phone.is_empty()
        && !out
            .phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-/()".contains(c))
    {
        errors = errors.field("phone", Problem::InvalidFormat);
    }
    for (field, value) in [("street", &out.street), ("city", &out.city)] {
        if value.is_empty() {
            errors = errors.field(field, Problem::Required);
        }
    }
    if normalize_postcode(&out.postcode).is_empty() {
        errors = errors.field("postcode", Problem::Required);
    }
    if !matches!(out.language.as_str(), "de" | "en") {
        out.language = "de".into();
    }
    match out.channel.as_str() {
        "email" if out.email.is_empty() => errors = errors.field("email", Problem::Required),
        "email" | "letter" => {}
        _ => out.channel = "letter".into(),
    }
    if errors.fields.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Saves the contact data of the case's debtor.
pub async fn save<S: Contacts + ?Sized>(
    state: &AppState<S>,
    case_id: i64,
    input: ContactView,
    request_id: Option<String>,
) -> Result<(), AppError> {
    let new = check(&input).map_err(AppError::Validation)?;
    let old = state
        .store
        .contact(case_id)
        .await
        .map_err(|_| AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    let changed: Vec<&str> = [
        ("email", old.email != new.email),
        ("phone", old.phone != new.phone),
        ("street", old.street != new.street),
        ("postcode", old.postcode != new.postcode),
        ("city", old.city != new.city),
        ("language", old.language != new.language),
        ("channel", old.channel != new.channel),
    ]
    .into_iter()
    .filter_map(|(f, c)| c.then_some(f))
    .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let audit = AuditEntry {
        at_ms: state.clock.now_ms(),
        actor_kind: "debtor",
        actor_id: None,
        case_id: Some(case_id),
        action: "debtor.contact",
        detail: format!(r#"{{"changed":["{}"]}}"#, changed.join(r#"",""#)),
        request_id,
    };
    state
        .store
        .save_contact(case_id, new, audit)
        .await
        .map_err(|_| AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContactView {
        ContactView {
            email: " anna@example.org ".into(),
            phone: "+49 30 123456".into(),
            street: "Lindenweg 3".into(),
            postcode: "10115".into(),
            city: "Berlin".into(),
            language: "en".into(),
            channel: "email".into(),
            form_key: String::new(),
        }
    }

    #[test]
    fn good_contact_data_is_trimmed_and_bad_fields_are_named() {
        let ok = check(&input()).expect("valid");
        assert_eq!(ok.email, "anna@example.org");
        let bad = check(&ContactView {
            email: "anna@".into(),
            phone: "call me".into(),
            street: String::new(),
            ..input()
        })
        .expect_err("invalid");
        assert_eq!(bad.fields["email"], vec![Problem::InvalidFormat]);
        assert_eq!(bad.fields["phone"], vec![Problem::InvalidFormat]);
        assert_eq!(bad.fields["street"], vec![Problem::Required]);
        let no_email = check(&ContactView {
            email: String::new(),
            ..input()
        })
        .expect_err("email channel needs an address");
        assert_eq!(no_email.fields["email"], vec![Problem::Required]);
        assert!(check(&ContactView {
            email: String::new(),
            channel: "letter".into(),
            ..input()
        })
        .is_ok());
    }
}
