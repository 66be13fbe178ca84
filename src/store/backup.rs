//! `credence admin backup`: a consistent copy of a SQLite database, taken while the
//! service runs (SQLite's `VACUUM INTO`, which reads one snapshot and writes a compact
//! new file). PostgreSQL is backed up with its own tools (`pg_dump -Fc`, `pg_restore`:
//! docs/OPERATIONS.md).

use std::path::Path;

use super::{Backend, Store, create_private_file};
use crate::error::{AppError, AppResult};

impl Store {
    /// Writes a copy of this SQLite database to `dest`, a new file (created 0600).
    pub async fn backup_to(&self, dest: &Path) -> AppResult<()> {
        if self.backend == Backend::Postgres {
            return Err(AppError::invalid(
                "database-url",
                "is a PostgreSQL database: back it up with pg_dump -Fc and restore it with pg_restore \
                 (see docs/OPERATIONS.md, \"Backup and restore\")",
            ));
        }
        let text = dest.to_str().ok_or_else(|| AppError::invalid("DEST", "the path must be UTF-8"))?;
        if dest.exists() {
            return Err(AppError::invalid("DEST", format!("{text} exists; name a new file")));
        }
        // Empty and private before SQLite writes to it (VACUUM INTO takes an empty file).
        create_private_file(dest).map_err(|e| AppError::invalid("DEST", format!("cannot create {text}: {e}")))?;
        if let Err(e) = sqlx::query("VACUUM INTO $1").bind(text).execute(&self.pool).await {
            let _ = std::fs::remove_file(dest);
            return Err(e.into());
        }
        Ok(())
    }
}
