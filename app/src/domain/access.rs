//! How a debtor proves they hold the letter: case references, access codes, the second factor
//! (postcode) and the lockout after repeated failures.
//!
//! Secrets are generated and hashed on the server; this module only normalises what people type
//! and decides lockouts, so the same rules hold wherever they are applied.

use serde::{Deserialize, Serialize};

/// Crockford's Base32 alphabet: no I, L, O or U, so codes survive being read aloud and retyped.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of characters in an access code (12 × 5 bits = 60 bits of secret).
pub const ACCESS_CODE_LEN: usize = 12;

/// Encodes the low 5 bits of each byte as a Crockford character; used to turn random bytes into
/// an access code.
pub fn access_code_from_bytes(bytes: &[u8; ACCESS_CODE_LEN]) -> String {
    bytes
        .iter()
        .map(|b| CROCKFORD[(b & 0x1f) as usize] as char)
        .collect()
}

/// Normalises a typed access code: drops spaces and hyphens, upper-cases, and reads the letters
/// people confuse (O as 0, I and L as 1). Returns `None` unless exactly 12 valid characters remain.
pub fn normalize_access_code(input: &str) -> Option<String> {
    let mut out = String::with_capacity(ACCESS_CODE_LEN);
    for ch in input.chars() {
        let c = match ch.to_ascii_uppercase() {
            ' ' | '-' | '\u{a0}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == ACCESS_CODE_LEN).then_some(out)
}

/// Prints a normalised code in groups of four for letters: `ABCD-EFGH-JKMN`.
pub fn format_access_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a postcode for comparison: no white space, upper case (`d-10115` stays distinct from
/// `10115` on purpose; the printed address is what the debtor types).
pub fn normalize_postcode(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Builds the human-readable case reference printed on letters, e.g. `AKTE-2026-000123`.
pub fn case_reference(year: i32, sequence: u32) -> String {
    format!("AKTE-{year:04}-{sequence:06}")
}

/// Normalises a typed case reference (trimmed, upper case, inner spaces removed).
pub fn normalize_reference(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// When repeated failed verifications lock a case, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    /// Failures within `window_ms` that lock the case.
    pub max_failures: u32,
    /// Failures older than this no longer count.
    pub window_ms: i64,
    /// How long a lock lasts.
    pub lock_ms: i64,
}

impl Default for LockoutPolicy {
    /// Five failures within 15 minutes lock the case for 15 minutes.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window_ms: 15 * 60_000,
            lock_ms: 15 * 60_000,
        }
    }
}

impl LockoutPolicy {
    /// Whole minutes (rounded up) until a lock ends, or `None` if the case is not locked at `now_ms`.
    pub fn minutes_left(locked_until_ms: Option<i64>, now_ms: i64) -> Option<u32> {
        let until = locked_until_ms?;
        (until > now_ms).then(|| {
            let ms = until - now_ms;
            u32::try_from((ms + 59_999) / 60_000).unwrap_or(u32::MAX)
        })
    }
}

/// The failure counter of one case, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FailureState {
    /// Failures counted in the current window.
    pub failures: u32,
    /// When the last counted failure happened.
    pub last_failed_at_ms: Option<i64>,
    /// When the current lock ends, if the case is locked.
    pub locked_until_ms: Option<i64>,
}

impl LockoutPolicy {
    /// The state after one more failed attempt at `now_ms`. A failure more than `window_ms` after
    /// the previous one starts counting afresh; reaching `max_failures` locks the case for
    /// `lock_ms` and resets the count. (The SQL adapter applies the same rule in one atomic
    /// `UPDATE`, so that concurrent attempts cannot slip past the limit.)
    pub fn after_failure(&self, state: FailureState, now_ms: i64) -> FailureState {
        let recent = state
            .last_failed_at_ms
            .is_some_and(|t| t > now_ms - self.window_ms);
        let failures = if recent {
            state.failures.saturating_add(1)
        } else {
            1
        };
        if failures >= self.max_failures {
            FailureState {
                failures: 0,
                last_failed_at_ms: None,
                locked_until_ms: Some(now_ms + self.lock_ms),
            }
        } else {
            FailureState {
                failures,
                last_failed_at_ms: Some(now_ms),
                locked_until_ms: state.locked_until_ms,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_are_read_forgivingly_but_must_be_complete() {
        assert_eq!(
            normalize_access_code("abcd-efgh-jkmn").as_deref(),
            Some("ABCDEFGHJKMN")
        );
        assert_eq!(
            normalize_access_code(" OIL0 1234 5678 ").as_deref(),
            Some("011012345678")
        );
        assert_eq!(normalize_access_code("ABCD-EFGH-JKM"), None, "too short");
        assert_eq!(normalize_access_code("ABCD-EFGH-JKMNP"), None, "too long");
        assert_eq!(
            normalize_access_code("ABCD-EFGH-JKMU"),
            None,
            "U is not in the alphabet"
        );
        assert_eq!(normalize_access_code("ÄBCD-EFGH-JKMN"), None);
    }

    #[test]
    fn generated_codes_normalise_to_themselves_and_format_in_groups() {
        let code = access_code_from_bytes(&[0, 1, 2, 3, 31, 30, 29, 28, 255, 64, 17, 8]);
        assert_eq!(code.len(), ACCESS_CODE_LEN);
        assert_eq!(normalize_access_code(&code).as_deref(), Some(code.as_str()));
        let printed = format_access_code(&code);
        assert_eq!(printed.matches('-').count(), 2);
        assert_eq!(
            normalize_access_code(&printed).as_deref(),
            Some(code.as_str())
        );
    }

    #[test]
    fn postcodes_and_references_ignore_spacing_and_case() {
        assert_eq!(normalize_postcode(" 101 15 "), "10115");
        assert_eq!(normalize_postcode("sw1a 1aa"), "SW1A1AA");
        assert_eq!(case_reference(2026, 123), "AKTE-2026-000123");
        assert_eq!(
            normalize_reference(" akte-2026-000123 "),
            "AKTE-2026-000123"
        );
    }

    #[test]
    fn lock_minutes_round_up_and_end_exactly_at_the_deadline() {
        assert_eq!(LockoutPolicy::minutes_left(None, 0), None);
        assert_eq!(LockoutPolicy::minutes_left(Some(1_000), 1_000), None);
        assert_eq!(LockoutPolicy::minutes_left(Some(1_001), 1_000), Some(1));
        assert_eq!(LockoutPolicy::minutes_left(Some(15 * 60_000), 0), Some(15));
        assert_eq!(
            LockoutPolicy::minutes_left(Some(15 * 60_000 + 1), 0),
            Some(16)
        );
    }

    #[test]
    fn the_fifth_failure_within_the_window_locks_and_old_failures_expire() {
        let policy = LockoutPolicy::default();
        let mut state = FailureState::default();
        for i in 0..4 {
            state = policy.after_failure(state, i * 1_000);
            assert_eq!(state.locked_until_ms, None);
        }
        assert_eq!(state.failures, 4);
        let locked = policy.after_failure(state, 5_000);
        assert_eq!(locked.locked_until_ms, Some(5_000 + 15 * 60_000));
        assert_eq!(locked.failures, 0);

        let stale = policy.after_failure(state, 3_000 + 15 * 60_000 + 1);
        assert_eq!(
            stale.failures, 1,
            "a failure after the window starts a new count"
        );
        assert_eq!(stale.locked_until_ms, None);
    }
}
