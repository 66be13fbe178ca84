//! The unit of work of issuance: one call's reads and writes, run together in one
//! transaction, with its `Idempotency-Key` answer when it has one.
//!
//! [`Store::issuing`] takes a synchronous closure over a [`Tx`] and runs it where
//! this store runs issuance: on a SQLite file, on the group-commit writer (one
//! savepoint of its batch, see [`super::sqlite_writer`]); otherwise (PostgreSQL, a
//! SQLite database in memory, or `CREDENCE_SQLITE_GROUP_COMMIT=off`) on a blocking
//! thread that holds one pool transaction and drives each statement to its end
//! before the next. Only this module knows which; the issuing steps (in the concept
//! files, as methods of [`Tx`]) are written once over the small [`Exec`] interface
//! that both connections implement. The closure cannot `.await`, so a step that
//! would wait on the pool outside the transaction does not compile.

use std::borrow::Cow;

use futures_util::StreamExt;
use rusqlite::types::{ToSqlOutput, Value as SqliteValue, ValueRef};
use sqlx::any::AnyArguments;

use super::rows::ReadRow;
use super::{Backend, Store, now};
use crate::error::{AppError, AppResult};

/// A value bound to a statement's `$n` placeholder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref())
    }
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::Int(Some(i)) => ToSqlOutput::Owned(SqliteValue::Integer(*i)),
            Arg::Text(None) | Arg::Int(None) => ToSqlOutput::Owned(SqliteValue::Null),
        })
    }
}

/// The arguments of a statement, in placeholder order: `args![a, b]`.
macro_rules! args {
    ($($a:expr),* $(,)?) => {
        &[$($crate::store::unit::Arg::from($a)),*]
    };
}
pub(crate) use args;

/// Takes each row of a query, in order.
type EachRow<'e> = &'e mut dyn FnMut(&dyn ReadRow) -> AppResult<()>;

/// What a transaction's connection does for the issuing steps. Statements are
/// written with PostgreSQL's `$n` placeholders; each connection adapts them.
pub(crate) trait Exec {
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> AppResult<u64>;
    /// Runs a query and hands each row to `each`, in order.
    fn query(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn FnMut(&dyn ReadRow) -> AppResult<()>,
    ) -> AppResult<()>;
    /// Runs a statement without arguments or rows (savepoints).
    fn batch(&mut self, sql: &'static str) -> AppResult<()>;
    /// Holds the lock named `name` until the transaction ends, unless another
    /// transaction holds it (then false, without waiting).
    fn try_lock(&mut self, name: &str) -> AppResult<bool>;
    /// Holds the lock named `name` shared with other transactions until this one
    /// ends, waiting while one holds it alone.
    fn lock_shared(&mut self, name: &str) -> AppResult<()>;
}

/// SQLite reads `?n` as the n-th argument (it reads `$n` as a name, numbered by
/// first appearance): the one place where placeholders are translated.
fn sqlite_placeholders(sql: &str) -> Cow<'_, str> {
    if sql.contains('$') { Cow::Owned(sql.replace('$', "?")) } else { Cow::Borrowed(sql) }
}

/// The SQLite writer's connection, inside its group transaction.
struct SqliteExec<'c>(&'c rusqlite::Connection);

impl Exec for SqliteExec<'_> {
    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> AppResult<u64> {
        let mut stmt = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(args))? as u64)
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>], each: EachRow<'_>) -> AppResult<()> {
        let mut stmt = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &'static str) -> AppResult<()> {
        Ok(self.0.execute_batch(sql)?)
    }

    /// The writer runs one closure at a time: nobody else can hold anything.
    fn try_lock(&mut self, _name: &str) -> AppResult<bool> {
        Ok(true)
    }

    /// The writer holds SQLite's only write lock: nobody else can write.
    fn lock_shared(&mut self, _name: &str) -> AppResult<()> {
        Ok(())
    }
}

/// A pool transaction, driven from a blocking thread: each statement runs to its
/// end on the runtime before the next starts.
struct PoolExec<'t> {
    tx: &'t mut sqlx::Transaction<'static, sqlx::Any>,
    runtime: &'t tokio::runtime::Handle,
    backend: Backend,
}

