//! The languages Rapport speaks. Every user-facing text exists in each of them.

use serde::{Deserialize, Serialize};

/// A user's chosen language. German is the default because the legal texts are German.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    /// German (the default).
    De,
    /// English.
    En,
}

impl Language {
    /// All languages, in the order the language switch shows them.
    pub const ALL: [Language; 2] = [Language::De, Language::En];

    /// The BCP 47 tag used in `<html lang>`, cookies and the database.
    pub fn code(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }

    /// Parses a stored or submitted code (`de`, `en`, also `de-DE`, `EN`); unknown codes give `None`.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "de" => Some(Language::De),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// Picks the first supported language from an HTTP `Accept-Language` header value, honouring
    /// q-values; falls back to the default when nothing matches.
    pub fn negotiate(accept_language: &str) -> Language {
        let mut best: Option<(f32, Language)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Language::from_code(tag) {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The language's own name, as shown on the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::De => "Deutsch",
            Language::En => "English",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_regional_variants_are_accepted() {
        for lang in Language::ALL {
            assert_eq!(Language::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Language::from_code("de-AT"), Some(Language::De));
        assert_eq!(Language::from_code("EN_gb"), Some(Language::En));
        assert_eq!(Language::from_code("fr"), None);
    }

    #[test]
    fn accept_language_negotiation_respects_quality_values() {
        assert_eq!(
            Language::negotiate("fr-FR, en;q=0.8, de;q=0.9"),
            Language::De
        );
        assert_eq!(Language::negotiate("en-US,en;q=0.9"), Language::En);
        assert_eq!(Language::negotiate("fr, es"), Language::De);
        assert_eq!(Language::negotiate(""), Language::De);
    }
}
