//! Reply templates with placeholders such as `{name}`, `{balance}` and `{link}`.
//!
//! Rendering is strict: an unknown placeholder or an unclosed brace is an error naming it, so a
//! typo in a template is caught when the supervisor saves it, not when a debtor reads `{nmae}`.

use std::collections::BTreeMap;

/// The placeholders a template may use, in the order the editor lists them.
pub const PLACEHOLDERS: [&str; 6] = [
    "name",
    "reference",
    "balance",
    "creditor",
    "link",
    "handler",
];

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{something}` that is not one of [`PLACEHOLDERS`].
    #[error("unknown placeholder {{{0}}}")]
    Unknown(String),
    /// A `{` without its `}`.
    #[error("a brace is not closed")]
    Unclosed,
}

/// Checks a template without values: every placeholder must be known.
pub fn check(template: &str) -> Result<(), TemplateError> {
    let values: BTreeMap<&str, String> = PLACEHOLDERS.iter().map(|p| (*p, String::new())).collect();
    render(template, &values).map(|_| ())
}

/// Fills in the placeholders. `{{` and `}}` stand for literal braces.
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let end = after.find('}').ok_or(TemplateError::Unclosed)?;
            let name = after[..end].trim();
            let value = values
                .get(name)
                .filter(|_| PLACEHOLDERS.contains(&name))
                .ok_or_else(|| TemplateError::Unknown(name.to_string()))?;
            out.push_str(value);
            rest = &after[end + 1..];
        } else {
            // A lone `}` is kept as it is.
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<&'static str, String> {
        [
            ("name", "Anna Beispiel"),
            ("reference", "R-2026-000001"),
            ("balance", "272,23 €"),
            ("creditor", "Muster GmbH"),
            ("link", "https://portal.example/c/abc"),
            ("handler", "Lea Sommer"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect()
    }

    #[test]
    fn placeholders_are_filled_in_and_double_braces_stay_literal() {
        let text = render(
            "Hallo {name}, offen sind {balance} ({{Stand heute}}). {link}",
            &values(),
        )
        .expect("renders");
        assert_eq!(
            text,
            "Hallo Anna Beispiel, offen sind 272,23 € ({Stand heute}). https://portal.example/c/abc"
        );
    }

    #[test]
    fn unknown_and_unclosed_placeholders_are_named() {
        assert_eq!(
            render("Hallo {nmae}", &values()),
            Err(TemplateError::Unknown("nmae".into()))
        );
        assert_eq!(check("Hallo {name"), Err(TemplateError::Unclosed));
        assert_eq!(check("{ balance } und {creditor}"), Ok(()));
    }
}
