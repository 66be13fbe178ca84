//! Keyset pagination: a listing's next page starts after the sort key of the last
//! row of the page before, which the client carries back as an opaque cursor. The
//! database walks its index from there instead of counting past an `OFFSET`, so a
//! page costs the same deep in a listing as at its start, and rows added during a
//! walk neither repeat nor hide rows already there.
//!
//! Also the rows of a query as a stream ([`Store::stream_rows`]), for exports that
//! are written out as they are read.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{Stream, StreamExt};
use sqlx::any::AnyRow;

use super::Store;
use crate::error::{AppError, AppResult};

/// The longest cursor read (a sort key of a few short columns is far shorter).
const MAX_CURSOR_LEN: usize = 512;

/// Where a listing continues: the listing it belongs to and the sort key of the
/// last row seen, in the listing's column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    listing: &'static str,
    key: Vec<String>,
}

fn bad_cursor() -> AppError {
    AppError::invalid("cursor", "is not a cursor of this listing (use the one its previous page gave, unchanged)")
}

impl Cursor {
    pub(super) fn new(listing: &'static str, key: Vec<String>) -> Cursor {
        Cursor { listing, key }
    }

    /// The sort key's parts, in the listing's column order.
    pub(super) fn key(&self) -> &[String] {
        &self.key
    }

    /// The text clients send back (base64url, no padding).
    pub fn encode(&self) -> String {
        let mut text = self.listing.to_string();
        for part in &self.key {
            text.push('\n');
            text.push_str(part);
        }
        URL_SAFE_NO_PAD.encode(text)
    }

    /// Reads a cursor of `listing`, whose sort key has `parts` parts. Anything else
    /// (not base64url, another listing's cursor, a key of another shape) is a 422
    /// naming `cursor`; the listing checks each part's form.
    pub(super) fn decode(text: &str, listing: &'static str, parts: usize) -> AppResult<Cursor> {
        if text.is_empty() || text.len() > MAX_CURSOR_LEN {
            return Err(bad_cursor());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad_cursor())?;
        let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
        let mut split = text.split('\n');
        if split.next() != Some(listing) {
            return Err(bad_cursor());
        }
        let key: Vec<String> = split.map(str::to_string).collect();
        if key.len() != parts || key.iter().any(|p| p.is_empty() || p.chars().any(char::is_control)) {
            return Err(bad_cursor());
        }
        Ok(Cursor { listing, key })
    }

    /// Checks that the key part `i` is a time as the store writes them.
    pub(super) fn check_time(self, i: usize) -> AppResult<Cursor> {
        match self.key.get(i) {
            Some(t) if credence_core::model::parse_date_time_z(t).is_some() => Ok(self),
            _ => Err(bad_cursor()),
        }
    }
}

/// A value bound to a streamed query, owned by the task that runs it.
#[derive(Debug, Clone)]
pub(super) enum Bound {
    Text(Option<String>),
    Int(i64),
}

/// Rows read ahead of the consumer of a stream.
const STREAM_AHEAD: usize = 256;

impl Store {
    /// The rows of `sql`, each read by `read`, as they come from the database: a
    /// task runs the query on a pool connection and hands rows over a bounded
    /// channel, so memory stays flat however many rows there are, and the query
    /// stops when the stream is dropped (a client that went away).
    pub(super) fn stream_rows<T, R>(
        &self,
        sql: String,
        args: Vec<Bound>,
        read: R,
    ) -> impl Stream<Item = AppResult<T>> + use<T, R>
    where
        T: Send + 'static,
        R: Fn(&AnyRow) -> AppResult<T> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::mpsc::channel::<AppResult<T>>(STREAM_AHEAD);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for arg in args {
                query = match arg {
                    Bound::Text(v) => query.bind(v),
                    Bound::Int(v) => query.bind(v),
                };
            }
            let mut rows = query.fetch(&pool);
            while let Some(row) = rows.next().await {
                let item = row.map_err(AppError::from).and_then(|r| read(&r));
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written() {
        let c = Cursor::new("credentials", vec!["2026-12-03T10:00:00.000Z".into(), "0193-abc".into()]);
        let back = Cursor::decode(&c.encode(), "credentials", 2).unwrap().check_time(0).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn anything_else_is_refused_naming_cursor() {
        let other = Cursor::new("learners", vec!["2026-12-03T10:00:00.000Z".into(), "a".into()]).encode();
        let bad_time = Cursor::new("credentials", vec!["yesterday".into(), "a".into()]).encode();
        let control = Cursor::new("credentials", vec!["2026-12-03T10:00:00.000Z".into(), "a\u{0}".into()]).encode();
        for text in ["", "!!", "bm90IGEgY3Vyc29y", &other, &control, &"A".repeat(600)] {
            let e = Cursor::decode(text, "credentials", 2).unwrap_err();
            assert!(format!("{e:?}").contains("cursor"), "{text}: {e:?}");
        }
        let e = Cursor::decode(&bad_time, "credentials", 2).unwrap().check_time(0).unwrap_err();
        assert!(format!("{e:?}").contains("cursor"));
    }
}
