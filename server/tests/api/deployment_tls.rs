//! Managed PostgreSQL over TLS: a server of our own with a certificate of our own, `require` and `verify-full`.

use std::process::Command;

/// A PostgreSQL server of the test's own with TLS (a certificate for `localhost` signed by a CA
/// the test makes), run as the `postgres` user in a temporary folder; stopped when dropped.
struct TlsPostgres {
    dir: tempfile::TempDir,
    port: u16,
    bin: std::path::PathBuf,
}

impl TlsPostgres {
    fn start() -> TlsPostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's programs in /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().to_path_buf();
        let run = |program: &str, args: &[&str]| {
            let out = Command::new(program)
                .args(args)
                .current_dir(&path)
                .output()
                .expect("runs");
            assert!(
                out.status.success(),
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let openssl = |args: &[&str]| run("openssl", args);
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Rapport test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            path.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .expect("extensions");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        // Another CA, which signed nothing of this server.
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Some other CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        run(
            "chown",
            &["-R", "postgres:postgres", path.to_str().expect("path")],
        );
        run("chmod", &["0700", path.to_str().expect("path")]);
        run("chmod", &["0600", "server.key"]);
        let as_postgres = |program: &str, args: &[&str]| {
            let mut all = vec!["-u", "postgres", "--", program];
            all.extend_from_slice(args);
            run("runuser", &all);
        };
        let data = path.join("data");
        let data = data.to_str().expect("path");
        as_postgres(
            bin.join("initdb").to_str().expect("path"),
            &["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        let conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = '{}/server.crt'\nssl_key_file = '{}/server.key'\nfsync = off\n",
            path.display(),
            path.display(),
            path.display()
        );
        let mut existing =
            std::fs::read_to_string(path.join("data/postgresql.conf")).expect("conf");
        existing.push_str(&conf);
        std::fs::write(path.join("data/postgresql.conf"), existing).expect("conf");
        as_postgres(
            bin.join("pg_ctl").to_str().expect("path"),
            &[
                "-D",
                data,
                "-l",
                &format!("{}/log", path.display()),
                "-w",
                "start",
            ],
        );
        TlsPostgres { dir, port, bin }
    }

    fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{query}", self.port)
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D"])
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// Connects through the application's own `Db`, migrates and tells whether the session is
/// encrypted.
async fn connect_and_ask_for_tls(url: &str) -> Result<bool, String> {
    let url = server::config::DatabaseUrl::parse(url)?;
    let db = server::db::Db::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(db.pool())
        .await
        .map_err(|e| e.to_string())?;
    db.close().await;
    Ok(ssl)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_postgresql_over_tls_connects_with_require_and_verify_full() {
    if std::env::var("TEST_POSTGRES_URL").is_err() {
        assert!(std::env::var("CI").is_err(), "CI runs the PostgreSQL tests");
        eprintln!("TEST_POSTGRES_URL is not set: skipping the TLS PostgreSQL test");
        return;
    }
    let pg = tokio::task::block_in_place(TlsPostgres::start);
    assert_eq!(
        connect_and_ask_for_tls(&pg.url("127.0.0.1", "sslmode=require")).await,
        Ok(true),
        "sslmode=require encrypts"
    );
    let root = pg.file("ca.pem");
    assert_eq!(
        connect_and_ask_for_tls(&pg.url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={root}")
        ))
        .await,
        Ok(true),
        "verify-full with the provider's root certificate"
    );
    let other = pg.file("other.pem");
    assert!(
        connect_and_ask_for_tls(&pg.url(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={other}")
        ))
        .await
        .is_err(),
        "a server whose certificate the given root did not sign is refused"
    );
    assert!(
        connect_and_ask_for_tls(&pg.url("localhost", "sslmode=verify-full"))
            .await
            .is_err(),
        "without its root certificate a private CA is not trusted"
    );
}
