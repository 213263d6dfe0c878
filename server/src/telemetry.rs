//! Logging: `tracing` to stderr, filtered by `RAPPORT_LOG`. Every line logged while a request is
//! handled carries that request's id (from the `request` span opened in `startup`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests spawn many apps) are ignored.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The request path as it may be logged: the secret token of a personal link is replaced.
pub fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/c/") {
        Some(_) => "/c/[token]".to_string(),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn link_tokens_never_reach_the_log() {
        assert_eq!(loggable_path("/c/abcdef123"), "/c/[token]");
        assert_eq!(loggable_path("/case"), "/case");
    }
}
