//! Group commit for SQLite: one connection on its own thread runs the issuing
//! writes of many requests in one transaction.
//!
//! SQLite lets one connection write at a time, and sqlx's driver sends every
//! statement to a per-connection worker thread and waits for the answer: an
//! issuance of some twenty statements spent most of its time in those hand-offs
//! and in one commit per step (see docs/BENCHMARKS.md). Here a request hands the
//! whole of its database work to the writer as one closure. The writer takes every
//! closure waiting, opens one `BEGIN IMMEDIATE` transaction, runs each closure
//! inside its own savepoint (a closure that fails is rolled back alone, so a
//! request either fully happens or leaves no trace), commits once, and only then
//! answers each request: nothing is acknowledged before it is committed.
//!
//! The writer is a second connection to the same file beside the sqlx pool; both
//! use SQLite's own locking, so writes through the pool stay correct (they wait
//! for the writer's transaction like any other writer).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::{AppError, AppResult};

/// Most closures in one transaction: bounds how long one commit holds the lock
/// and how long the first request of a batch waits for the last.
const MAX_BATCH: usize = 256;

/// What a closure hands back to the writer: whether its savepoint is kept, and
/// how to answer its request once the transaction's fate is known.
type Answer = Box<dyn FnOnce(Option<&str>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Answer) + Send>;

/// The handle requests use; the thread stops when the last handle is dropped.
pub struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
}

impl SqliteWriter {
    /// Opens the writer's connection to the database file at `path` and starts its thread.
    pub fn start(path: &Path) -> AppResult<SqliteWriter> {
        let conn = open(path)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("credence-sqlite-writer".into())
            .spawn(move || run(conn, queue))
            .map_err(|e| AppError::Internal(format!("cannot start the SQLite writer: {e}")))?;
        Ok(SqliteWriter { jobs })
    }

    /// Runs `work` inside the next group transaction and answers once it is
    /// committed. An `Err` from `work` undoes everything `work` wrote.
    pub async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<AppResult<T>>();
        let job: Job = Box::new(move |conn| {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)))
                .unwrap_or_else(|_| Err(AppError::Internal("a write on the SQLite writer panicked".into())));
            let keep = outcome.is_ok();
            let answer: Answer = Box::new(move |failed: Option<&str>| {
                let sent = match failed {
                    Some(why) if keep => Err(AppError::Internal(format!("the transaction was not committed: {why}"))),
                    _ => outcome,
                };
                // The request may have gone away (client disconnected): nothing to tell.
                let _ = reply.send(sent);
            });
            (keep, answer)
        });
        self.jobs.send(job).map_err(|_| AppError::Internal("the SQLite writer has stopped".into()))?;
        answer.await.map_err(|_| AppError::Internal("the SQLite writer dropped a request".into()))?
    }
}

/// The database file a `sqlite://` URL names, unless it is in memory (then each
/// connection would see its own database, and there is nothing to share).
pub fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!path.is_empty() && path != ":memory:" && !url.contains("mode=memory")).then(|| PathBuf::from(path))
}

fn open(path: &Path) -> AppResult<Connection> {
    let conn = Connection::open(path)?;
    // The same settings as the pool's connections (see `Store::connect`).
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    // Each request's savepoint copies the pages it changes first into a statement
    // journal; kept in memory (a few pages a request, emptied at every commit) rather
    // than in a temporary file, which took a sixth of the writer's time in writes.
    conn.execute_batch("PRAGMA temp_store = MEMORY;")?;
    // Longer than the pool's 10 s: a large bulk upload is one transaction through the pool.
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn run(conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
    }
}

