//! The creditor portal's texts beyond sign-in and consents, German and English.

use crate::domain::Language;

/// Every sentence of the creditor portal's pages, per language.
pub struct CreditorTexts {
    pub nav_label: &'static str,
    pub nav_consents: &'static str,
    pub nav_api_keys: &'static str,

    pub keys_title: &'static str,
    pub keys_intro: &'static str,
    pub keys_docs: &'static str,
    pub keys_empty: &'static str,
    pub keys_new_heading: &'static str,
    pub keys_name_label: &'static str,
    pub keys_create: &'static str,
    pub keys_created: &'static str,
    pub keys_copy_now: &'static str,
    pub keys_col_name: &'static str,
    pub keys_col_prefix: &'static str,
    pub keys_col_created: &'static str,
    pub keys_col_used: &'static str,
    pub keys_col_state: &'static str,
    pub keys_never_used: &'static str,
    pub keys_active: &'static str,
    pub keys_revoked: fn(&str) -> String,
    pub keys_revoke: &'static str,
    pub keys_done: fn(&str) -> String,
}

/// The creditor portal's texts in `lang`.
pub fn creditor_tr(lang: Language) -> &'static CreditorTexts {
    match lang {
        Language::De => &DE,
        Language::En => &EN,
    }
}

static DE: CreditorTexts = CreditorTexts {
    nav_label: "Gläubigerportal",
    nav_consents: "Zustimmungen",
    nav_api_keys: "API-Schlüssel",

    keys_title: "API-Schlüssel",
    keys_intro: "Mit einem API-Schlüssel übergibt Ihr System Forderungen über die Schnittstelle /api/v1. Jeder Schlüssel gilt nur für Ihre Forderungen.",
    keys_docs: "Beschreibung der Schnittstelle (OpenAPI)",
    keys_empty: "Noch keine Schlüssel.",
    keys_new_heading: "Neuer Schlüssel",
    keys_name_label: "Wofür ist der Schlüssel? (z. B. „Buchhaltung“)",
    keys_create: "Schlüssel erzeugen",
    keys_created: "Ihr neuer Schlüssel:",
    keys_copy_now: "Kopieren Sie ihn jetzt. Er wird nur dieses eine Mal angezeigt; wir speichern ihn nicht.",
    keys_col_name: "Name",
    keys_col_prefix: "Beginnt mit",
    keys_col_created: "Erzeugt",
    keys_col_used: "Zuletzt benutzt",
    keys_col_state: "Status",
    keys_never_used: "nie",
    keys_active: "gültig",
    keys_revoked: |when| format!("widerrufen am {when}"),
    keys_revoke: "Widerrufen",
    keys_done: |d| match d {
        "revoked" => "Der Schlüssel ist widerrufen; Anfragen damit werden ab sofort abgewiesen.".to_string(),
        _ => "Der Schlüssel ist erzeugt.".to_string(),
    },
};

static EN: CreditorTexts = CreditorTexts {
    nav_label: "Creditor portal",
    nav_consents: "Consents",
    nav_api_keys: "API keys",

    keys_title: "API keys",
    keys_intro: "With an API key your system hands over claims through the /api/v1 interface. Each key works only for your claims.",
    keys_docs: "Interface description (OpenAPI)",
    keys_empty: "No keys yet.",
    keys_new_heading: "New key",
    keys_name_label: "What is the key for? (e.g. “Accounting”)",
    keys_create: "Create key",
    keys_created: "Your new key:",
    keys_copy_now: "Copy it now. It is shown only this once; we do not store it.",
    keys_col_name: "Name",
    keys_col_prefix: "Starts with",
    keys_col_created: "Created",
    keys_col_used: "Last used",
    keys_col_state: "State",
    keys_never_used: "never",
    keys_active: "valid",
    keys_revoked: |when| format!("revoked on {when}"),
    keys_revoke: "Revoke",
    keys_done: |d| match d {
        "revoked" => "The key is revoked; requests with it are refused from now on.".to_string(),
        _ => "The key is created.".to_string(),
    },
};
