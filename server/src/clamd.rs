//! A client of ClamAV's scanning daemon (clamd), which checks every uploaded document before it is
//! stored. It speaks clamd's `INSTREAM` command over TCP or a Unix socket: the file goes in chunks
//! of at most 64 KiB, each after its length as a 4-byte big-endian number, and a zero length ends
//! it; clamd answers `stream: OK`, `stream: <name> FOUND` or `<reason> ERROR`.

use app::server::ports::VirusScanner;
use async_trait::async_trait;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// How long one scan may take, connection included, before the upload is refused.
const SCAN_TIMEOUT: Duration = Duration::from_secs(30);
const CHUNK: usize = 64 * 1024;

/// Where clamd listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clamd {
    /// `tcp://host:port`
    Tcp(String),
    /// `unix:/path/to/clamd.ctl`
    Unix(std::path::PathBuf),
}

impl Clamd {
    /// Reads `tcp://host:port` or `unix:/path` (`RAPPORT_CLAMD`).
    pub fn parse(raw: &str) -> Result<Clamd, String> {
        let raw = raw.trim();
        if let Some(addr) = raw.strip_prefix("tcp://") {
            let addr = addr.trim_end_matches('/');
            match addr.rsplit_once(':') {
                Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                    Ok(Clamd::Tcp(addr.to_string()))
                }
                _ => Err(format!(
                    "'{raw}' needs a host and a port, e.g. tcp://127.0.0.1:3310"
                )),
            }
        } else if let Some(path) = raw.strip_prefix("unix:") {
            let path = path.trim_start_matches("//");
            if path.starts_with('/') {
                Ok(Clamd::Unix(path.into()))
            } else {
                Err(format!(
                    "'{raw}' needs an absolute socket path, e.g. unix:/run/clamav/clamd.ctl"
                ))
            }
        } else {
            Err(format!(
                "'{raw}' is not tcp://host:port or unix:/path/to/clamd.ctl"
            ))
        }
    }

    async fn scan_on<S: AsyncRead + AsyncWrite + Unpin>(
        mut stream: S,
        content: &[u8],
    ) -> std::io::Result<String> {
        stream.write_all(b"zINSTREAM\0").await?;
        for chunk in content.chunks(CHUNK) {
            // A chunk is at most 64 KiB, so its length always fits.
            let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
            stream.write_all(&len.to_be_bytes()).await?;
            stream.write_all(chunk).await?;
        }
        stream.write_all(&0u32.to_be_bytes()).await?;
        stream.flush().await?;
        let mut reply = Vec::new();
        stream.take(4096).read_to_end(&mut reply).await?;
        Ok(String::from_utf8_lossy(&reply)
            .trim_end_matches(['\0', '\n'])
            .to_string())
    }

    async fn exchange(&self, content: &[u8]) -> std::io::Result<String> {
        match self {
            Clamd::Tcp(addr) => {
                Clamd::scan_on(tokio::net::TcpStream::connect(addr).await?, content).await
            }
            #[cfg(unix)]
            Clamd::Unix(path) => {
                Clamd::scan_on(tokio::net::UnixStream::connect(path).await?, content).await
            }
            #[cfg(not(unix))]
            Clamd::Unix(_) => Err(std::io::Error::other("Unix sockets need a Unix system")),
        }
    }
}

/// clamd's answer: `Ok(None)` clean, `Ok(Some(name))` found, `Err` anything else.
pub fn verdict(reply: &str) -> Result<Option<String>, String> {
    let body = reply.strip_prefix("stream: ").unwrap_or(reply);
    if body == "OK" {
        Ok(None)
    } else if let Some(name) = body.strip_suffix(" FOUND") {
        Ok(Some(name.to_string()))
    } else {
        Err(format!("clamd answered: {reply}"))
    }
}

#[async_trait]
impl VirusScanner for Clamd {
    async fn scan(&self, content: &[u8]) -> Result<Option<String>, String> {
        match tokio::time::timeout(SCAN_TIMEOUT, self.exchange(content)).await {
            Ok(Ok(reply)) => verdict(&reply),
            Ok(Err(e)) => Err(format!("clamd unreachable: {e}")),
            Err(_) => Err("clamd took longer than 30 seconds".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_tcp_or_unix_and_bad_ones_are_named() {
        assert_eq!(
            Clamd::parse("tcp://127.0.0.1:3310"),
            Ok(Clamd::Tcp("127.0.0.1:3310".into()))
        );
        assert_eq!(
            Clamd::parse("unix:/run/clamav/clamd.ctl"),
            Ok(Clamd::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            Clamd::parse("unix:///run/clamav/clamd.ctl"),
            Ok(Clamd::Unix("/run/clamav/clamd.ctl".into()))
        );
        for bad in [
            "tcp://localhost",
            "clamd:3310",
            "unix:relative",
            "tcp://:3310",
        ] {
            assert!(Clamd::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clamds_answers_are_read() {
        assert_eq!(verdict("stream: OK"), Ok(None));
        assert_eq!(
            verdict("stream: Win.Test.EICAR_HDB-1 FOUND"),
            Ok(Some("Win.Test.EICAR_HDB-1".into()))
        );
        assert!(verdict("INSTREAM size limit exceeded. ERROR").is_err());
    }
}
