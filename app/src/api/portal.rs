//! Server functions every visitor may call, signed in or not.

use crate::error::AppError;
use leptos::prelude::*;

/// Only same-site paths are allowed as redirect targets (no `//host` or `https://…`), so the
/// language switch cannot be turned into an open redirect.
pub fn safe_return_path(path: &str) -> &str {
    // Browsers drop tabs and line breaks from a Location, so `/\t/evil.example` would become
    // `//evil.example`: no control character passes.
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.contains("://")
        && !path.chars().any(char::is_control);
    if ok {
        path
    } else {
        "/"
    }
}

/// Remembers the chosen language in a cookie for a year and goes back to the page it came from.
/// Used by a plain HTML form, so it works the same with and without JavaScript.
#[server(endpoint = "set_language")]
pub async fn set_language(lang: String, return_to: String) -> Result<(), AppError> {
    use crate::domain::Language;
    use crate::i18n::LANGUAGE_COOKIE;
    let lang = Language::from_code(&lang).unwrap_or_default();
    let secure = super::support::state()
        .map(|s| s.settings.secure_cookies)
        .unwrap_or(true);
    let cookie = format!(
        "{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        lang.code(),
        if secure { "; Secure" } else { "" }
    );
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let value = http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    leptos_axum::redirect(safe_return_path(&return_to));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn only_local_paths_are_followed_after_switching_language() {
        assert_eq!(safe_return_path("/case"), "/case");
        assert_eq!(safe_return_path("/c/abc"), "/c/abc");
        assert_eq!(safe_return_path("//evil.example/"), "/");
        assert_eq!(safe_return_path("https://evil.example/"), "/");
        assert_eq!(safe_return_path("/\\evil.example"), "/");
        assert_eq!(safe_return_path("case"), "/");
        assert_eq!(
            safe_return_path("/\t/evil.example"),
            "/",
            "a tab browsers drop"
        );
        assert_eq!(safe_return_path("/\n/evil.example"), "/");
    }
}
