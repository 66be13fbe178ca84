//! The audit log: one row per change, only ever added, read newest first by keyset.
//!
//! Who acts in a request is known to its adapter (the API key of `api::extract::Auth`,
//! the staff member of the console's `Staff`), while a change deep in a unit of work
//! is recorded by the store. Each request has a slot for its actor ([`acting_scope`],
//! set up for every request by the server), which the adapter fills ([`act_as`]);
//! `Store::issuing` takes the actor from it when a unit begins ([`Tx::actor`]). Work
//! outside any request (the bulk worker, the demo loader) acts as the service.

use std::cell::RefCell;
use std::future::Future;

use sqlx::Row;

use super::keyset::Cursor;
use super::unit::{Tx, args};
use super::{Store, new_id, now};
use crate::domain::audit::{Actor, Change, RecordedChange};
use crate::error::AppResult;

const INSERT_CHANGE: &str = "INSERT INTO audit_log \
     (id, organization_id, at, actor_kind, actor_id, actor_name, action, subject_kind, subject_id, summary) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

tokio::task_local! {
    static ACTING: RefCell<Option<Actor>>;
}

/// Runs `work` (a request) with an empty actor slot.
pub async fn acting_scope<F: Future>(work: F) -> F::Output {
    ACTING.scope(RefCell::new(None), work).await
}

/// Says who acts in the request being answered (no effect outside a request).
pub fn act_as(actor: Actor) {
    let _ = ACTING.try_with(|slot| *slot.borrow_mut() = Some(actor));
}

/// Who acts in the request being answered; the service itself outside requests or
/// before an adapter said.
pub fn acting() -> Actor {
    ACTING.try_with(|slot| slot.borrow().clone()).ok().flatten().unwrap_or(Actor::Service)
}

/// The listing's name in its cursors.
const LISTING: &str = "audit";

/// Reads the cursor of the audit log's next page.
pub fn audit_cursor(text: &str) -> AppResult<Cursor> {
    Cursor::decode(text, LISTING, 2)?.check_time(0)
}

/// Writes a change with any executor: the pool, or the transaction of the change.
pub(super) async fn insert_change<'e, E>(executor: E, change: &Change<'_>) -> AppResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let (id, at) = (new_id(), now());
    sqlx::query(INSERT_CHANGE)
        .bind(&id)
        .bind(change.organization_id)
        .bind(&at)
        .bind(change.actor.kind())
        .bind(change.actor.id())
        .bind(change.actor.name())
        .bind(change.action.as_str())
        .bind(change.subject_kind)
        .bind(change.subject_id)
        .bind(&change.summary)
        .execute(executor)
        .await?;
    Ok(())
}

impl Store {
    /// Records a change made outside a unit of work.
    pub async fn record_change(&self, change: &Change<'_>) -> AppResult<()> {
        insert_change(&self.pool, change).await
    }

    /// A page of the organization's changes, newest first, after `cursor`; with the
    /// cursor of the next page when there may be one.
    pub async fn changes(
        &self,
        organization_id: &str,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> AppResult<(Vec<RecordedChange>, Option<Cursor>)> {
        let columns = "id, at, actor_kind, actor_id, actor_name, action, subject_kind, subject_id, summary";
        let mut query = match cursor {
            Some(_) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM audit_log WHERE organization_id = $1 AND (at < $2 OR (at = $2 AND id < $3)) \
                 ORDER BY at DESC, id DESC LIMIT $4"
            ))),
            None => sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM audit_log WHERE organization_id = $1 ORDER BY at DESC, id DESC LIMIT $2"
            ))),
        }
        .bind(organization_id);
        if let Some(c) = cursor {
            query = query.bind(c.key()[0].clone()).bind(c.key()[1].clone());
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("actor_kind")?;
            out.push(RecordedChange {
                id: row.try_get("id")?,
                at: row.try_get("at")?,
                actor: Actor::from_stored(&kind, row.try_get("actor_id")?, row.try_get("actor_name")?),
                action: row.try_get("action")?,
                subject_kind: row.try_get("subject_kind")?,
                subject_id: row.try_get("subject_id")?,
                summary: row.try_get("summary")?,
            });
        }
        let next = (out.len() as i64 == limit)
            .then(|| out.last().map(|c| Cursor::new(LISTING, vec![c.at.clone(), c.id.clone()])))
            .flatten();
        Ok((out, next))
    }
}

impl Tx<'_> {
    /// Who acts in this unit of work: whoever the request's adapter said when it began.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Records a change in the unit of work that makes it, so the log holds the change
    /// if and only if the change was committed.
    pub fn record_change(&mut self, change: &Change<'_>) -> AppResult<()> {
        let (id, at) = (new_id(), now());
        self.execute(
            INSERT_CHANGE,
            args![
                &id,
                change.organization_id,
                &at,
                change.actor.kind(),
                change.actor.id(),
                change.actor.name(),
                change.action.as_str(),
                change.subject_kind,
                change.subject_id,
                &change.summary
            ],
        )?;
        Ok(())
    }
}