fn bound<'q>(sql: &'q str, args: &[Arg<'_>]) -> sqlx::query::Query<'q, sqlx::Any, AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for arg in args {
        query = match *arg {
            Arg::Text(v) => query.bind(v.map(str::to_string)),
            Arg::Int(v) => query.bind(v),
        };
    }
    query
}

impl Exec for PoolExec<'_> {
    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> AppResult<u64> {
        let done = self.runtime.block_on(bound(sql, args).execute(&mut **self.tx))?;
        Ok(done.rows_affected())
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>], each: EachRow<'_>) -> AppResult<()> {
        let rows = self.runtime.block_on(bound(sql, args).fetch_all(&mut **self.tx))?;
        rows.iter().try_for_each(|row| each(row))
    }

    fn batch(&mut self, sql: &'static str) -> AppResult<()> {
        self.runtime.block_on(sqlx::raw_sql(sql).execute(&mut **self.tx))?;
        Ok(())
    }

    /// PostgreSQL: a transaction-scoped advisory lock. SQLite: the transaction began
    /// `IMMEDIATE`, so it already holds the only write lock.
    fn try_lock(&mut self, name: &str) -> AppResult<bool> {
        if self.backend == Backend::Sqlite {
            return Ok(true);
        }
        let sql = "SELECT CAST(CASE WHEN pg_try_advisory_xact_lock(hashtextextended($1, 0)) THEN 1 ELSE 0 END \
                   AS BIGINT) AS held";
        let mut held = false;
        self.query(sql, args![name], &mut |row| {
            held = row.int("held")? == 1;
            Ok(())
        })?;
        Ok(held)
    }

    /// PostgreSQL: a shared transaction-scoped advisory lock. SQLite: the transaction
    /// began `IMMEDIATE` and holds the only write lock.
    fn lock_shared(&mut self, name: &str) -> AppResult<()> {
        if self.backend == Backend::Sqlite {
            return Ok(());
        }
        // The function returns `void`, which the `Any` driver cannot read: select a constant.
        let sql =
            "SELECT CAST(1 AS BIGINT) AS held FROM (SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))) l";
        self.execute(sql, args![name])?;
        Ok(())
    }
}

/// One issuing call's transaction: the steps of issuance are its methods (in the
/// concept files). Nothing here commits; [`Store::issuing`] does, once the closure
/// returns `Ok`.
pub struct Tx<'c> {
    exec: &'c mut dyn Exec,
    store: &'c Store,
    /// Credentials this unit wrote, counted in the metrics once it is committed.
    issued: u64,
    /// Whether this unit put messages in the outbox (the mailer is woken once it commits).
    enqueued: bool,
    /// Who acts (see `store::audit`).
    pub(super) actor: crate::domain::audit::Actor,
}

