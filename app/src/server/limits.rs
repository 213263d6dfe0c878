//! Limits on attempts (sign-ins, debtor verifications, reference checks, API requests), counted in
//! the database so that they hold for every instance of the server at once.
//!
//! An attempt is *reserved* before the secret is checked: one atomic statement counts it and says
//! how many attempts the current window holds, so a burst of parallel requests gets no more tries
//! than the limit (no read of a counter followed by a separate decision). A success gives its
//! reservation back. Windows are fixed: they start with the first attempt and end `window_ms`
//! later, when counting starts afresh.
//!
//! Nothing here decides who the client is; the server puts the client's key (the address, behind
//! trusted proxies the forwarded one, IPv6 by /64) into each request.

use super::ports::StoreResult;
use async_trait::async_trait;

/// A limit: at most `max` attempts of one subject per window of `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Which counter: subjects of different scopes never share one.
    pub scope: &'static str,
    pub max: u32,
    pub window_ms: i64,
}

/// Failed staff and creditor sign-ins per client: 20 within 15 minutes. One client trying many
/// accounts is stopped here, which the per-account limit cannot do.
pub const SIGN_IN_CLIENT: Limit = Limit {
    scope: "sign-in-client",
    max: 20,
    window_ms: 15 * 60_000,
};

/// Failed sign-ins of one account (passwords and two-step codes together): 5 within 15 minutes.
pub const SIGN_IN_ACCOUNT: Limit = Limit {
    scope: "sign-in-account",
    max: 5,
    window_ms: 15 * 60_000,
};

/// Failed debtor verifications per client: 40 within 15 minutes — a person mistyping a code
/// needs a few, walking through many cases needs many.
pub const VERIFY_CLIENT: Limit = Limit {
    scope: "verify-client",
    max: 40,
    window_ms: 15 * 60_000,
};

/// Typed attempts (reference + access code + postcode) of one client at one case: 5 within 15
/// minutes. Counted per client, so a stranger who knows a printed reference locks out only
/// themselves, never the debtor.
pub const VERIFY_REFERENCE: Limit = Limit {
    scope: "verify-reference",
    max: 5,
    window_ms: 15 * 60_000,
};

/// Wrong postcodes at one case after a right first factor (the personal link, or the access
/// code): 5 within 15 minutes, whoever tries. Only someone holding the link or the letter's code
/// can reach this counter, so nobody else can lock the case.
pub const SECOND_FACTOR: Limit = Limit {
    scope: "second-factor",
    max: 5,
    window_ms: 15 * 60_000,
};

/// Public reference checks per client: 30 within 15 minutes — plenty for a person who wants to
/// know whether a letter is genuine, too few to walk through the references.
pub const REFERENCE_CHECKS: Limit = Limit {
    scope: "reference-check",
    max: 30,
    window_ms: 15 * 60_000,
};

/// Requests to the REST API per creditor (all its keys together) within a minute unless configured:
/// twenty a second, plenty for an ERP handing over claims, a stop for a runaway loop.
pub const API_REQUESTS_PER_MINUTE: u32 = 1_200;

/// The REST API's limit: `per_minute` requests per creditor.
pub fn api_requests(per_minute: u32) -> Limit {
    Limit {
        scope: "api",
        max: per_minute,
        window_ms: 60_000,
    }
}

/// How many attempts a subject's current window holds, this one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub tries: u32,
    pub window_start_ms: i64,
}

/// The shared store of attempt counters.
#[async_trait]
pub trait Attempts: Send + Sync {
    /// Counts one attempt of `subject` in `scope` atomically and returns the window's count with
    /// it. A window that started `window_ms` or longer before `now_ms` is replaced by a new one.
    async fn reserve(
        &self,
        scope: &'static str,
        subject: &str,
        window_ms: i64,
        now_ms: i64,
    ) -> StoreResult<Counted>;

    /// Takes one attempt back from the window that started at `window_start_ms` (if it is still
    /// the current one).
    async fn give_back(
        &self,
        scope: &'static str,
        subject: &str,
        window_start_ms: i64,
    ) -> StoreResult<()>;

    /// Forgets every attempt of `subject` in `scope` (a success that ends a lock).
    async fn clear(&self, scope: &'static str, subject: &str) -> StoreResult<()>;

    /// Removes windows that started before `before_ms`; returns how many.
    async fn forget_before(&self, before_ms: i64) -> StoreResult<u64>;
}

/// A reserved attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub limit: Limit,
    pub subject: String,
    pub counted: Counted,
    pub now_ms: i64,
}

impl Ticket {
    /// Whether this attempt is within the limit.
    pub fn allowed(&self) -> bool {
        self.counted.tries <= self.limit.max
    }

    /// Whether this attempt used the last try of the window (a failure now means a lock).
    pub fn last(&self) -> bool {
        self.counted.tries >= self.limit.max
    }

    /// Whole minutes, rounded up and at least one, until the window ends.
    pub fn minutes_left(&self) -> u32 {
        let ms = (self.counted.window_start_ms + self.limit.window_ms - self.now_ms).max(0);
        u32::try_from((ms + 59_999) / 60_000)
            .unwrap_or(u32::MAX)
            .max(1)
    }

