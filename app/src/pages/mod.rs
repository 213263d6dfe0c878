//! One file per page. Pages own their resources and actions and reach data only through `api`.

mod creditor;
mod debtor;
mod not_found;
mod security;
pub(crate) mod staff;

pub use creditor::{
    ApiKeysPage, ClassPage, ClassesPage, ConsentPage, CreditorAccountPage, CreditorLoginPage,
    CreditorTeamPage, CustomerRelationship, ImportJobPage, ImportPage, OverviewPage,
    RemittancesPage, RetentionDashboard, WebhooksPage,
};
pub use debtor::{
    CasePage, CheckPage, ContactPage, DisputePage, MessagePage, PaidPage, PayPage, PlanPage,
    StartPage, VerifyPage,
};
pub use not_found::NotFoundPage;
pub use staff::{
    AccountPage, PaymentsPage, QueuePage, SettingsPage, StaffCasePage, StaffLoginPage, TeamPage,
    TemplatesPage,
};

/// A query string of the non-empty `values` (URL-encoded) and, if given, the page: for page links
/// and downloads that keep a list's filters.
pub(crate) fn query_string(o: &[(&str, Option<String>)], page: Option<u32>) -> String {
    let mut parts: Vec<String> = o
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", urlencode(v)))
        })
        .collect();
    if let Some(p) = page {
        parts.push(format!("page={p}"));
    }
    parts.join("&")
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_strings_keep_filled_values_encoded() {
        let values = [
            ("state", Some("disputed".to_string())),
            ("class", Some(String::new())),
            ("q", Some("Müller & Söhne".to_string())),
            ("kind", None),
        ];
        assert_eq!(
            super::query_string(&values, Some(2)),
            "state=disputed&q=M%C3%BCller%20%26%20S%C3%B6hne&page=2"
        );
        assert_eq!(super::query_string(&values[..1], None), "state=disputed");
    }
}
