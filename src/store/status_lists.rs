//! Organizations' status lists (Bitstring Status List): the entries handed out to
//! credentials, and the version of each list.
//!
//! An organization has, per purpose, lists numbered from 0. List 0 is served at
//! `/status/{org}/{purpose}` (the URL every list had before there could be more),
//! list n at `/status/{org}/{purpose}/{n}`. A credential gets a random free index of
//! the newest list; when random tries keep landing on taken indexes, the list is
//! nearly full and the next list is opened. The primary key of `status_entries`
//! makes an index impossible to hand out twice, across instances.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::Rng;
use sqlx::Row;

use super::Backend;
use super::Store;
use super::unit::{Tx, args};
use crate::error::{AppError, AppResult};
use credence_core::model::CredentialStatus;
use credence_core::status_list::StatusPurpose;

/// Indexes handed out per list by default: the specification's minimum list size,
/// 131,072, which keeps a list from revealing much about how many credentials exist.
pub const DEFAULT_STATUS_LIST_LENGTH: u64 = 131_072;

/// The largest number of indexes per list a configuration may ask for (a 2 MiB list).
pub const MAX_STATUS_LIST_LENGTH: u64 = 16 * 1024 * 1024;

/// Random indexes tried in one list before it is taken as full and the next one is
/// opened: the list then holds about 90% of its length (at 90% taken, 32 tries all
/// fail 3% of the time; at 97%, 38%).
const TRIES_PER_LIST: usize = 32;

/// Lists one allocation may move past. Another allocation (or instance) opens lists as
/// they fill, so more than one in a row is rare; more than this means something is
/// wrong, and the call is refused rather than looping.
const MAX_LISTS_PER_ALLOCATION: usize = 4;

/// On SQLite the issuing writer is the only one inserting, so an insert never waits.
const INSERT_ENTRY_SQLITE: &str = "INSERT INTO status_entries (organization_id, purpose, list_number, list_index, \
     credential_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

/// On PostgreSQL an insert of an index another open transaction has just taken would
/// wait for that transaction, and two allocations waiting on each other deadlock.
/// The index's advisory lock is taken first, without waiting: a held lock is a taken
/// index, tried no further.
const INSERT_ENTRY_POSTGRES: &str = "INSERT INTO status_entries (organization_id, purpose, list_number, list_index, \
     credential_id) SELECT $1, $2, $3, $4, $5 \
     WHERE pg_try_advisory_xact_lock(hashtextextended('status|' || $1 || '|' || $2 || '|' || $3 || '|' || $4, 0)) \
     ON CONFLICT DO NOTHING";

const NEWEST_LIST: &str =
    "SELECT MAX(list_number) AS newest FROM status_entries WHERE organization_id = $1 AND purpose = $2";

/// One of an organization's status lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusListId {
    pub purpose: StatusPurpose,
    /// 0 for the first list.
    pub number: i64,
}

impl StatusListId {
    /// The list the last segments of its URL name: the purpose, and the number unless
    /// it is list 0 (see [`Store::status_list_url`]).
    pub fn from_url_parts(purpose: &str, number: Option<&str>) -> Option<StatusListId> {
        let purpose = purpose.parse().ok()?;
        let number = match number {
            None => 0,
            Some(n) => parse_list_number(n)?,
        };
        Some(StatusListId { purpose, number })
    }
}

/// The newest list of each organization and purpose this instance has seen: where an
/// allocation starts. A hint only: another instance may have opened a newer list, which
/// this one finds when its list turns out full.
#[derive(Default)]
pub struct NewestLists(Mutex<HashMap<(String, StatusPurpose), i64>>);

impl NewestLists {
    fn get(&self, organization_id: &str, purpose: StatusPurpose) -> Option<i64> {
        self.0.lock().ok()?.get(&(organization_id.to_string(), purpose)).copied()
    }

    fn note(&self, organization_id: &str, purpose: StatusPurpose, number: i64) {
        if let Ok(mut m) = self.0.lock() {
            let newest = m.entry((organization_id.to_string(), purpose)).or_insert(number);
            *newest = (*newest).max(number);
        }
    }
}

