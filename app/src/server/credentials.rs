//! Secrets for debtor access: link tokens (256 bits, stored as SHA-256) and access codes (60 bits,
//! stored as Argon2id because 60 bits alone would not survive an offline guess).

use crate::domain::access::{access_code_from_bytes, ACCESS_CODE_LEN};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, OnceLock};
use tokio::sync::Semaphore;

/// Argon2id with the OWASP minimum (19 MiB, 2 iterations, 1 lane).
fn argon2() -> Argon2<'static> {
    // These parameters are constants known to be valid, so construction cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// How many Argon2 computations may wait for a slot at most. Each takes some 50 ms of a core, so
/// 64 waiting are well under two seconds of work on two cores; past that a request is refused at
/// once (503 with `Retry-After`) instead of queueing minutes of work and memory behind a burst.
pub const ARGON2_MAX_WAITING: usize = 64;

/// The server's Argon2 queue: one slot per processor core.
static ARGON2: LazyLock<Argon2Queue> = LazyLock::new(|| {
    Argon2Queue::new(
        std::thread::available_parallelism().map_or(2, |n| n.get()),
        ARGON2_MAX_WAITING,
    )
});

/// Why Argon2 work was not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkError {
    /// Too much work is waiting already: try again in a moment.
    Busy,
    /// The computation panicked (logged where it happened).
    Failed,
}

impl From<WorkError> for crate::error::AppError {
    fn from(e: WorkError) -> Self {
        match e {
            WorkError::Busy => crate::error::AppError::Busy,
            WorkError::Failed => crate::error::AppError::Internal,
        }
    }
}