    /// Seconds (at least one) until the window ends.
    pub fn seconds_left(&self) -> u64 {
        let ms = (self.counted.window_start_ms + self.limit.window_ms - self.now_ms).max(0);
        u64::try_from((ms + 999) / 1_000).unwrap_or(1).max(1)
    }

    /// Gives the attempt back (it succeeded and does not count against the limit).
    pub async fn give_back(&self, store: &dyn Attempts) -> StoreResult<()> {
        store
            .give_back(
                self.limit.scope,
                &self.subject,
                self.counted.window_start_ms,
            )
            .await
    }

    /// Ends the subject's window altogether (a success that lifts a lock).
    pub async fn clear(&self, store: &dyn Attempts) -> StoreResult<()> {
        store.clear(self.limit.scope, &self.subject).await
    }
}

/// Reserves one attempt of `subject` under `limit`.
pub async fn reserve(
    store: &dyn Attempts,
    limit: Limit,
    subject: &str,
    now_ms: i64,
) -> StoreResult<Ticket> {
    let counted = store
        .reserve(limit.scope, subject, limit.window_ms, now_ms)
        .await?;
    Ok(Ticket {
        limit,
        subject: subject.to_string(),
        counted,
        now_ms,
    })
}

/// The client's key for per-client limits, put into each request's extensions by the server
/// (see the server's `client` module for how it is found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKey(pub String);

/// Attempt counters in memory, for the use-cases' tests.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryAttempts {
    windows: std::sync::Mutex<std::collections::HashMap<(String, String), Counted>>,
}

#[cfg(test)]
#[async_trait]
impl Attempts for MemoryAttempts {
    async fn reserve(
        &self,
        scope: &'static str,
        subject: &str,
        window_ms: i64,
        now_ms: i64,
    ) -> StoreResult<Counted> {
        let mut windows = self.windows.lock().expect("lock");
        let w = windows
            .entry((scope.to_string(), subject.to_string()))
            .or_insert(Counted {
                tries: 0,
                window_start_ms: now_ms,
            });
        if w.window_start_ms <= now_ms - window_ms {
            *w = Counted {
                tries: 0,
                window_start_ms: now_ms,
            };
        }
        w.tries += 1;
        Ok(*w)
    }
    async fn give_back(
        &self,
        scope: &'static str,
        subject: &str,
        window_start_ms: i64,
    ) -> StoreResult<()> {
        let mut windows = self.windows.lock().expect("lock");
        if let Some(w) = windows.get_mut(&(scope.to_string(), subject.to_string())) {
            if w.window_start_ms == window_start_ms && w.tries > 0 {
                w.tries -= 1;
            }
        }
        Ok(())
    }
    async fn clear(&self, scope: &'static str, subject: &str) -> StoreResult<()> {
        self.windows
            .lock()
            .expect("lock")
            .remove(&(scope.to_string(), subject.to_string()));
        Ok(())
    }
    async fn forget_before(&self, before_ms: i64) -> StoreResult<u64> {
        let mut windows = self.windows.lock().expect("lock");
        let n = windows.len();
        windows.retain(|_, w| w.window_start_ms >= before_ms);
        Ok((n - windows.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: Limit = Limit {
        scope: "test",
        max: 2,
        window_ms: 1_000,
    };

    #[tokio::test]
    async fn a_window_holds_its_attempts_and_a_new_one_counts_afresh() {
        let store = MemoryAttempts::default();
        assert!(reserve(&store, TWO, "a", 0).await.expect("ok").allowed());
        let second = reserve(&store, TWO, "a", 10).await.expect("ok");
        assert!(second.allowed() && second.last());
        assert!(!reserve(&store, TWO, "a", 20).await.expect("ok").allowed());
        assert!(
            reserve(&store, TWO, "b", 20).await.expect("ok").allowed(),
            "other subjects are not affected"
        );
        let fresh = reserve(&store, TWO, "a", 1_000).await.expect("ok");
        assert!(fresh.allowed() && !fresh.last(), "the window passed");
    }

    #[tokio::test]
    async fn a_given_back_attempt_does_not_count() {
        let store = MemoryAttempts::default();
        let first = reserve(&store, TWO, "a", 0).await.expect("ok");
        first.give_back(&store).await.expect("ok");
        reserve(&store, TWO, "a", 1).await.expect("ok");
        assert!(reserve(&store, TWO, "a", 2).await.expect("ok").allowed());
    }

    #[tokio::test]
    async fn minutes_left_count_to_the_end_of_the_window() {
        let store = MemoryAttempts::default();
        let limit = Limit {
            window_ms: 15 * 60_000,
            ..TWO
        };
        reserve(&store, limit, "a", 0).await.expect("ok");
        let later = reserve(&store, limit, "a", 60_000).await.expect("ok");
        assert_eq!(later.minutes_left(), 14);
        assert_eq!(later.seconds_left(), 14 * 60);
        let last_second = reserve(&store, limit, "a", 15 * 60_000 - 1_000)
            .await
            .expect("ok");
        assert_eq!(last_second.minutes_left(), 1);
    }
}
