//! What use-case tests share: a clock that stands still until moved, and an [`AppState`] around
//! an in-memory fake of just the ports the use-case under test names.

use crate::server::ports::Clock;
use crate::server::{AppState, Settings};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A clock that shows what it was set to.
pub(crate) struct FakeClock(pub AtomicI64);

impl FakeClock {
    pub(crate) fn at(ms: i64) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(ms)))
    }

    pub(crate) fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The settings of a portal at `http://localhost` with nothing optional configured.
pub(crate) fn settings() -> Settings {
    Settings {
        base_url: "http://localhost".into(),
        debtor_session_absolute_ms: 2 * 3_600_000,
        secure_cookies: false,
        agency: Default::default(),
        content_security_policy: String::new(),
        stylesheet: "/pkg/rapport.css".into(),
        require_two_step: false,
        webhook_loopback: false,
        session_key: crate::server::sealing::SealingKey::random(),
        sealing_key: None,
    }
}

/// The application's state around `store`, at the time of `clock`.
pub(crate) fn state<S>(store: Arc<S>, clock: Arc<FakeClock>) -> AppState<S> {
    AppState {
        store,
        attempts: Arc::new(crate::server::limits::MemoryAttempts::default()),
        scanner: None,
        provider: None,
        clock,
        settings: Arc::new(settings()),
    }
}
