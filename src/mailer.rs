//! The mailer: delivers the outbox's messages over SMTP.
//!
//! Messages are written in the outbox in the same transaction as what causes them
//! (`store::outbox`), so nothing is sent for a change that did not commit and nothing
//! is lost when the process stops: a message leaves the outbox only once the SMTP
//! server has accepted it. Each message is leased by one sender at a time, so several
//! instances share the work; a sender killed mid-send lets its lease run out and the
//! message goes again with the same `Message-ID`, by which receiving servers drop a
//! duplicate. A refusal for good (5xx) gives up at once; anything else is tried again
//! with growing pauses for a day.
//!
//! The server comes from `CREDENCE_SMTP_URL` (a secret: environment only):
//! `smtp://HOST:PORT?tls=required` (STARTTLS), `smtps://HOST:PORT` (TLS from the first
//! byte), `smtp://HOST:PORT` (no TLS: a relay on the same machine), with `USER:PASSWORD@`
//! before the host when it asks for them. The sender is `CREDENCE_SMTP_FROM` (e.g.
//! `Badges <badges@example.org>`). Without a server the outbox keeps every message, and
//! the console shows what would have been sent.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

use crate::error::{AppError, AppResult};
use crate::store::{OutboxMessage, Store};

/// How long a sender holds a message it is sending.
const LEASE: Duration = Duration::from_secs(120);
/// Messages leased at once.
const BATCH: i64 = 10;
/// How often the outbox is looked at when nothing wakes the mailer.
const POLL: Duration = Duration::from_secs(5);
/// The pause after the first failed attempt; doubled after each, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(30);
const MAX_PAUSE: Duration = Duration::from_secs(3600);
/// A message still failing this long after it was written is given up.
const GIVE_UP_AFTER: time::Duration = time::Duration::hours(24);
/// One SMTP exchange may take this long.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the mailer paces itself (tests shorten the pauses).
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// How often the outbox is looked at when nothing wakes the mailer.
    pub poll: Duration,
    /// The pause after the first failed attempt, doubled after each up to an hour.
    pub first_pause: Duration,
}

impl Default for Pacing {
    fn default() -> Pacing {
        Pacing { poll: POLL, first_pause: FIRST_PAUSE }
    }
}

/// Where and as whom mail is sent.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `smtp://…` or `smtps://…`, as described above.
    pub url: String,
    pub from: Mailbox,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("SmtpSettings").field("url", &"(set)").field("from", &self.from.to_string()).finish()
    }
}

impl SmtpSettings {
    /// The settings `CREDENCE_SMTP_URL` and `CREDENCE_SMTP_FROM` give, if any: both or neither.
    pub fn from_env() -> AppResult<Option<SmtpSettings>> {
        let url = std::env::var("CREDENCE_SMTP_URL").ok().filter(|v| !v.trim().is_empty());
        let from = std::env::var("CREDENCE_SMTP_FROM").ok().filter(|v| !v.trim().is_empty());
        match (url, from) {
            (None, None) => Ok(None),
            (Some(url), Some(from)) => SmtpSettings::new(&url, &from).map(Some),
            (Some(_), None) => {
                Err(AppError::invalid("CREDENCE_SMTP_FROM", "is needed with CREDENCE_SMTP_URL: the sender's address"))
            }
            (None, Some(_)) => {
                Err(AppError::invalid("CREDENCE_SMTP_URL", "is needed with CREDENCE_SMTP_FROM: the SMTP server"))
            }
        }
    }

    pub fn new(url: &str, from: &str) -> AppResult<SmtpSettings> {
        let from: Mailbox = from.parse().map_err(|e| {
            AppError::invalid(
                "CREDENCE_SMTP_FROM",
                format!("is not an address such as Badges <badges@example.org>: {e}"),
            )
        })?;
        let settings = SmtpSettings { url: url.to_string(), from };
        settings.transport()?;
        Ok(settings)
    }

    fn transport(&self) -> AppResult<AsyncSmtpTransport<Tokio1Executor>> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.url).map_err(|e| {
            // Never the URL itself: it may hold a password.
            AppError::invalid("CREDENCE_SMTP_URL", format!("is not an smtp:// or smtps:// URL lettre accepts: {e}"))
        })?;
        Ok(builder.timeout(Some(SMTP_TIMEOUT)).build())
    }

    /// The domain of the sender's address, for `Message-ID`s.
    fn domain(&self) -> String {
        self.from.email.domain().to_string()
    }
}

