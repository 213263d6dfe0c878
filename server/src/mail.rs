//! Sending email over SMTP with lettre: plain (local test servers), STARTTLS or implicit TLS,
//! chosen by the scheme of `SMTP_URL`.

use app::server::ports::{Mailer, OutgoingEmail, SendError};
use async_trait::async_trait;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use url::Url;

/// A mail server connection configured from `SMTP_URL`.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `smtp://host:port` (no TLS: local test servers only), `smtp+starttls://user:pass@host:587`
    /// (refuses to continue if the server cannot upgrade) or `smtps://user:pass@host:465`.
    pub fn from_url(url: &str, from: &str) -> Result<SmtpMailer, String> {
        let u = Url::parse(url).map_err(|e| format!("SMTP_URL is not a URL ({e})"))?;
        let host = u.host_str().ok_or("SMTP_URL has no host")?.to_string();
        let credentials = (!u.username().is_empty()).then(|| {
            let decode = |s: &str| percent_decode(s);
            Credentials::new(
                decode(u.username()),
                decode(u.password().unwrap_or_default()),
            )
        });
        let builder = match u.scheme() {
            "smtp" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
                .port(u.port().unwrap_or(25)),
            "smtp+starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
                .map_err(|e| format!("SMTP_URL: {e}"))?
                .port(u.port().unwrap_or(587)),
            "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                .map_err(|e| format!("SMTP_URL: {e}"))?
                .port(u.port().unwrap_or(465)),
            other => {
                return Err(format!(
                    "SMTP_URL uses the scheme '{other}'; use smtp, smtp+starttls or smtps"
                ))
            }
        };
        let builder = builder.timeout(Some(Duration::from_secs(30)));
        let builder = match credentials {
            Some(c) => builder.credentials(c),
            None => builder,
        };
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("RAPPORT_MAIL_FROM '{from}' is not an address ({e})"))?;
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
        })
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[async_trait]
impl Mailer for SmtpMailer {
    #[tracing::instrument(skip_all, fields(message_id = %email.message_id))]
    async fn send(&self, email: &OutgoingEmail) -> Result<(), SendError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("invalid recipient address: {e}")))?;
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        // Marks the message as sent by a machine, so auto-responders do not answer it.
        message.headers_mut().insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}
