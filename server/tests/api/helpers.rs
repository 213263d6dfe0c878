//! `spawn_app` and `TestApp`: the real application on port 0, a cookie-keeping client that posts
//! forms the way a browser without JavaScript does, and a clock the test can move.

use app::server::ports::Clock;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, ACCEPT, LOCATION, REFERER};
use reqwest::{Client, Response, StatusCode};
use server::config::Config;
use server::db::Db;
use server::demo::{ensure_demo, DemoDebtor, DemoReport};
use server::startup::Application;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A clock the test moves by hand.
pub struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub demo: DemoReport,
    pub clock: Arc<TestClock>,
    pub jar: Arc<Jar>,
    pub client: Client,
    /// The stand-in for Stripe's API this app talks to.
    pub stripe: crate::stripe_double::StripeDouble,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// The accept header of a browser navigation: it makes the server answer form posts with redirects.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn client(jar: Arc<Jar>) -> Client {
    Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        // A request that hangs fails its test instead of stalling the whole run.
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client builds")
}

/// A fresh throw-away PostgreSQL database, or `None` when TEST_POSTGRES_URL is unset (outside CI).
pub async fn postgres_database() -> Option<(String, String, String)> {
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set TEST_POSTGRES_URL: the PostgreSQL tests may not be skipped there"
        );
        eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL variant of this test");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .expect("admin connection");
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin_url).expect("TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    Some((admin_url, name, url.to_string()))
}

/// Starts the application on `backend` with the demo data; `None` only for PostgreSQL when it is not
/// configured on this machine.
/// `extra` configuration variables are set on top of (or instead of) the tests' own.
pub async fn spawn_app_with(backend: Backend, extra: &[(&'static str, &str)]) -> Option<TestApp> {
    server::telemetry::init(&std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into()));
    let (database_url, dir, pg) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            (
                format!("sqlite://{}", dir.path().join("rapport.db").display()),
                Some(dir),
                None,
            )
        }
        Backend::Postgres => {
            let (admin, name, url) = postgres_database().await?;
            (url, None, Some((admin, name)))
        }
    };
    let stripe = crate::stripe_double::start().await;
    let vars: HashMap<&str, String> = [
        (
            "STRIPE_SECRET_KEY",
            crate::stripe_double::SECRET_KEY.to_string(),
        ),
        (
            "STRIPE_WEBHOOK_SECRET",
            crate::stripe_double::WEBHOOK_SECRET.to_string(),
        ),
        ("STRIPE_API_BASE", stripe.base.clone()),
        ("DATABASE_URL", database_url),
        ("RAPPORT_ADDR", "127.0.0.1:0".to_string()),
        ("RAPPORT_LOG", "error".to_string()),
        // Webhook tests drive the relay themselves, with the test clock.
        ("RAPPORT_WEBHOOK_RELAY", "off".to_string()),
        // The tests' receivers listen on this machine.
        ("RAPPORT_WEBHOOK_ALLOW_LOOPBACK", "on".to_string()),
        // Dunning tests run the engine themselves, with the test clock.
        ("RAPPORT_DUNNING", "off".to_string()),
        // So do the tests of digests, consent defaults and remittance reports: the background
        // jobs would run them at the test clock's start, the real time — a Monday morning's
        // weekly digest landed in the outbox of tests that count its emails.
        ("RAPPORT_SCHEDULER", "off".to_string()),
        // Small enough for the rate-limit test to reach without loading the machine.
        ("RAPPORT_API_REQUESTS_PER_MINUTE", "60".to_string()),
        (
            "RAPPORT_AGENCY_NAME",
            "Rapport Demo Inkasso GmbH".to_string(),
        ),
        (
            "RAPPORT_AGENCY_ADDRESS",
            "Musterweg 1; 20095 Hamburg".to_string(),
        ),
        (
            "RAPPORT_AGENCY_EMAIL",
            "service@inkasso.demo.example".to_string(),
        ),
        ("RAPPORT_AGENCY_PHONE", "+49 40 1234567".to_string()),
        (
            "RAPPORT_PAYEE_IBAN",
            "DE89 3704 0044 0532 0130 00".to_string(),
        ),
        ("RAPPORT_PAYEE_BIC", "COBADEFFXXX".to_string()),
    ]
    .into_iter()
    .chain(extra.iter().map(|(k, v)| (*k, v.to_string())))
    .collect();
    let config =
        Config::from_lookup(|k| vars.get(k).cloned()).expect("test configuration is valid");
    let db = Db::connect(&config.database_url)
        .await
        .expect("database opens");
    db.migrate().await.expect("migrations apply");
    let clock = Arc::new(TestClock(AtomicI64::new(
        chrono::Utc::now().timestamp_millis(),
    )));
    let app = Application::build_with(&config, db.clone(), clock.clone())
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let demo = ensure_demo(&db, &address, clock.now_ms())
        .await
        .expect("demo data seeds");
    tokio::spawn(app.run_until_stopped());
    let jar = Arc::new(Jar::default());
    Some(TestApp {
        address,
        db,
        demo,
        clock,
        client: client(jar.clone()),
        jar,
        stripe,
        _dir: dir,
        pg,
    })
}