impl Store {
    /// The URL of a list: list 0 has the URL of the time when there was one list.
    pub fn status_list_url(&self, org_slug: &str, list: StatusListId) -> String {
        match list.number {
            0 => format!("{}/status/{org_slug}/{}", self.public_url, list.purpose.as_str()),
            n => format!("{}/status/{org_slug}/{}/{n}", self.public_url, list.purpose.as_str()),
        }
    }

    /// Whether a URL is under this service's `/status/`: then the organization slug it
    /// names and the list, as [`Store::status_list_url`] writes them (one URL per list:
    /// no `/0`, no leading zeros), or `None` when the rest names no list.
    pub fn own_status_list<'u>(&self, url: &'u str) -> Option<(&'u str, Option<StatusListId>)> {
        let rest = url.strip_prefix(&self.public_url)?.strip_prefix("/status/")?;
        let mut parts = rest.split('/');
        let slug = parts.next().unwrap_or_default();
        let list = match (parts.next(), parts.next(), parts.next()) {
            (Some(purpose), number, None) if !slug.is_empty() => StatusListId::from_url_parts(purpose, number),
            _ => None,
        };
        Some((slug, list))
    }

    /// The entry of a credential at `index` of one of its organization's lists.
    pub fn status_entry(&self, organization_slug: &str, list: StatusListId, index: u64) -> CredentialStatus {
        CredentialStatus::bitstring(&self.status_list_url(organization_slug, list), list.purpose.as_str(), index)
    }

    /// How many indexes each list hands out.
    pub fn status_list_length(&self) -> u64 {
        self.status_list_length
    }

    /// Sets how many indexes each allocation may use per list, within 1 and
    /// [`MAX_STATUS_LIST_LENGTH`] (the settings refuse other values). Lowering it leaves
    /// indexes already handed out where they are: a list is served long enough for
    /// every index it has.
    pub fn with_status_list_length(mut self, length: u64) -> Store {
        self.status_list_length = length.clamp(1, MAX_STATUS_LIST_LENGTH);
        self
    }

    /// Whether the organization has the list: list 0 always, list n once an index of
    /// it was handed out.
    pub async fn status_list_exists(&self, organization_id: &str, list: StatusListId) -> AppResult<bool> {
        if list.number == 0 {
            return Ok(true);
        }
        let row = sqlx::query(
            "SELECT 1 AS one FROM status_entries WHERE organization_id = $1 AND purpose = $2 AND list_number = $3 LIMIT 1",
        )
        .bind(organization_id)
        .bind(list.purpose.as_str())
        .bind(list.number)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The number of entries the list must be served with: the configured length, or
    /// more when an index handed out under a larger length lies beyond it.
    pub async fn status_list_served_length(&self, organization_id: &str, list: StatusListId) -> AppResult<u64> {
        let row = sqlx::query(
            "SELECT MAX(list_index) AS highest FROM status_entries \
             WHERE organization_id = $1 AND purpose = $2 AND list_number = $3",
        )
        .bind(organization_id)
        .bind(list.purpose.as_str())
        .bind(list.number)
        .fetch_one(&self.pool)
        .await?;
        let highest = row.try_get::<Option<i64>, _>("highest")?.and_then(|h| u64::try_from(h).ok());
        Ok(highest.map_or(self.status_list_length, |h| self.status_list_length.max(h + 1)))
    }

    /// The version of a list (0 before any change): its ETag.
    pub async fn status_list_version(&self, organization_id: &str, list: StatusListId) -> AppResult<i64> {
        let row = sqlx::query(
            "SELECT version FROM status_lists WHERE organization_id = $1 AND purpose = $2 AND list_number = $3",
        )
        .bind(organization_id)
        .bind(list.purpose.as_str())
        .bind(list.number)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => r.try_get("version")?,
            None => 0,
        })
    }

    /// The indexes of a list whose bit is set: revoked credentials, or suspended ones.
    /// Read through the partial index of set entries: a list's cost is its set bits.
    pub async fn status_list_set_indexes(&self, organization_id: &str, list: StatusListId) -> AppResult<Vec<u64>> {
        let rows = sqlx::query(
            "SELECT list_index FROM status_entries \
             WHERE organization_id = $1 AND purpose = $2 AND list_number = $3 AND is_set = 1",
        )
        .bind(organization_id)
        .bind(list.purpose.as_str())
        .bind(list.number)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>("list_index")? as u64)).collect()
    }

    /// Whether one bit of an organization's list is set (an index not handed out is clear).
    pub async fn status_bit(&self, organization_id: &str, list: StatusListId, index: u64) -> AppResult<bool> {
        let Ok(index) = i64::try_from(index) else { return Ok(false) };
        let row = sqlx::query(
            "SELECT is_set FROM status_entries \
             WHERE organization_id = $1 AND purpose = $2 AND list_number = $3 AND list_index = $4",
        )
        .bind(organization_id)
        .bind(list.purpose.as_str())
        .bind(list.number)
        .bind(index)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("is_set")? != 0,
            None => false,
        })
    }

    /// Sets or clears the `purpose` bit of the credential whose row id is
    /// `credential_row_id`, and bumps the version of the list holding it, in the
    /// caller's transaction (with the change of the credential's own row).
    pub(super) async fn set_status_bit(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        credential_row_id: &str,
        purpose: StatusPurpose,
        set: bool,
    ) -> AppResult<()> {
        sqlx::query("UPDATE status_entries SET is_set = $1 WHERE credential_id = $2 AND purpose = $3")
            .bind(i64::from(set))
            .bind(credential_row_id)
            .bind(purpose.as_str())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO status_lists (organization_id, purpose, list_number, version) \
             SELECT organization_id, purpose, list_number, 1 FROM status_entries WHERE credential_id = $1 AND purpose = $2 \
             ON CONFLICT (organization_id, purpose, list_number) DO UPDATE SET version = status_lists.version + 1",
        )
        .bind(credential_row_id)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// A list number as a URL writes it: decimal digits, no sign, no leading zero, not 0
