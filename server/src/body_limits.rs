//! How large a request may be, per route, before anything reads it.
//!
//! Every route gets a body limit that fits its purpose: the uploads their files (with room to tell
//! a person that a file is too large), everything else 2 MiB. A request that says it is larger is
//! answered 413 at once; one that does not say (chunked) is cut off at the limit while it streams.
//! The multipart routes also need a proper `multipart/form-data` content type with a boundary,
//! else 400 — without one the multipart decoder would not even start.

use app::server::{dialogue, imports, reconciliation, retention};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Response};

/// The body limit of every route without its own.
pub const DEFAULT_LIMIT: usize = 2 * 1024 * 1024;

/// The multipart server functions and the largest body each takes.
fn multipart_limit(path: &str) -> Option<usize> {
    const MIB: usize = 1024 * 1024;
    // One file more than allowed fits, so that the form can say "too many files" itself.
    let documents = (dialogue::MAX_FILES + 1) * dialogue::MAX_FILE_BYTES + MIB;
    // Five times the file limit: a file too large is still read to its end (and dropped while it
    // streams) so that the form can name it; only a far larger request is cut off.
    let one_file = |max: usize| 5 * max + MIB;
    match path {
        "/api/send_message" | "/api/open_dispute" | "/api/claim_payment" => Some(documents),
        "/api/upload_statement" => Some(one_file(reconciliation::MAX_UPLOAD_BYTES)),
        "/api/upload_claims" => Some(one_file(imports::MAX_BYTES)),
        "/api/upload_activities" => Some(one_file(retention::MAX_BYTES)),
        _ => None,
    }
}

/// Whether a content type is `multipart/form-data` with a non-empty boundary.
fn has_boundary(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    parts
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
        && parts.any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("boundary") && !v.trim().trim_matches('"').is_empty()
            })
        })
}

/// Middleware: the body limit of the request's route, and the multipart routes' content type.
pub async fn bounded(request: Request<Body>, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    let multipart = multipart_limit(path);
    let limit = multipart.unwrap_or(DEFAULT_LIMIT);
    if multipart.is_some() && request.method() == axum::http::Method::POST {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !has_boundary(content_type) {
            return (
                StatusCode::BAD_REQUEST,
                "This form is sent as multipart/form-data with a boundary.",
            )
                .into_response();
        }
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request is larger than this form takes.",
        )
            .into_response();
    }
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_form_needs_its_boundary() {
        assert!(has_boundary("multipart/form-data; boundary=abc"));
        assert!(has_boundary("Multipart/Form-Data;boundary=\"x y\""));
        assert!(!has_boundary("multipart/form-data"));
        assert!(!has_boundary("multipart/form-data; boundary="));
        assert!(!has_boundary("application/x-www-form-urlencoded"));
        assert!(!has_boundary(""));
    }

    #[test]
    fn uploads_take_their_files_and_everything_else_two_mebibytes() {
        assert!(multipart_limit("/api/send_message").is_some_and(|n| n > 50 * 1024 * 1024));
        assert!(multipart_limit("/api/upload_statement").is_some_and(|n| n < 60 * 1024 * 1024));
        assert_eq!(multipart_limit("/api/staff_reply"), None);
    }
}
