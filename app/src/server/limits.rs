//! Limits per client address, kept in memory by each server process.

use std::collections::HashMap;
use std::sync::Mutex;

/// Attempts per client address: at most `max` within `window_ms`. Used for failed staff logins
/// (stops one client from trying many accounts, which the per-account lockout cannot) and for the
/// public reference check (stops one client from walking through every reference).
pub struct ClientLimiter {
    max: u32,
    window_ms: i64,
    seen: Mutex<HashMap<String, (u32, i64)>>,
}

impl ClientLimiter {
    pub fn new(max: u32, window_ms: i64) -> ClientLimiter {
        ClientLimiter {
            max,
            window_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `client` may try now.
    pub fn allows(&self, client: &str, now_ms: i64) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(client)
            .is_none_or(|(n, since)| *n < self.max || now_ms - since > self.window_ms)
    }

    /// Counts an attempt of `client`.
    pub fn count(&self, client: &str, now_ms: i64) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            let window = self.window_ms;
            seen.retain(|_, (_, since)| now_ms - *since <= window);
        }
        let entry = seen.entry(client.to_string()).or_insert((0, now_ms));
        if now_ms - entry.1 > self.window_ms {
            *entry = (0, now_ms);
        }
        entry.0 += 1;
    }

    /// Seconds (at least one) until the window of `client` ends.
    pub fn seconds_left(&self, client: &str, now_ms: i64) -> u64 {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(client).map_or(1, |(_, since)| {
            let ms = (since + self.window_ms - now_ms).max(0);
            u64::try_from((ms + 999) / 1_000).unwrap_or(1).max(1)
        })
    }

    /// Whole minutes (at least one) until `client` may try again.
    pub fn minutes_left(&self, client: &str, now_ms: i64) -> u32 {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(client).map_or(1, |(_, since)| {
            u32::try_from((since + self.window_ms - now_ms).max(0) / 60_000 + 1).unwrap_or(1)
        })
    }
}

/// Failed staff sign-ins: 20 per client address within 15 minutes.
pub fn failed_logins() -> ClientLimiter {
    ClientLimiter::new(20, 15 * 60_000)
}

/// Failed debtor verifications: 40 per client address within 15 minutes — a person mistyping a
/// code needs a few, walking through many cases (each of which locks after 5) needs many.
pub fn failed_verifications() -> ClientLimiter {
    ClientLimiter::new(40, 15 * 60_000)
}

/// Public reference checks: 30 per client address within 15 minutes — plenty for a person who
/// wants to know whether a letter is genuine, too few to walk through the references.
pub fn reference_checks() -> ClientLimiter {
    ClientLimiter::new(30, 15 * 60_000)
}

/// Requests to the REST API per creditor (all its keys together) within a minute unless configured:
/// twenty a second, plenty for an ERP handing over claims, a stop for a runaway loop.
pub const API_REQUESTS_PER_MINUTE: u32 = 1_200;

/// The REST API's limit: `per_minute` requests per creditor.
pub fn api_requests(per_minute: u32) -> ClientLimiter {
    ClientLimiter::new(per_minute, 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_counts_attempts_per_client_within_a_window() {
        let limiter = ClientLimiter::new(2, 1_000);
        assert!(limiter.allows("a", 0));
        limiter.count("a", 0);
        limiter.count("a", 10);
        assert!(!limiter.allows("a", 20));
        assert!(limiter.allows("b", 20), "other clients are not affected");
        assert!(limiter.allows("a", 1_500), "the window passes");
        limiter.count("a", 1_500);
        assert!(
            limiter.allows("a", 1_600),
            "a new window starts counting afresh"
        );
    }

    #[test]
    fn minutes_left_counts_to_the_end_of_the_window() {
        let limiter = ClientLimiter::new(1, 15 * 60_000);
        limiter.count("a", 0);
        assert_eq!(limiter.minutes_left("a", 60_000), 15);
        assert_eq!(limiter.minutes_left("b", 60_000), 1);
    }
}