/// Slots for computations that run at once, and a bounded number that wait for one.
struct Argon2Queue {
    slots: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// Counts a computation as waiting until dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Argon2Queue {
    fn new(slots: usize, max_waiting: usize) -> Argon2Queue {
        Argon2Queue {
            slots: Semaphore::new(slots),
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, WorkError> {
        self.run_within(self.max_waiting, work).await
    }

    async fn run_within<T: Send + 'static>(
        &self,
        max: usize,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, WorkError> {
        self.waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .map_err(|_| WorkError::Busy)?;
        let waiting = Waiting(&self.waiting);
        // The semaphore is never closed, so acquiring cannot fail.
        let _slot = self.slots.acquire().await.ok();
        drop(waiting);
        tokio::task::spawn_blocking(work).await.map_err(|e| {
            tracing::error!(error = %e, "Argon2 work panicked");
            WorkError::Failed
        })
    }
}

/// Runs Argon2 work (`hash_access_code`, `verify_access_code`, `dummy_verify`) on a blocking
/// thread, at most one per core at a time; the rest wait their turn, at most
/// [`ARGON2_MAX_WAITING`] of them — past that the work is refused with [`WorkError::Busy`].
///
/// Each computation takes 19 MiB and, by design, tens of milliseconds of a core. A mass mailing
/// sends thousands of debtors to the portal, some of whom type a reference and access code:
/// unbounded, a burst would run as many at once as there are blocking threads, each slower than
/// alone and all their memory at once, where a queue finishes the same work as soon and keeps
/// the server's memory to a few of them. A queue without an end would let a flood of sign-ins
/// line up minutes of work ahead of everyone else's.
pub async fn argon2_work<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WorkError> {
    ARGON2.run(work).await
}

/// Argon2 work of a command (account set-up, the demo seed, letters' access codes): in turn with
/// the requests' work, but never refused — a batch has nobody to ask to come back later.
pub async fn argon2_batch_work<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WorkError> {
    ARGON2.run_within(usize::MAX, work).await
}

/// What stands in a queued email where its personal link's token will be: the relay mints the
/// token when it sends the email (`outbox::relay_once`), so no working link ever rests in the
/// outbox. Letters, hyphens only: HTML escaping leaves it as it is.
pub const LINK_PLACEHOLDER: &str = "rapport-personal-link-minted-when-sent";

/// The personal link of an email to be queued: its token is minted when the email is sent.
pub fn link_to_mint(base_url: &str) -> String {
    format!("{}/c/{LINK_PLACEHOLDER}", base_url.trim_end_matches('/'))
}

/// A new link token: 32 bytes from the OS CSPRNG, base64url without padding (43 characters).
pub fn new_link_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new access code: 12 Crockford Base32 characters from the OS CSPRNG.
pub fn new_access_code() -> String {
    let mut bytes = [0u8; ACCESS_CODE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    access_code_from_bytes(&bytes)
}

/// The stored form of a link token: lower-case hex SHA-256. A plain hash is enough because the
/// token carries 256 bits of entropy (ASVS 6.5.2 allows it from 112 bits).
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a normalised access code with Argon2id and a random salt (PHC string format).
/// CPU-heavy: call it through [`argon2_work`].
pub fn hash_access_code(code: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(code.as_bytes(), &salt)?.to_string())
}

/// Checks a normalised access code against a stored hash. CPU-heavy: call it through
/// [`argon2_work`].
pub fn verify_access_code(code: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| argon2().verify_password(code.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Runs one verification against a fixed hash so that an unknown reference costs as much time as
/// a known one (no timing oracle for which references exist).
pub fn dummy_verify(code: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_access_code("0000000000000").unwrap_or_default());
    let _ = verify_access_code(code, hash);
}

/// Deterministic demo secrets, derived from a public seed so that `server demo` can print them
/// again on every run. Only ever used for demo data, which is public by definition.
pub fn demo_secrets(seed: &str) -> (String, String) {
    let digest = Sha256::digest(format!("rapport-demo-secret:{seed}").as_bytes());
    let token = URL_SAFE_NO_PAD.encode(digest);
    let mut code_bytes = [0u8; ACCESS_CODE_LEN];
    code_bytes.copy_from_slice(&digest[..ACCESS_CODE_LEN]);
    (token, access_code_from_bytes(&code_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::normalize_access_code;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn argon2_work_runs_at_most_one_per_core_at_a_time_and_finishes_all() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs = (0..cores * 4).map(|n| {
            let (running, most) = (running.clone(), most.clone());
            tokio::spawn(argon2_work(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                n
            }))
        });
        let mut done = Vec::new();
        for job in jobs.collect::<Vec<_>>() {
            done.push(job.await.expect("task").expect("work"));
        }
        assert_eq!(done, (0..cores * 4).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=cores).contains(&most),
            "{most} ran at once on {cores} cores"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn argon2_work_past_the_queue_is_refused_at_once_and_the_queue_drains() {
        let queue = Arc::new(Argon2Queue::new(1, 3));
        let (release, held) = tokio::sync::watch::channel(false);
        let holder = {
            let queue = queue.clone();
            tokio::spawn(async move {
                queue
                    .run(move || {
                        let mut held = held;
                        tokio::runtime::Handle::current()
                            .block_on(async { held.wait_for(|r| *r).await.map(|_| ()).ok() })
                    })
                    .await
            })
        };
        while queue.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let waiters: Vec<_> = (0..3)
            .map(|n| {
                let queue = queue.clone();
                tokio::spawn(async move { queue.run(move || n).await })
            })
            .collect();
        while queue.waiting.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            queue.run(|| 99).await,
            Err(WorkError::Busy),
            "a fourth waiting computation is refused"
        );
        release.send(true).expect("the holder listens");
        holder.await.expect("task").expect("work");
        let mut done = Vec::new();
        for w in waiters {
            done.push(w.await.expect("task").expect("work"));
        }
        assert_eq!(
            done,
            vec![0, 1, 2],
            "the waiting ones ran once a slot was free"
        );
        assert_eq!(
            queue.run(|| 7).await,
            Ok(7),
            "and the queue takes work again"
        );
    }

    #[test]
    fn link_tokens_are_long_random_and_url_safe() {
        let a = new_link_token();
        let b = new_link_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn access_codes_verify_only_against_their_own_hash() {
        let code = new_access_code();
        assert_eq!(normalize_access_code(&code).as_deref(), Some(code.as_str()));
        let hash = hash_access_code(&code).expect("hashing works");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_access_code(&code, &hash));
        assert!(!verify_access_code(&new_access_code(), &hash));
        assert!(!verify_access_code(&code, "not a hash"));
    }

    #[test]
    fn demo_secrets_are_stable_per_seed_and_differ_between_seeds() {
        assert_eq!(demo_secrets("a"), demo_secrets("a"));
        assert_ne!(demo_secrets("a").0, demo_secrets("b").0);
        let (_, code) = demo_secrets("a");
        assert_eq!(normalize_access_code(&code).as_deref(), Some(code.as_str()));
    }
}