/// (list 0's URL has no number), within what the database holds.
fn parse_list_number(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Tx<'_> {
    /// Hands the credential whose row id is `credential_row_id` a random free index of
    /// the organization's newest `purpose` list, opening the next list when that one is
    /// (nearly) full; its status entry.
    pub(super) fn allocate_status_entry(
        &mut self,
        organization_id: &str,
        organization_slug: &str,
        purpose: StatusPurpose,
        credential_row_id: &str,
    ) -> AppResult<CredentialStatus> {
        let store = self.store();
        let newest = match store.newest_status_lists.get(organization_id, purpose) {
            Some(n) => n,
            None => self.newest_list(organization_id, purpose)?,
        };
        let insert = match store.backend {
            Backend::Sqlite => INSERT_ENTRY_SQLITE,
            Backend::Postgres => INSERT_ENTRY_POSTGRES,
        };
        let length = i64::try_from(store.status_list_length).unwrap_or(i64::MAX);
        let mut rng = rand::thread_rng();
        let mut number = newest;
        for _ in 0..MAX_LISTS_PER_ALLOCATION {
            for _ in 0..TRIES_PER_LIST {
                let index = rng.gen_range(0..length);
                let taken =
                    self.execute(insert, args![organization_id, purpose.as_str(), number, index, credential_row_id])?;
                if taken == 1 {
                    store.newest_status_lists.note(organization_id, purpose, number);
                    let list = StatusListId { purpose, number };
                    return Ok(store.status_entry(organization_slug, list, index as u64));
                }
            }
            // This list is (nearly) full: on to the newest one, which another call or
            // instance may have opened already, or to a new one.
            let newest_now = self.newest_list(organization_id, purpose)?;
            number = if newest_now > number { newest_now } else { number.saturating_add(1) };
        }
        Err(AppError::TooManyRequests {
            detail: format!("no free index in {MAX_LISTS_PER_ALLOCATION} {purpose} status lists in a row; try again"),
            retry_after_secs: 1,
        })
    }

    /// The number of the newest list with an entry (0 when none has).
    fn newest_list(&mut self, organization_id: &str, purpose: StatusPurpose) -> AppResult<i64> {
        let newest =
            self.query_opt(NEWEST_LIST, args![organization_id, purpose.as_str()], |row| row.opt_int("newest"))?;
        Ok(newest.flatten().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_list_number;

    #[test]
    fn a_list_number_has_one_spelling() {
        assert_eq!(parse_list_number("1"), Some(1));
        assert_eq!(parse_list_number("12"), Some(12));
        for bad in ["", "0", "01", "+1", "-1", "1a", " 1", "99999999999999999999"] {
            assert_eq!(parse_list_number(bad), None, "{bad:?}");
        }
    }
}
