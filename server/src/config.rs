//! Configuration from the environment (and `.env` in development). A bad value stops start-up with
//! one sentence naming the variable and what is wrong. Secrets never appear in `Debug` output.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

/// A configuration value that must not be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Which database engine a `DATABASE_URL` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL; its password is redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    pub backend: Backend,
}

impl DatabaseUrl {
    /// Parses a URL and chooses the backend by its scheme.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let scheme = raw
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default();
        let backend = match scheme.as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "" => {
                return Err(
                    "is not a URL; use sqlite://data/rapport.db or postgres://user@host/db".into(),
                )
            }
            other => {
                return Err(format!(
                    "uses the unsupported scheme '{other}'; use sqlite://… or postgres://…"
                ))
            }
        };
        if backend == Backend::Postgres {
            Url::parse(raw).map_err(|e| format!("is not a valid PostgreSQL URL ({e})"))?;
        }
        Ok(DatabaseUrl {
            url: raw.to_string(),
            backend,
        })
    }

    /// The URL itself, for connecting.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match Url::parse(&self.url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("redacted"));
                u.to_string()
            }
            _ => self.url.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("url", &self.redacted())
            .field("backend", &self.backend)
            .finish()
    }
}

/// Stripe settings.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    pub secret_key: Secret,
    pub webhook_secret: Secret,
    /// `https://api.stripe.com` unless a test double stands in.
    pub api_base: String,
    /// Where Stripe's hosted checkout pages live (`https://checkout.stripe.com`); the portal's
    /// Content-Security-Policy lets the payment form redirect there and nowhere else.
    pub checkout_origin: String,
}