impl TestApp {
    /// The demo debtor at `index`.
    pub fn debtor(&self, index: usize) -> &DemoDebtor {
        &self.demo.debtors[index]
    }

    /// The link token of a demo debtor (the last path segment of the link).
    pub fn token(&self, index: usize) -> String {
        self.debtor(index)
            .link
            .rsplit('/')
            .next()
            .expect("link has a token")
            .to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The application's current time.
    pub fn clock_now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Sets the application's clock.
    pub fn set_now(&self, ms: i64) {
        self.clock.0.store(ms, Ordering::SeqCst);
    }

    /// Moves the application's clock forward.
    pub fn advance(&self, ms: i64) {
        self.clock.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// A second browser with its own cookies.
    pub fn new_browser(&self) -> (Client, Arc<Jar>) {
        let jar = Arc::new(Jar::default());
        (client(jar.clone()), jar)
    }

    /// The cookie header this browser would send to the app.
    pub fn cookies(&self) -> String {
        let url = self.address.parse().expect("address is a URL");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_string))
            .unwrap_or_default()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .send()
            .await
            .expect("request is sent")
    }

    /// Posts a form as a browser without JavaScript does: urlencoded, HTML accepted, with a Referer.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], referer: &str) -> Response {
        self.client
            .post(self.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .header(REFERER, self.url(referer))
            .form(fields)
            .send()
            .await
            .expect("request is sent")
    }

    /// Posts a form and follows the redirect like a browser; returns the final status and page.
    pub async fn submit(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        referer: &str,
    ) -> (StatusCode, String, String) {
        let response = self.post_form(path, fields, referer).await;
        assert_eq!(
            response.status(),
            StatusCode::FOUND,
            "form posts answer with a redirect"
        );
        let location = location(response.headers());
        let target = if location.starts_with("http") {
            location.clone()
        } else {
            self.url(&location)
        };
        let page = self
            .client
            .get(target)
            .header(ACCEPT, BROWSER_ACCEPT)
            .send()
            .await
            .expect("sent");
        let status = page.status();
        (status, location, page.text().await.expect("body"))
    }

    /// Verifies demo debtor `index` through the link and postcode.
    pub async fn verify_by_link(&self, index: usize) {
        let token = self.token(index);
        let response = self
            .post_form(
                "/api/verify_link",
                &[
                    ("token", &token),
                    ("postcode", &self.debtor(index).postcode),
                ],
                &format!("/c/{token}"),
            )
            .await;
        assert_eq!(location(response.headers()), "/case");
    }

