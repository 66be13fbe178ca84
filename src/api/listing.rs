//! What the issuer's listings share: paging (a `cursor` over the listing's sort
//! key, or the deprecated `offset`), the time window and the format, checked; the
//! `Link` to the next page; and CSV exports written out as rows come from the
//! database.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};

use crate::domain::validation::Violations;
use crate::error::{AppError, AppResult};
use crate::store::Cursor;

/// The largest JSON page.
const MAX_PAGE: i64 = 1000;

/// Rows a CSV export holds when the request sets no `limit`: every row the filters
/// let through (the export is streamed, so memory does not grow with it).
const ALL_ROWS: i64 = i64::MAX;

/// Paging, time window and format of a listing, checked.
pub struct Listing {
    pub limit: i64,
    pub offset: i64,
    pub after: Option<Cursor>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub csv: bool,
}

/// The query parameters every listing takes.
pub struct ListingQuery<'a> {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub cursor: Option<&'a str>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub format: Option<&'a str>,
}

impl Listing {
    /// Checks the parameters; `read_cursor` reads a cursor of this listing (a bad one
    /// is a 422 naming `cursor`).
    pub fn check(q: ListingQuery<'_>, read_cursor: fn(&str) -> AppResult<Cursor>) -> AppResult<Listing> {
        let mut v = Violations::new();
        let csv = match q.format {
            None | Some("json") => false,
            Some("csv") => true,
            Some(_) => {
                v.add("format", "must be json or csv".into());
                false
            }
        };
        let limit = match (q.limit, csv) {
            (Some(n), false) => {
                v.check((1..=MAX_PAGE).contains(&n), "limit", "must be from 1 to 1000".into());
                n
            }
            (Some(n), true) => {
                v.check(n >= 1, "limit", "must be at least 1".into());
                n
            }
            (None, false) => 100,
            (None, true) => ALL_ROWS,
        };
        v.check(q.offset.unwrap_or(0) >= 0, "offset", "must not be negative".into());
        for (field, value) in [("from", &q.from), ("to", &q.to)] {
            if let Some(t) = value {
                v.check(
                    credence_core::model::parse_date_time_z(t).is_some(),
                    field,
                    "must be an RFC 3339 date-time".into(),
                );
            }
        }
        if q.cursor.is_some() && q.offset.is_some() {
            v.add("cursor", "cannot be combined with offset (a cursor already says where the page starts)".into());
        }
        v.into_result()?;
        let after = q.cursor.map(read_cursor).transpose()?;
        Ok(Listing { limit, offset: q.offset.unwrap_or(0), after, from: q.from, to: q.to, csv })
    }
}

/// The `Link` header to the page after a full JSON page ending with `last`: the
/// request's own URL with `cursor` set (and `offset` dropped).
pub fn next_link(
    uri: &Uri,
    rows: usize,
    limit: i64,
    last: Option<Cursor>,
) -> Option<(header::HeaderName, HeaderValue)> {
    let last = last.filter(|_| i64::try_from(rows).is_ok_and(|n| n == limit))?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if k != "cursor" && k != "offset" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("cursor", &last.encode());
    let link = format!("<{}?{}>; rel=\"next\"", uri.path(), query.finish());
    HeaderValue::from_str(&link).ok().map(|v| (header::LINK, v))
}

/// A CSV document (RFC 4180: CRLF, fields quoted only when they must be) from a
/// header line and rows of fields, written out in chunks as the rows arrive. A
/// failure after the first bytes ends the body early (the client sees a transfer
/// that did not finish), and is logged.
pub fn csv_stream<T, S>(header_line: &'static str, rows: S, fields: fn(T) -> Vec<String>) -> Response
where
    T: Send + 'static,
    S: Stream<Item = AppResult<T>> + Send + 'static,
{
    let header = futures_util::stream::once(async move { csv_chunk(std::iter::once(Ok(header_line.split(',')))) });
    let body = rows.ready_chunks(256).map(move |chunk| {
        csv_chunk(chunk.into_iter().map(|row| row.map(fields).map(Vec::into_iter).map_err(|e| e.to_string())))
    });
    let stream = header.chain(body).map(|chunk| {
        chunk.map_err(|e| {
            tracing::warn!(error = %e, "a CSV export stopped early");
            std::io::Error::other(e)
        })
    });
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], Body::from_stream(stream)).into_response()
}

/// Rows written as CSV.
fn csv_chunk<I, F>(rows: I) -> Result<Bytes, String>
where
    I: Iterator<Item = Result<F, String>>,
    F: Iterator,
    F::Item: AsRef<[u8]>,
{
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for row in rows {
        out.write_record(row?).map_err(|e| format!("the CSV could not be written: {e}"))?;
    }
    out.into_inner().map(Bytes::from).map_err(|e| format!("the CSV could not be written: {}", e.into_error()))
}

/// A client error of a listing's query string (unknown parameter, wrong type).
pub fn bad_query(e: axum::extract::rejection::QueryRejection) -> AppError {
    AppError::bad_request(Some("query"), e.body_text())
}
