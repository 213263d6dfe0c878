//! A real SMTP server (aiosmtpd) on a free loopback port, started per test.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// How the test server answers.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Accept,
    Refuse,
    Drop,
}

pub struct SmtpServer {
    pub port: u16,
    pub maildir: tempfile::TempDir,
    child: Child,
}

fn python() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    })
}

impl SmtpServer {
    /// Starts the server, or returns `None` (outside CI) when aiosmtpd is not installed.
    pub fn start(mode: Mode) -> Option<SmtpServer> {
        let Some(python) = python() else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must have python3-aiosmtpd for the mail tests"
            );
            eprintln!("aiosmtpd is not installed (apt-get install python3-aiosmtpd): skipping this mail test");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let maildir = tempfile::tempdir().expect("maildir");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mode_arg = match mode {
            Mode::Accept => "accept",
            Mode::Refuse => "refuse",
            Mode::Drop => "drop",
        };
        let mut child = Command::new(python)
            .arg(script)
            .args([mode_arg, &port.to_string()])
            .arg(maildir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert_eq!(line.trim(), "READY", "the SMTP server started");
        Some(SmtpServer {
            port,
            maildir,
            child,
        })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, as raw text, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.maildir.path())
            .expect("maildir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| std::fs::read_to_string(p).expect("message"))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
