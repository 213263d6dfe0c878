//! Building the application: database, state, router and layers, bound to a listener.
//! `Application::build` binds before it returns, so tests can start the real app on port 0.

use super::jobs::{relay_loop, scheduler_loop, webhook_loop};
use super::router::router;
use crate::config::Config;
use crate::db::{Db, SqlSessionStore};
use crate::mail::SmtpMailer;
use app::server::ports::Clock;
use axum::Router;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A bound, ready-to-run application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
    clock: Arc<dyn Clock>,
    mailer: Option<SmtpMailer>,
    quiet_hours: app::server::outbox::QuietHours,
    webhook_relay: bool,
    webhook_loopback: bool,
    dunning: bool,
    scheduler: bool,
    base_url: String,
}

impl Application {
    /// Connects to and migrates the database, builds the router and binds the listener.
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        Application::build_with(config, db, Arc::new(SystemClock)).await
    }

    /// Like `build`, with an open database and a clock of the caller's choice (tests).
    pub async fn build_with(
        config: &Config,
        db: Db,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {} (RAPPORT_ADDR): {e}", config.bind))?;
        let mailer = match &config.smtp_url {
            Some(url) => Some(
                SmtpMailer::from_url(url.expose(), &config.mail_from)
                    .map_err(|e| anyhow::anyhow!(e))?,
            ),
            None => None,
        };
        let router = router(config, db.clone(), clock.clone());
        if let Some(now) = chrono::DateTime::from_timestamp_millis(clock.now_ms()) {
            crate::legal::warn_of_missing_base_rate(&db, now.date_naive()).await;
        }
        Ok(Application {
            listener,
            router,
            db,
            clock,
            mailer,
            quiet_hours: config.quiet_hours,
            webhook_relay: config.webhook_relay,
            webhook_loopback: config.webhook_loopback,
            dunning: config.dunning,
            scheduler: config.scheduler,
            base_url: config.base_url.to_string(),
        })
    }

    /// The port actually bound (useful when the configuration asked for port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The database the application uses.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until Ctrl-C / SIGTERM (or forever, in tests).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.mailer.clone() {
            Some(mailer) => {
                tokio::spawn(relay_loop(
                    self.db.clone(),
                    mailer,
                    self.clock.clone(),
                    self.quiet_hours,
                ));
            }
            None => tracing::warn!(
                "SMTP_URL is not set: emails are kept in the outbox and sent once it is configured"
            ),
        }
        if self.scheduler {
            tokio::spawn(scheduler_loop(
                self.db.clone(),
                self.clock.clone(),
                self.base_url.clone(),
                self.dunning,
            ));
        }
        match self.db.fail_interrupted_imports(self.clock.now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                imports = n,
                "imports interrupted by the last stop were marked as failed"
            ),
            Err(e) => tracing::error!(error = %e, "interrupted imports could not be marked"),
        }
        if self.webhook_relay {
            tokio::spawn(webhook_loop(
                self.db.clone(),
                self.clock.clone(),
                self.webhook_loopback,
            ));
        }
        let sessions = SqlSessionStore::new(self.db.clone());
        // Expired sessions are removed in the background so the table does not grow forever.
        tokio::spawn(async move {
            let period = std::time::Duration::from_secs(600);
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tick.tick().await;
                let _ = sessions
                    .delete_expired(chrono::Utc::now().timestamp_millis())
                    .await;
            }
        });
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

/// Seconds a client is asked to wait when the sign-in work queue is full.
pub const BUSY_RETRY_AFTER: &str = "5";