/// A configuration error: which variable, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    /// The public address of the portal, used in every link we send.
    pub base_url: Url,
    /// Where to listen.
    pub bind: SocketAddr,
    /// Outgoing mail server (`smtp://host:port` plain, `smtp+starttls://…`, `smtps://…`).
    pub smtp_url: Option<Secret>,
    /// The sender of every email.
    pub mail_from: String,
    /// The agency as debtors see it: name, address, contact data, and the account they pay to.
    pub agency: app::server::Agency,
    /// When no email goes out, in the recipient's local time (`RAPPORT_QUIET_HOURS`).
    pub quiet_hours: app::server::outbox::QuietHours,
    /// Whether `serve` delivers webhooks in the background (`RAPPORT_WEBHOOK_RELAY=off` stops it,
    /// e.g. for tests that drive the relay themselves).
    pub webhook_relay: bool,
    /// Whether webhooks may go to this machine over plain HTTP (`RAPPORT_WEBHOOK_ALLOW_LOOPBACK`:
    /// `on` for development and tests; off unless set). Never in production: a creditor could
    /// otherwise make Rapport post to services that listen only on the server itself.
    pub webhook_loopback: bool,
    /// Whether `serve` takes due dunning steps in the background (`RAPPORT_DUNNING=off` stops it,
    /// e.g. when `server run-due` runs from cron, or for tests that run the engine themselves).
    pub dunning: bool,
    /// Whether `serve` runs its once-a-minute jobs at all — digests, consent defaults, remittance
    /// reports and (with `dunning`) the dunning run (`RAPPORT_SCHEDULER=off` stops them, for tests
    /// that run each job themselves with their own clock).
    pub scheduler: bool,
    /// Requests to `/api/v1` per creditor and minute (`RAPPORT_API_REQUESTS_PER_MINUTE`).
    pub api_requests_per_minute: u32,
    /// The reverse proxies whose forwarding header names the client (`RAPPORT_TRUSTED_PROXIES`,
    /// a list of addresses and networks; `RAPPORT_FORWARDED_HEADER`: `x-forwarded-for`, the
    /// default, or `forwarded`). Empty: the TCP peer is the client.
    pub trusted_proxies: crate::client::TrustedProxies,
    /// Whether staff and creditor users must set up two-step sign-in (`RAPPORT_TWO_STEP`:
    /// `required`, or `optional`; by default required whenever the portal is served over HTTPS).
    pub require_two_step: bool,
    /// Seals the two-step sign-in keys stored in the database (`RAPPORT_SECRET_KEY`, 32 bytes as
    /// Base64 or hex); unset: they are stored as they are.
    pub secret_key: Option<app::server::sealing::SealingKey>,
    /// ClamAV's daemon, which scans every uploaded document (`RAPPORT_CLAMD`); unset: no scan.
    pub clamd: Option<crate::clamd::Clamd>,
    /// Stripe: secret API key, webhook signing secret and API base URL; online payment is offered
    /// only when both secrets are set.
    pub stripe: Option<StripeConfig>,
    /// A tracing filter, e.g. `info` or `rapport=debug,info`.
    pub log: String,
    /// The folder holding the compiled site (`pkg/` with CSS, JS and WASM).
    pub site_root: PathBuf,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads configuration through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let err = |variable: &'static str, problem: String| ConfigError { variable, problem };

        let database_url = DatabaseUrl::parse(
            &get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/rapport.db".to_string()),
        )
        .map_err(|p| err("DATABASE_URL", p))?;

        let bind_raw = get("RAPPORT_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_string());
        let bind: SocketAddr = bind_raw.parse().map_err(|_| {
            err(
                "RAPPORT_ADDR",
                format!("'{bind_raw}' is not an address like 127.0.0.1:3000"),
            )
        })?;

        let base_raw = get("RAPPORT_BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        let base_url = Url::parse(&base_raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                err(
                    "RAPPORT_BASE_URL",
                    format!("'{base_raw}' is not an http(s) URL"),
                )
            })?;

        let smtp_url = match get("SMTP_URL") {
            None => None,
            Some(raw) => {
                let parsed = Url::parse(&raw).map_err(|_| {
                    err("SMTP_URL", "is not a URL like smtp://127.0.0.1:2525".into())
                })?;
                if !matches!(parsed.scheme(), "smtp" | "smtp+starttls" | "smtps") {
                    return Err(err(
                        "SMTP_URL",
                        format!(
                            "uses the scheme '{}'; use smtp, smtp+starttls or smtps",
                            parsed.scheme()
                        ),
                    ));
                }
                Some(Secret::new(raw))
            }
        };

        let api_requests_per_minute = match get("RAPPORT_API_REQUESTS_PER_MINUTE")
            .as_deref()
            .map(str::trim)
        {
            None | Some("") => app::server::limits::API_REQUESTS_PER_MINUTE,
            Some(raw) => raw.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                err(
                    "RAPPORT_API_REQUESTS_PER_MINUTE",
                    format!("'{raw}' is not a whole number above 0"),
                )
            })?,
        };
        let header = match get("RAPPORT_FORWARDED_HEADER")
            .as_deref()
            .map(|h| h.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("x-forwarded-for") => {
                crate::client::ForwardedHeader::XForwardedFor
            }
            Some("forwarded") => crate::client::ForwardedHeader::Forwarded,
            Some(raw) => {
                return Err(err(
                    "RAPPORT_FORWARDED_HEADER",
                    format!("'{raw}' is not 'x-forwarded-for' or 'forwarded'"),
                ))
            }
        };
        let trusted_proxies = crate::client::TrustedProxies::parse(
            get("RAPPORT_TRUSTED_PROXIES").as_deref().unwrap_or(""),
            header,
        )
        .map_err(|e| err("RAPPORT_TRUSTED_PROXIES", e))?;
        let switch = |name: &'static str| match get(name).as_deref().map(str::trim) {
            None | Some("") | Some("on") => Ok(true),
            Some("off") => Ok(false),
            Some(raw) => Err(err(name, format!("'{raw}' is not 'on' or 'off'"))),
        };
        let webhook_relay = switch("RAPPORT_WEBHOOK_RELAY")?;
        let webhook_loopback = match get("RAPPORT_WEBHOOK_ALLOW_LOOPBACK")
            .as_deref()
            .map(str::trim)
        {
            None | Some("") | Some("off") => false,
            Some("on") => true,
            Some(raw) => {
                return Err(err(
                    "RAPPORT_WEBHOOK_ALLOW_LOOPBACK",
                    format!("'{raw}' is not 'on' or 'off'"),
                ))
            }
        };
        let secret_key = match get("RAPPORT_SECRET_KEY").as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                app::server::sealing::SealingKey::parse(raw)
                    .map_err(|e| err("RAPPORT_SECRET_KEY", e))?,
            ),
        };
        let clamd = match get("RAPPORT_CLAMD").as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => {
                Some(crate::clamd::Clamd::parse(raw).map_err(|e| err("RAPPORT_CLAMD", e))?)
            }
        };
        let require_two_step = match get("RAPPORT_TWO_STEP").as_deref().map(str::trim) {
            None | Some("") => base_url.scheme() == "https",
            Some("required") => true,
            Some("optional") => false,
            Some(raw) => {
                return Err(err(
                    "RAPPORT_TWO_STEP",
                    format!("'{raw}' is not 'required' or 'optional'"),
                ))
            }
        };
        let dunning = switch("RAPPORT_DUNNING")?;
        let scheduler = switch("RAPPORT_SCHEDULER")?;
        let quiet_hours = match get("RAPPORT_QUIET_HOURS").as_deref().map(str::trim) {
            None | Some("") => app::server::outbox::QuietHours::default(),
            Some("off") => app::server::outbox::QuietHours {
                start_hour: 0,
                end_hour: 0,
            },
            Some(raw) => {
                let hours = raw
                    .split_once('-')
                    .and_then(|(a, b)| {
                        Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?))
                    })
                    .filter(|(a, b)| *a < 24 && *b < 24);
                let (start_hour, end_hour) = hours.ok_or_else(|| {
                    err(
                        "RAPPORT_QUIET_HOURS",
                        format!("'{raw}' is not 'off' or hours like 21-8"),
                    )
                })?;
                app::server::outbox::QuietHours {
                    start_hour,
                    end_hour,
                }
            }
        };

        let mail_from =
            get("RAPPORT_MAIL_FROM").unwrap_or_else(|| "Rapport <noreply@localhost>".to_string());
        mail_from.parse::<lettre::message::Mailbox>().map_err(|_| {
            err(
                "RAPPORT_MAIL_FROM",
                format!("'{mail_from}' is not an address like Rapport <noreply@example.org>"),
            )
        })?;

        let payee_iban =
            match get("RAPPORT_PAYEE_IBAN") {
                None => None,
                Some(raw) => Some(app::domain::references::Iban::parse(&raw).map_err(|_| {
                    err("RAPPORT_PAYEE_IBAN", format!("'{raw}' is not a valid IBAN"))
                })?),
            };
        let agency = app::server::Agency {
            name: get("RAPPORT_AGENCY_NAME").unwrap_or_else(|| "Rapport".to_string()),
            address: get("RAPPORT_AGENCY_ADDRESS")
                .map(|a| {
                    a.split(';')
                        .map(|l| l.trim().to_string())
                        .filter(|l| !l.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            email: get("RAPPORT_AGENCY_EMAIL").unwrap_or_default(),
            phone: get("RAPPORT_AGENCY_PHONE").unwrap_or_default(),
            payee_iban,
            payee_bic: get("RAPPORT_PAYEE_BIC"),
            // Since 1 January 2025 the Bundesamt für Justiz registers and supervises collection
            // agencies in Germany (§ 13 RDG); agencies elsewhere set their own authority.
            supervisory_authority: get("RAPPORT_SUPERVISORY_AUTHORITY")
                .unwrap_or_else(|| "Bundesamt für Justiz; 53094 Bonn; rdg@bfj.bund.de".to_string())
                .split(';')
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
        };

        let stripe = match (get("STRIPE_SECRET_KEY"), get("STRIPE_WEBHOOK_SECRET")) {
            (Some(key), Some(hook)) => Some(StripeConfig {
                secret_key: Secret::new(key),
                webhook_secret: Secret::new(hook),
                api_base: get("STRIPE_API_BASE")
                    .unwrap_or_else(|| "https://api.stripe.com".to_string()),
                checkout_origin: get("STRIPE_CHECKOUT_ORIGIN")
                    .unwrap_or_else(|| "https://checkout.stripe.com".to_string()),
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(err(
                    "STRIPE_WEBHOOK_SECRET",
                    "must be set together with STRIPE_SECRET_KEY".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(err(
                    "STRIPE_SECRET_KEY",
                    "must be set together with STRIPE_WEBHOOK_SECRET".into(),
                ))
            }
        };

        let log =
            get("RAPPORT_LOG").unwrap_or_else(|| "info,sqlx=warn,tower_sessions=warn".to_string());
        tracing_subscriber::EnvFilter::try_new(&log)
            .map_err(|e| err("RAPPORT_LOG", format!("is not a valid log filter ({e})")))?;

        let site_root =
            PathBuf::from(get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_string()));

        Ok(Config {
            database_url,
            base_url,
            bind,
            smtp_url,
            mail_from,
            agency,
            quiet_hours,
            webhook_relay,
            webhook_loopback,
            dunning,
            scheduler,
            api_requests_per_minute,
            trusted_proxies,
            require_two_step,
            secret_key,
            clamd,
            stripe,
            log,
            site_root,
        })
    }

    /// Cookies are `Secure` (and `__Host-` prefixed) whenever the portal is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_give_a_local_sqlite_portal() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.database_url.backend, Backend::Sqlite);
        assert_eq!(c.database_url.expose(), "sqlite://data/rapport.db");
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:3000/");
        assert!(!c.secure_cookies());
        assert!(!c.require_two_step, "optional in local development");
    }

    #[test]
    fn two_step_sign_in_is_required_over_https_unless_configured() {
        let https = [("RAPPORT_BASE_URL", "https://portal.example")];
        assert!(config(&https).expect("valid").require_two_step);
        let optional = config(&[https[0], ("RAPPORT_TWO_STEP", "optional")]).expect("valid");
        assert!(!optional.require_two_step);
        assert!(
            config(&[("RAPPORT_TWO_STEP", "required")])
                .expect("valid")
                .require_two_step
        );
    }

    #[test]
    fn the_backend_follows_the_url_scheme_and_unknown_schemes_are_named() {
        let c = config(&[("DATABASE_URL", "postgres://u:pw@localhost/rapport")]).expect("valid");
        assert_eq!(c.database_url.backend, Backend::Postgres);
        let e = config(&[("DATABASE_URL", "mysql://localhost/x")]).expect_err("unsupported");
        assert_eq!(e.variable, "DATABASE_URL");
        assert!(e
            .to_string()
            .starts_with("DATABASE_URL uses the unsupported scheme 'mysql'"));
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("RAPPORT_ADDR", "localhost"),
            ("RAPPORT_BASE_URL", "ftp://x"),
            ("SMTP_URL", "http://mail"),
            ("RAPPORT_LOG", "info,=[=]"),
            ("RAPPORT_MAIL_FROM", "not an address"),
            ("RAPPORT_PAYEE_IBAN", "DE00 1234"),
            ("RAPPORT_TWO_STEP", "sometimes"),
            ("RAPPORT_CLAMD", "localhost:3310"),
            ("RAPPORT_SECRET_KEY", "c2hvcnQ="),
        ] {
            let e = config(&[(var, value)]).expect_err(var);
            assert_eq!(e.variable, var, "{e}");
        }
    }

    #[test]
    fn secrets_do_not_leak_through_debug() {
        let c = config(&[
            ("DATABASE_URL", "postgres://rapport:hunter2@db/rapport"),
            ("SMTP_URL", "smtps://mailer:s3cret@mail.example:465"),
            (
                "RAPPORT_SECRET_KEY",
                "abababababababababababababababababababababababababababababababab",
            ),
        ])
        .expect("valid");
        let printed = format!("{c:?}");
        assert!(!printed.contains("abab"), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("s3cret"), "{printed}");
    }
}