fn run_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // Dropping the jobs unanswered tells each request that nothing was written.
        tracing::error!(error = %e, "the SQLite writer could not begin a transaction");
        return;
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut broken = None;
    for job in batch {
        if broken.is_some() {
            break;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT request") {
            broken = Some(e.to_string());
            break;
        }
        let (keep, answer) = job(conn);
        answers.push(answer);
        let closed = if keep {
            conn.execute_batch("RELEASE request")
        } else {
            conn.execute_batch("ROLLBACK TO request; RELEASE request")
        };
        if let Err(e) = closed {
            broken = Some(e.to_string());
        }
    }
    // A savepoint that could not be opened or closed makes the whole batch suspect.
    let failed = match broken {
        Some(why) => Err(why),
        None => conn.execute_batch("COMMIT").map_err(|e| e.to_string()),
    }
    .err()
    .inspect(|why| {
        tracing::error!(error = %why, "the SQLite writer could not commit; rolling back");
        let _ = conn.execute_batch("ROLLBACK");
    });
    for answer in answers {
        answer(failed.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer_on(dir: &Path, schema: &str) -> (SqliteWriter, PathBuf) {
        let path = dir.join("w.db");
        Connection::open(&path).and_then(|c| c.execute_batch(schema)).expect("schema");
        (SqliteWriter::start(&path).expect("writer"), path)
    }

    fn stored(path: &Path) -> Vec<i64> {
        let conn = Connection::open(path).expect("open");
        let mut stmt = conn.prepare("SELECT x FROM t ORDER BY x").expect("prepare");
        stmt.query_map([], |r| r.get(0)).expect("query").map(|x| x.expect("row")).collect()
    }

    /// Holds the writer for a moment, so that the requests queued behind it form one batch.
    fn gate(conn: &Connection) -> AppResult<()> {
        let _ = conn;
        std::thread::sleep(Duration::from_millis(200));
        Ok(())
    }

    fn insert(x: i64) -> impl FnOnce(&Connection) -> AppResult<i64> + Send + 'static {
        move |conn| {
            conn.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
            Ok(x)
        }
    }

    #[tokio::test]
    async fn a_failing_request_is_undone_alone_and_the_others_of_its_batch_commit() {
        let dir = tempfile::tempdir().expect("dir");
        let (writer, path) = writer_on(dir.path(), "CREATE TABLE t (x INTEGER NOT NULL UNIQUE);");
        let failing = |conn: &Connection| -> AppResult<i64> {
            conn.execute("INSERT INTO t (x) VALUES (2)", [])?;
            Err(AppError::invalid("x", "refused after writing"))
        };
        // Queued together, so they share one transaction.
        let (_, a, b, c) =
            tokio::join!(writer.run(gate), writer.run(insert(1)), writer.run(failing), writer.run(insert(3)));
        assert_eq!(a.expect("first"), 1);
        assert!(matches!(b, Err(AppError::Validation(_))), "{b:?}");
        assert_eq!(c.expect("third"), 3);
        assert_eq!(stored(&path), vec![1, 3], "the failed request left no row");
    }

    #[tokio::test]
    async fn a_panicking_request_is_undone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("dir");
        let (writer, path) = writer_on(dir.path(), "CREATE TABLE t (x INTEGER NOT NULL UNIQUE);");
        let panicking = |conn: &Connection| -> AppResult<()> {
            conn.execute("INSERT INTO t (x) VALUES (5)", [])?;
            panic!("a bug in a request's work");
        };
        assert!(matches!(writer.run(panicking).await, Err(AppError::Internal(_))));
        assert_eq!(writer.run(insert(6)).await.expect("next request"), 6);
        assert_eq!(stored(&path), vec![6]);
    }

    #[tokio::test]
    async fn nothing_is_answered_as_done_when_the_commit_fails() {
        let dir = tempfile::tempdir().expect("dir");
        // A deferred foreign key is checked at COMMIT: the request succeeds inside
        // its savepoint, and the commit of its batch fails.
        let (writer, path) = writer_on(
            dir.path(),
            "CREATE TABLE p (id INTEGER PRIMARY KEY); \
             CREATE TABLE t (x INTEGER NOT NULL UNIQUE, p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);",
        );
        let dangling = |conn: &Connection| -> AppResult<i64> {
            conn.execute("INSERT INTO t (x, p) VALUES (7, 99)", [])?;
            Ok(7)
        };
        let (_, a, b) = tokio::join!(writer.run(gate), writer.run(insert(8)), writer.run(dangling));
        assert!(matches!(a, Err(AppError::Internal(_))), "{a:?}");
        assert!(matches!(b, Err(AppError::Internal(_))), "{b:?}");
        assert_eq!(stored(&path), Vec::<i64>::new(), "the whole batch was rolled back");
        assert_eq!(writer.run(insert(9)).await.expect("the writer goes on"), 9);
        assert_eq!(stored(&path), vec![9]);
    }

    #[tokio::test]
    async fn an_answer_means_the_write_is_committed() {
        let dir = tempfile::tempdir().expect("dir");
        let (writer, path) = writer_on(dir.path(), "CREATE TABLE t (x INTEGER NOT NULL UNIQUE);");
        let runs: Vec<_> = (0..50).map(|i| writer.run(insert(i))).collect();
        for (i, done) in futures_util::future::join_all(runs).await.into_iter().enumerate() {
            assert_eq!(done.expect("insert"), i as i64);
        }
        // Another connection sees every acknowledged row at once.
        assert_eq!(stored(&path), (0..50).collect::<Vec<i64>>());
    }

    #[test]
    fn only_sqlite_files_get_a_writer() {
        assert_eq!(file_of("sqlite://data/credence.db?mode=rwc"), Some(PathBuf::from("data/credence.db")));
        assert_eq!(file_of("sqlite:/tmp/x.db"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(file_of("sqlite::memory:"), None);
        assert_eq!(file_of("sqlite://:memory:"), None);
        assert_eq!(file_of("sqlite://file.db?mode=memory"), None);
    }
}
