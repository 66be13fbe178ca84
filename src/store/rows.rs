//! Reading a column by name, the same way from a sqlx row (the pool) and from a
//! rusqlite row (the SQLite writer), so each concept maps its rows once.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::AppResult;

pub(crate) trait ReadRow {
    fn text(&self, name: &str) -> AppResult<String>;
    fn opt_text(&self, name: &str) -> AppResult<Option<String>>;
    fn int(&self, name: &str) -> AppResult<i64>;
    fn opt_int(&self, name: &str) -> AppResult<Option<i64>>;
    fn opt_real(&self, name: &str) -> AppResult<Option<f64>>;
}

impl ReadRow for AnyRow {
    fn text(&self, name: &str) -> AppResult<String> {
        Ok(self.try_get(name)?)
    }
    fn opt_text(&self, name: &str) -> AppResult<Option<String>> {
        Ok(self.try_get(name)?)
    }
    fn int(&self, name: &str) -> AppResult<i64> {
        Ok(self.try_get(name)?)
    }
    fn opt_int(&self, name: &str) -> AppResult<Option<i64>> {
        Ok(self.try_get(name)?)
    }
    fn opt_real(&self, name: &str) -> AppResult<Option<f64>> {
        Ok(self.try_get(name)?)
    }
}

impl ReadRow for rusqlite::Row<'_> {
    fn text(&self, name: &str) -> AppResult<String> {
        Ok(self.get(name)?)
    }
    fn opt_text(&self, name: &str) -> AppResult<Option<String>> {
        Ok(self.get(name)?)
    }
    fn int(&self, name: &str) -> AppResult<i64> {
        Ok(self.get(name)?)
    }
    fn opt_int(&self, name: &str) -> AppResult<Option<i64>> {
        Ok(self.get(name)?)
    }
    fn opt_real(&self, name: &str) -> AppResult<Option<f64>> {
        Ok(self.get(name)?)
    }
}