    /// Posts a multipart form (with files) as a browser without JavaScript does.
    pub async fn post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
        referer: &str,
    ) -> Response {
        self.client
            .post(self.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .header(REFERER, self.url(referer))
            .multipart(form)
            .send()
            .await
            .expect("request is sent")
    }

    /// The page a redirect's `location` (absolute or a path) leads to, as HTML.
    pub async fn follow(&self, location: &str) -> String {
        let url = if location.starts_with("http") {
            location.to_string()
        } else {
            self.url(location)
        };
        self.client
            .get(url)
            .header(ACCEPT, BROWSER_ACCEPT)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("body")
    }

    /// The page at `path` as HTML (following no redirect).
    pub async fn page(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// The hidden `form_key` of the form on the page at `path`.
    pub async fn form_key(&self, path: &str) -> String {
        let html = self.page(path).await;
        let start = html
            .find(r#"name="form_key" value=""#)
            .map(|i| i + r#"name="form_key" value=""#.len());
        let start = start.unwrap_or_else(|| panic!("no form key on {path}: {html}"));
        html[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Drops the throw-away PostgreSQL database (SQLite files vanish with their temp folder).
    pub async fn finish(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = self.pg {
            let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .expect("admin");
            sqlx::Executor::execute(
                &mut admin,
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
            )
            .await
            .expect("drop database");
        }
    }
}

/// The Location header (empty if none).
pub fn location(headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Runs an async test body against SQLite and, when configured, PostgreSQL: two tests,
/// `<name>::on_sqlite` and `<name>::on_postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        $crate::on_both_backends!($name, $body, []);
    };
    ($name:ident, $body:ident, [$(($key:expr, $value:expr)),* $(,)?]) => {
        mod $name {
            use $crate::helpers::{spawn_app_with, Backend};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = spawn_app_with(Backend::Sqlite, &[$(($key, $value)),*])
                    .await
                    .expect("SQLite is always available");
                super::$body(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let Some(app) = spawn_app_with(Backend::Postgres, &[$(($key, $value)),*]).await else {
                    return;
                };
                super::$body(&app).await;
                app.finish().await;
            }
        }
    };
}

/// A staff member's (or creditor user's) browser with its own cookies, posting forms as a browser without JavaScript.
pub struct Desk<'a> {
    pub app: &'a TestApp,
    pub client: Client,
}

impl<'a> Desk<'a> {
    pub fn new(app: &'a TestApp) -> Desk<'a> {
        Desk {
            app,
            client: app.new_browser().0,
        }
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.app.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .header(REFERER, self.app.url("/staff"))
            .form(fields)
            .send()
            .await
            .expect("sent")
    }

    pub async fn login(&self, who: (&str, &str)) -> reqwest::Response {
        self.login_to("/api/staff_login", "/staff/login", who).await
    }

    /// Signs in through `endpoint` from the page `referer`, as a browser without JavaScript.
    pub async fn login_to(
        &self,
        endpoint: &str,
        referer: &str,
        (email, password): (&str, &str),
    ) -> reqwest::Response {
        self.client
            .post(self.app.url(endpoint))
            .header(ACCEPT, BROWSER_ACCEPT)
            .header(REFERER, self.app.url(referer))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("sent")
    }

    pub async fn signed_in(app: &'a TestApp, who: (&str, &str)) -> Desk<'a> {
        let desk = Desk::new(app);
        let response = desk.login(who).await;
        assert_eq!(location(response.headers()), "/staff", "signed in");
        desk
    }

    /// A creditor's user signed in to the creditor portal.
    pub async fn creditor(app: &'a TestApp, who: (&str, &str)) -> Desk<'a> {
        let desk = Desk::new(app);
        let response = desk
            .login_to("/api/creditor_login", "/creditor/login", who)
            .await;
        assert_eq!(location(response.headers()), "/creditor", "signed in");
        desk
    }

    pub async fn page(&self, path: &str) -> String {
        self.client
            .get(self.app.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("body")
    }

    /// Calls a server function the way the browser's JavaScript does (JSON answer, real status).
    pub async fn call(&self, endpoint: &str, fields: &[(&str, &str)]) -> StatusCode {
        self.client
            .post(self.app.url(&format!("/api/{endpoint}")))
            .form(fields)
            .send()
            .await
            .expect("sent")
            .status()
    }

    /// The form key on the handler's page of `case_id`.
    pub async fn form_key(&self, case_id: i64) -> String {
        let html = self.page(&format!("/staff/cases/{case_id}")).await;
        let marker = r#"name="form_key" value=""#;
        let start = html.find(marker).expect("a form key") + marker.len();
        html[start..]
            .split('-')
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

/// A number the database answers to `sql` (a count, a sum, an id).
pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A text the database answers to `sql`.
pub async fn text(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The state of the case with this reference.
pub async fn case_state(app: &TestApp, reference: &str) -> String {
    sqlx::query_scalar("SELECT state FROM cases WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.db.pool())
        .await
        .expect("a case with this reference")
}

/// The id of the case with this reference.
pub async fn case_id(app: &TestApp, reference: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(reference)
        .fetch_one(app.db.pool())
        .await
        .expect("a case with this reference")
}

/// The demo creditor's owner and viewer, and the owner of a second creditor.
pub const OWNER: (&str, &str) = ("owner@nordlicht.example", "ein langes passwort 1");
pub const VIEWER: (&str, &str) = ("viewer@nordlicht.example", "ein langes passwort 2");
pub const OTHER: (&str, &str) = ("owner@sonnenschein.example", "ein langes passwort 3");

/// The demo creditor and a second creditor, with the users [`OWNER`], [`VIEWER`] and [`OTHER`].
pub struct Creditors {
    pub nordlicht: i64,
    pub other: i64,
}

/// Creates the second creditor and the three users.
pub async fn creditor_accounts(app: &TestApp) -> Creditors {
    let now = app.clock_now();
    let nordlicht = scalar(app, "SELECT MIN(id) FROM creditors").await;
    let other = server::intake::create_creditor(
        &app.db,
        &server::intake::NewCreditor {
            name: "Sonnenschein Energie AG".into(),
            street: "Kraftwerkstraße 1".into(),
            postcode: "50667".into(),
            city: "Köln".into(),
            country: "Deutschland".into(),
            email: None,
            website: None,
        },
        now,
    )
    .await
    .expect("creditor");
    for ((email, password), role, creditor) in [
        (OWNER, "owner", nordlicht),
        (VIEWER, "viewer", nordlicht),
        (OTHER, "owner", other),
    ] {
        server::accounts::create_user(&app.db, email, "Name", role, password, now, Some(creditor))
            .await
            .expect("user");
    }
    Creditors { nordlicht, other }
}

/// Starts `command` (a `server serve`) on a free port and waits until it answers `/healthz`; the
/// process and its address.
pub async fn serve_on_free_port(
    mut command: std::process::Command,
) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let mut child = command
        .env("RAPPORT_ADDR", format!("127.0.0.1:{port}"))
        .env("RAPPORT_BASE_URL", &address)
        .spawn()
        .expect("serve starts");
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{address}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "serve exited during start-up"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not answer within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (child, address)
}