/// Delivers the outbox until `stopping` turns true (a message being sent is finished first).
pub async fn run(store: Store, settings: SmtpSettings, pacing: Pacing, mut stopping: watch::Receiver<bool>) {
    let transport = match settings.transport() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "the mailer cannot start");
            return;
        }
    };
    tracing::info!(from = %settings.from, "mailer started");
    loop {
        if *stopping.borrow() {
            return;
        }
        let due = match store.lease_due_messages(BATCH, LEASE).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "the outbox could not be read; trying again");
                Vec::new()
            }
        };
        let idle = due.is_empty();
        for message in due {
            deliver(&store, &transport, &settings, pacing, &message).await;
        }
        if idle {
            tokio::select! {
                () = crate::store::outbox_written() => {}
                () = tokio::time::sleep(pacing.poll) => {}
                _ = stopping.changed() => {}
            }
        }
    }
}

/// Sends one leased message and records how it went.
async fn deliver(
    store: &Store,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    settings: &SmtpSettings,
    pacing: Pacing,
    m: &OutboxMessage,
) {
    let outcome = match build(settings, m) {
        Ok(email) => transport.send(email).await.map(|_| ()).map_err(|e| (e.to_string(), e.is_permanent())),
        // A recipient or content that cannot be written as mail will never be sent.
        Err(e) => Err((e, true)),
    };
    let recorded = match outcome {
        Ok(()) => {
            tracing::info!(message = %m.id, kind = %m.kind, "email sent");
            store.message_sent(&m.id).await
        }
        Err((error, permanent)) => {
            let retry = (!permanent && !too_old(m)).then(|| pause_after(pacing.first_pause, m.attempts));
            match retry {
                Some(after) => {
                    tracing::warn!(message = %m.id, error = %error, retry_secs = after.as_secs(), "email not sent; will try again")
                }
                None => tracing::warn!(message = %m.id, error = %error, "email given up"),
            }
            store.message_failed(&m.id, &error, retry).await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and the message is tried again.
        tracing::warn!(message = %m.id, error = %e, "the outcome of an email could not be recorded");
    }
}

/// The pause before attempt `attempts + 2`, `first` after the first failed one.
fn pause_after(first: Duration, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.clamp(0, 10)).unwrap_or(10);
    first.saturating_mul(2u32.saturating_pow(doublings)).min(MAX_PAUSE)
}

fn too_old(m: &OutboxMessage) -> bool {
    credence_core::model::parse_date_time_z(&m.created_at)
        .is_some_and(|created| time::OffsetDateTime::now_utc() - created > GIVE_UP_AFTER)
}

/// The message as mail: both bodies, its `Message-ID` from its id.
fn build(settings: &SmtpSettings, m: &OutboxMessage) -> Result<Message, String> {
    let to: Mailbox = m.recipient.parse().map_err(|e| format!("the recipient is not an address: {e}"))?;
    Message::builder()
        .from(settings.from.clone())
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{}@{}>", m.id, settings.domain())))
        .multipart(MultiPart::alternative_plain_html(m.body_text.clone(), m.body_html.clone()))
        .map_err(|e| format!("the message cannot be written: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_an_hour() {
        assert_eq!(pause_after(FIRST_PAUSE, 0), Duration::from_secs(30));
        assert_eq!(pause_after(FIRST_PAUSE, 1), Duration::from_secs(60));
        assert_eq!(pause_after(FIRST_PAUSE, 3), Duration::from_secs(240));
        assert_eq!(pause_after(FIRST_PAUSE, 50), MAX_PAUSE);
        assert_eq!(pause_after(FIRST_PAUSE, -1), Duration::from_secs(30));
    }

    #[test]
    fn settings_need_a_sender_address_and_a_url_lettre_reads() {
        assert!(SmtpSettings::new("smtp://127.0.0.1:2525", "Badges <badges@example.org>").is_ok());
        assert!(SmtpSettings::new("smtp://127.0.0.1:2525", "not an address").is_err());
        assert!(SmtpSettings::new("ftp://127.0.0.1", "badges@example.org").is_err());
        let secret = SmtpSettings::new("smtps://user:hunter2@mail.example.org", "badges@example.org").unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"), "the password never shows");
    }
}