impl<'c> Tx<'c> {
    /// The store, for the URLs stored objects carry.
    pub fn store(&self) -> &'c Store {
        self.store
    }

    pub(super) fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> AppResult<u64> {
        self.exec.execute(sql, args)
    }

    /// Notes a credential written by this unit: it counts as issued (`/metrics`) once
    /// the unit is committed.
    pub fn note_issued(&mut self) {
        self.issued += 1;
    }

    /// Notes a message this unit put in the outbox: the mailer is woken once the
    /// unit is committed.
    pub(super) fn note_enqueued(&mut self) {
        self.enqueued = true;
    }

    /// See [`Exec::lock_shared`].
    pub(super) fn lock_shared(&mut self, name: &str) -> AppResult<()> {
        self.exec.lock_shared(name)
    }

    /// The first row of a query, read by `read`.
    pub(super) fn query_opt<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        read: impl Fn(&dyn ReadRow) -> AppResult<T>,
    ) -> AppResult<Option<T>> {
        let mut out = None;
        self.exec.query(sql, args, &mut |row| {
            if out.is_none() {
                out = Some(read(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Every row of a query, each read by `read`.
    pub(super) fn query_rows<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        mut read: impl FnMut(&dyn ReadRow) -> AppResult<T>,
    ) -> AppResult<Vec<T>> {
        let mut out = Vec::new();
        self.exec.query(sql, args, &mut |row| {
            out.push(read(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs `step` in a savepoint of its own: when it fails, what it wrote is undone
    /// and the transaction goes on (on PostgreSQL a failed statement would otherwise
    /// abort the whole transaction).
    pub fn undo_on_error<T>(&mut self, step: impl FnOnce(&mut Tx<'_>) -> AppResult<T>) -> AppResult<T> {
        self.exec.batch("SAVEPOINT step")?;
        let issued = self.issued;
        let out = step(self);
        if out.is_err() {
            self.exec.batch("ROLLBACK TO SAVEPOINT step")?;
            self.issued = issued;
        }
        self.exec.batch("RELEASE SAVEPOINT step")?;
        out
    }
}

/// An `Idempotency-Key` of a request: the answer to the first request that used
/// it is stored with what that request wrote.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub organization_id: String,
    pub key: String,
    /// Tells the same request from another one sent with the same key.
    pub request_hash: String,
}

/// An answer stored for a key: the hash of the request that used it, its status
/// (0: still running, in records of older versions), and its body.
pub type StoredAnswer = (String, u16, String);

/// What [`Store::issuing_once`] did.
pub enum Once<T> {
    /// The call ran now (and its answer is stored with what it wrote).
    Ran(T),
    /// The key was used before: its answer. Status 0 when a request with this key
    /// is running right now.
    Stored(StoredAnswer),
}

const IDEMPOTENT_RESPONSE: &str =
    "SELECT request_hash, status, body FROM idempotency_keys WHERE organization_id = $1 AND idempotency_key = $2";

const STORE_ANSWER: &str = "INSERT INTO idempotency_keys (organization_id, idempotency_key, request_hash, status, body, \
     created_at) VALUES ($1, $2, $3, $4, $5, $6)";

fn answer_from_row(row: &dyn ReadRow) -> AppResult<StoredAnswer> {
    let status = u16::try_from(row.int("status")?).unwrap_or(500);
    Ok((row.text("request_hash")?, status, row.text("body")?))
}

impl Tx<'_> {
    /// The answer stored for `key`; `None` when this transaction is the one to run
    /// the call (and holds the key until it ends).
    fn claim_key(&mut self, key: &IdempotencyKey) -> AppResult<Option<StoredAnswer>> {
        let lock = format!("idempotency|{}|{}", key.organization_id, key.key);
        if !self.exec.try_lock(&lock)? {
            return Ok(Some((key.request_hash.clone(), 0, String::new())));
        }
        self.query_opt(IDEMPOTENT_RESPONSE, args![&key.organization_id, &key.key], answer_from_row)
    }

    fn store_answer(&mut self, key: &IdempotencyKey, status: u16, body: &str) -> AppResult<()> {
        let stamp = now();
        self.execute(
            STORE_ANSWER,
            args![&key.organization_id, &key.key, &key.request_hash, i64::from(status), body, &stamp],
        )?;
        Ok(())
    }
}

/// What follows a unit's commit: its credentials counted, the mailer woken when it
/// put messages in the outbox.
fn committed((issued, enqueued): (u64, bool)) {
    crate::metrics::global().credentials_issued(issued);
    if enqueued {
        super::outbox::note_written();
    }
}

/// Rows of a batch worked on side by side on the pool.
const POOL_CONCURRENCY: usize = 16;

impl Store {
    /// Runs one issuing call's storage steps as one unit: everything `work` wrote
    /// is committed before this answers, or (when `work` fails) nothing is.
    pub async fn issuing<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        let store = self.clone();
        // The caller's span (the request's, with its id) holds the unit's log lines too.
        let span = tracing::Span::current();
        let actor = super::audit::acting();
        if let Some(writer) = &self.writer {
            let (value, issued) = writer
                .run(move |conn| {
                    let _request = span.enter();
                    let mut tx = Tx { exec: &mut SqliteExec(conn), store: &store, issued: 0, enqueued: false, actor };
                    let value = work(&mut tx)?;
                    Ok((value, (tx.issued, tx.enqueued)))
                })
                .await?;
            committed(issued);
            return Ok(value);
        }
        let runtime = tokio::runtime::Handle::current();
        let ran = tokio::task::spawn_blocking(move || {
            let _request = span.enter();
            let begun = match store.backend {
                // Take the write lock at once: a transaction that read first could not
                // take it later once another connection has written.
                Backend::Sqlite => runtime.block_on(store.pool.begin_with("BEGIN IMMEDIATE")),
                Backend::Postgres => runtime.block_on(store.pool.begin()),
            };
            let mut tx = begun?;
            let backend = store.backend;
            let exec = &mut PoolExec { tx: &mut tx, runtime: &runtime, backend };
            let mut unit = Tx { exec, store: &store, issued: 0, enqueued: false, actor };
            let out = work(&mut unit);
            let done = (unit.issued, unit.enqueued);
            match out {
                Ok(value) => {
                    runtime.block_on(tx.commit())?;
                    committed(done);
                    Ok(value)
                }
                Err(e) => {
                    runtime.block_on(tx.rollback())?;
                    Err(e)
                }
            }
        })
        .await;
        ran.map_err(|e| AppError::Internal(format!("an issuing call did not finish: {e}")))?
    }

    /// [`Store::issuing`] at most once per `Idempotency-Key`: when the key was used,
    /// its stored answer; otherwise `work` runs and `answer` (the status and body to
    /// send again, from what `work` returned) is stored in the same transaction, so
    /// it exists if and only if what the call wrote does.
    pub async fn issuing_once<T, F, A>(&self, key: IdempotencyKey, work: F, answer: A) -> AppResult<Once<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> AppResult<T> + Send + 'static,
        A: FnOnce(&T) -> AppResult<(u16, String)> + Send + 'static,
    {
        self.issuing(move |tx| {
            if let Some(stored) = tx.claim_key(&key)? {
                return Ok(Once::Stored(stored));
            }
            let value = work(tx)?;
            let (status, body) = answer(&value)?;
            tx.store_answer(&key, status, &body)?;
            Ok(Once::Ran(value))
        })
        .await
    }

    /// Several calls, each its own unit ([`Store::issuing`]). Calls with the same
    /// `order` key run one after the other in the order given; the others as side
    /// by side as the backend allows (on the SQLite writer all go to it together,
    /// in order, and share its commits). The results are in the order given.
    pub async fn issuing_each<T, F>(&self, calls: Vec<(Option<String>, F)>) -> Vec<AppResult<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        if self.writer.is_some() {
            // The writer queues a call when it is first polled, and `join_all` polls in order.
            return futures_util::future::join_all(calls.into_iter().map(|(_, work)| self.issuing(work))).await;
        }
        let count = calls.len();
        let mut groups: Vec<Vec<(usize, F)>> = Vec::new();
        let mut group_of = std::collections::HashMap::new();
        for (i, (order, work)) in calls.into_iter().enumerate() {
            let group = match order {
                Some(key) => *group_of.entry(key).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                }),
                None => {
                    groups.push(Vec::new());
                    groups.len() - 1
                }
            };
            groups[group].push((i, work));
        }
        let done: Vec<Vec<(usize, AppResult<T>)>> = futures_util::stream::iter(groups)
            .map(|group| async move {
                let mut out = Vec::with_capacity(group.len());
                for (i, work) in group {
                    out.push((i, self.issuing(work).await));
                }
                out
            })
            .buffer_unordered(POOL_CONCURRENCY)
            .collect()
            .await;
        let mut results: Vec<Option<AppResult<T>>> = (0..count).map(|_| None).collect();
        for (i, result) in done.into_iter().flatten() {
            results[i] = Some(result);
        }
        results.into_iter().map(|r| r.unwrap_or_else(|| Err(AppError::Internal("a call was not run".into())))).collect()
    }

    /// The answer stored for an `Idempotency-Key`, read outside any unit (a replay
    /// needs nothing else); [`Store::issuing_once`] looks again inside its own.
    pub async fn idempotent_response(&self, organization_id: &str, key: &str) -> AppResult<Option<StoredAnswer>> {
        let row = sqlx::query(IDEMPOTENT_RESPONSE).bind(organization_id).bind(key).fetch_optional(&self.pool).await?;
        row.as_ref().map(|r| answer_from_row(r)).transpose()
    }
}
