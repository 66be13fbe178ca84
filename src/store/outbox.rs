//! The transactional outbox: messages written with what causes them, delivered later
//! by the mailer (`crate::mailer`), each leased by one sender at a time.

use std::sync::OnceLock;

use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::Notify;

use super::bulk_jobs::stamp_after;
use super::keyset::Cursor;
use super::unit::{Tx, args};
use super::{Store, new_id, now};
use crate::domain::email::Email;
use crate::error::AppResult;

const LISTING: &str = "outbox";

fn written() -> &'static Notify {
    static WRITTEN: OnceLock<Notify> = OnceLock::new();
    WRITTEN.get_or_init(Notify::new)
}

/// Says that a committed unit of work put messages in the outbox.
pub(super) fn note_written() {
    written().notify_one();
}

/// Resolves once messages were put in the outbox since the last wait (the mailer
/// waits on it between looks, rather than only polling).
pub async fn outbox_written() {
    written().notified().await;
}

/// A message as stored.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: String,
    pub organization_id: Option<String>,
    pub kind: String,
    pub subject_id: Option<String>,
    pub recipient: String,
    pub language: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: String,
    pub due_at: String,
    pub attempts: i64,
    pub sent_at: Option<String>,
    pub failed_at: Option<String>,
    pub last_error: Option<String>,
}

impl OutboxMessage {
    /// `sent`, `failed`, `retrying` (an attempt failed) or `waiting`.
    pub fn state(&self) -> &'static str {
        match (&self.sent_at, &self.failed_at, self.attempts) {
            (Some(_), _, _) => "sent",
            (None, Some(_), _) => "failed",
            (None, None, 0) => "waiting",
            (None, None, _) => "retrying",
        }
    }
}

const COLUMNS: &str = "id, organization_id, kind, subject_id, recipient, language, subject, body_text, body_html, \
     created_at, due_at, attempts, sent_at, failed_at, last_error";

fn message_from_row(r: &AnyRow) -> AppResult<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.try_get("id")?,
        organization_id: r.try_get("organization_id")?,
        kind: r.try_get("kind")?,
        subject_id: r.try_get("subject_id")?,
        recipient: r.try_get("recipient")?,
        language: r.try_get("language")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        body_html: r.try_get("body_html")?,
        created_at: r.try_get("created_at")?,
        due_at: r.try_get("due_at")?,
        attempts: r.try_get("attempts")?,
        sent_at: r.try_get("sent_at")?,
        failed_at: r.try_get("failed_at")?,
        last_error: r.try_get("last_error")?,
    })
}

/// Reads a cursor of the outbox listing (sort key: `created_at`, `id`).
pub fn outbox_cursor(text: &str) -> AppResult<Cursor> {
    Cursor::decode(text, LISTING, 2)?.check_time(0)
}

impl Tx<'_> {
    /// Puts `email` in the outbox, about `subject_id`, in this unit of work: it is
    /// delivered only if the unit commits.
    pub fn enqueue_email(&mut self, organization_id: &str, subject_id: &str, email: &Email) -> AppResult<()> {
        let (id, now) = (new_id(), now());
        self.execute(
            "INSERT INTO outbox_messages (id, organization_id, kind, subject_id, recipient, language, subject, \
             body_text, body_html, created_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            args![
                &id,
                organization_id,
                email.kind,
                subject_id,
                &email.to,
                email.language,
                &email.subject,
                &email.text,
                &email.html,
                &now
            ],
        )?;
        self.note_enqueued();
        Ok(())
    }
}

impl Store {
    /// Leases up to `limit` messages that are due, for `lease`: no other sender takes
    /// them meanwhile, and a sender that dies lets them go when the lease runs out.
    pub async fn lease_due_messages(&self, limit: i64, lease: std::time::Duration) -> AppResult<Vec<OutboxMessage>> {
        let now = now();
        let candidates: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM outbox_messages WHERE sent_at IS NULL AND failed_at IS NULL AND due_at <= $1 \
             AND (leased_until IS NULL OR leased_until < $1) ORDER BY due_at LIMIT $2",
        )
        .bind(&now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let until = stamp_after(lease);
        let mut leased = Vec::new();
        for id in candidates {
            // Checked again: of two senders racing for a message, one gets it.
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE outbox_messages SET leased_until = $1 WHERE id = $2 AND sent_at IS NULL AND failed_at IS NULL \
                 AND (leased_until IS NULL OR leased_until < $3) RETURNING {COLUMNS}"
            )))
            .bind(&until)
            .bind(&id)
            .bind(&now)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                leased.push(message_from_row(&row)?);
            }
        }
        Ok(leased)
    }

    /// Records that the server accepted message `id`.
    pub async fn message_sent(&self, id: &str) -> AppResult<()> {
        sqlx::query(
            "UPDATE outbox_messages SET sent_at = $1, leased_until = NULL, attempts = attempts + 1, last_error = NULL \
             WHERE id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: tried again after `retry_after`, or given up (`None`).
    pub async fn message_failed(
        &self,
        id: &str,
        error: &str,
        retry_after: Option<std::time::Duration>,
    ) -> AppResult<()> {
        let error: String = error.chars().take(500).collect();
        let query = match retry_after {
            Some(after) => sqlx::query(
                "UPDATE outbox_messages SET due_at = $1, leased_until = NULL, attempts = attempts + 1, last_error = $2 \
                 WHERE id = $3",
            )
            .bind(stamp_after(after)),
            None => sqlx::query(
                "UPDATE outbox_messages SET failed_at = $1, leased_until = NULL, attempts = attempts + 1, last_error = $2 \
                 WHERE id = $3",
            )
            .bind(now()),
        };
        query.bind(error).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// The organization's messages, newest first: `limit` after `after`, and the
    /// cursor of the page after them when there is one.
    pub async fn outbox(
        &self,
        organization_id: &str,
        after: Option<&Cursor>,
        limit: i64,
    ) -> AppResult<(Vec<OutboxMessage>, Option<Cursor>)> {
        let (page, key) = match after {
            Some(c) => ("AND (created_at < $3 OR (created_at = $3 AND id < $4))", c.key().to_vec()),
            None => ("", Vec::new()),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox_messages WHERE organization_id = $1 {page} \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organization_id).bind(limit + 1);
        for part in &key {
            query = query.bind(part.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut messages = rows.iter().map(message_from_row).collect::<AppResult<Vec<_>>>()?;
        let next = if messages.len() as i64 > limit {
            messages.truncate(limit.max(0) as usize);
            messages.last().map(|m| Cursor::new(LISTING, vec![m.created_at.clone(), m.id.clone()]))
        } else {
            None
        };
        Ok((messages, next))
    }
}
