use futures_util::Stream;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::keyset::{Bound, Cursor};
use super::rows::ReadRow;

use super::unit::{Tx, args};
use super::{Store, new_id, now};
use crate::domain::learner::LearnerInput;
use crate::error::{AppError, AppResult};
use credence_core::model::random_salt;

/// A learner known to one organization.
#[derive(Debug, Clone)]
pub struct Learner {
    pub id: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    pub did: Option<String>,
    pub display_name: Option<String>,
    /// Salt of the learner's identityHash.
    pub salt: String,
}

pub(super) const COLUMNS: &str = "id, email, external_id, did, display_name, salt";

pub(super) fn learner_from_row(row: &(impl ReadRow + ?Sized)) -> AppResult<Learner> {
    Ok(Learner {
        id: row.text("id")?,
        email: row.opt_text("email")?,
        external_id: row.opt_text("external_id")?,
        did: row.opt_text("did")?,
        display_name: row.opt_text("display_name")?,
        salt: row.text("salt")?,
    })
}

/// The lookup of a learner by one identifying column.
pub(super) fn learner_by_sql(column: &str) -> String {
    format!("SELECT {COLUMNS} FROM learners WHERE organization_id = $1 AND {column} = $2")
}

/// Inserts nothing when the email or the external id was taken meanwhile.
pub(super) const INSERT_LEARNER: &str = "INSERT INTO learners (id, organization_id, email, external_id, did, display_name, salt, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";

pub(super) const UPDATE_LEARNER: &str = "UPDATE learners SET email = $1, external_id = $2, did = $3, display_name = $4 \
     WHERE id = $5 AND organization_id = $6";

pub(super) const SAVE_PROGRESS: &str = "INSERT INTO learner_progress (organization_id, learner_id, achievement_id, state, updated_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (learner_id, achievement_id) \
     DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at";

pub(super) const IDENTIFIER_TAKEN: &str = "that identifier belongs to another learner";

/// The learner that the email and the external id name (found by each, in that
/// order), or a conflict naming both when they name two different learners: two
/// records, or one record that has another value for the identifier given. A result
/// is never credited to a learner it only half names.
pub(super) fn one_learner(
    email: Option<&str>,
    external_id: Option<&str>,
    by_email: Option<Learner>,
    by_external: Option<Learner>,
) -> AppResult<Option<Learner>> {
    let conflict = |reason: String| Err(AppError::conflict("learner", reason));
    match (by_email, by_external) {
        (Some(a), Some(b)) if a.id != b.id => conflict(format!(
            "the email {} and the externalId {} belong to two different learners",
            email.unwrap_or_default(),
            external_id.unwrap_or_default()
        )),
        (Some(a), _) => match (external_id, a.external_id.as_deref()) {
            (Some(given), Some(known)) if given != known => conflict(format!(
                "the email {} belongs to the learner with externalId {known}, not {given}",
                email.unwrap_or_default()
            )),
            _ => Ok(Some(a)),
        },
        (None, Some(b)) => match (email, b.email.as_deref()) {
            (Some(given), Some(known)) if given != known => conflict(format!(
                "the externalId {} belongs to the learner with email {known}, not {given}",
                external_id.unwrap_or_default()
            )),
            _ => Ok(Some(b)),
        },
        (None, None) => Ok(None),
    }
}

/// A new learner with the input's identifiers and a fresh salt.
pub(super) fn new_learner(email: Option<&str>, input: &LearnerInput) -> Learner {
    Learner {
        id: new_id(),
        email: email.map(str::to_string),
        external_id: input.external_id.clone(),
        did: input.did.clone(),
        display_name: input.name.clone(),
        salt: random_salt(),
    }
}

/// Fills the learner's missing identifiers from the input; true when one was added.
pub(super) fn complete_identifiers(learner: &mut Learner, email: Option<&str>, input: &LearnerInput) -> bool {
    let mut changed = false;
    for (slot, value) in [
        (&mut learner.email, email.map(str::to_string)),
        (&mut learner.external_id, input.external_id.clone()),
        (&mut learner.did, input.did.clone()),
        (&mut learner.display_name, input.name.clone()),
    ] {
        if slot.is_none() && value.is_some() {
            *slot = value;
            changed = true;
        }
    }
    changed
}

impl Store {
    /// The organization's learners among `ids` (at most 100 looked up; any order).
    pub async fn learners_by_ids(&self, organization_id: &str, ids: &[&str]) -> AppResult<Vec<Learner>> {
        let ids = &ids[..ids.len().min(100)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!("SELECT {COLUMNS} FROM learners WHERE organization_id = $1 AND id IN ({})", marks.join(", "));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organization_id);
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(learner_from_row).collect()
    }

    /// A learner of the organization, read outside any unit of work (pages, the API).
    pub async fn learner(&self, organization_id: &str, id: &str) -> AppResult<Option<Learner>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(learner_by_sql("id")))
            .bind(organization_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(learner_from_row).transpose()
    }
}

impl Tx<'_> {
    fn learner_by(&mut self, organization_id: &str, column: &str, value: &str) -> AppResult<Option<Learner>> {
        self.query_opt(&learner_by_sql(column), args![organization_id, value], |row| learner_from_row(row))
    }

    pub fn learner(&mut self, organization_id: &str, id: &str) -> AppResult<Option<Learner>> {
        self.learner_by(organization_id, "id", id)
    }

    /// The learner the identifiers name, if known (nothing is created).
    pub fn find_learner(&mut self, organization_id: &str, input: &LearnerInput) -> AppResult<Option<Learner>> {
        if let Some(e) = input.normalized_email()
            && let Some(l) = self.learner_by(organization_id, "email", &e)?
        {
            return Ok(Some(l));
        }
        match &input.external_id {
            Some(x) => self.learner_by(organization_id, "external_id", x),
            None => Ok(None),
        }
    }

    /// Finds the learner by email or external id, or creates it; true when this
    /// transaction created it (then nothing else refers to it yet: it has no results,
    /// sign-offs or credentials but those this transaction writes). Missing identifiers
    /// are added to a known learner; identifiers naming two different learners
    /// conflict. When another transaction writes the same learner at the same time
    /// (PostgreSQL, several instances), this one waits for it and looks again.
    pub fn find_or_create_learner(
        &mut self,
        organization_id: &str,
        input: &LearnerInput,
    ) -> AppResult<(Learner, bool)> {
        let email = input.normalized_email();
        for _ in 0..3 {
            let by_email = match &email {
                Some(e) => self.learner_by(organization_id, "email", e)?,
                None => None,
            };
            let by_external = match &input.external_id {
                Some(x) => self.learner_by(organization_id, "external_id", x)?,
                None => None,
            };
            let result = match one_learner(email.as_deref(), input.external_id.as_deref(), by_email, by_external)? {
                Some(l) => self.complete_learner(organization_id, l, email.as_deref(), input).map(|l| Some((l, false))),
                None => self
                    .insert_learner(organization_id, new_learner(email.as_deref(), input))
                    .map(|l| l.map(|l| (l, true))),
            };
            match result {
                // Someone else wrote the same learner at the same time: look again.
                Ok(None) | Err(AppError::Conflict { .. }) => continue,
                Ok(Some(found)) => return Ok(found),
                Err(e) => return Err(e),
            }
        }
        Err(AppError::conflict("learner", "the learner changed at the same time; retry"))
    }

    /// `None` when a learner with one of these identifiers was created meanwhile.
    fn insert_learner(&mut self, organization_id: &str, learner: Learner) -> AppResult<Option<Learner>> {
        let created_at = now();
        let inserted = self.execute(
            INSERT_LEARNER,
            args![
                &learner.id,
                organization_id,
                &learner.email,
                &learner.external_id,
                &learner.did,
                &learner.display_name,
                &learner.salt,
                &created_at
            ],
        )?;
        Ok((inserted == 1).then_some(learner))
    }

    fn complete_learner(
        &mut self,
        organization_id: &str,
        mut learner: Learner,
        email: Option<&str>,
        input: &LearnerInput,
    ) -> AppResult<Learner> {
        if complete_identifiers(&mut learner, email, input) {
            let l = &learner;
            self.undo_on_error(|tx| {
                tx.execute(
                    UPDATE_LEARNER,
                    args![&l.email, &l.external_id, &l.did, &l.display_name, &l.id, organization_id],
                )
                .map_err(|e| e.on_unique("learner", IDENTIFIER_TAKEN))
            })?;
        }
        Ok(learner)
    }

    /// Records the learner's latest state on the achievement.
    pub fn save_progress(
        &mut self,
        organization_id: &str,
        learner_id: &str,
        achievement_id: &str,
        state: &str,
    ) -> AppResult<()> {
        let updated_at = now();
        self.execute(SAVE_PROGRESS, args![organization_id, learner_id, achievement_id, state, &updated_at])?;
        Ok(())
    }
}

/// A learner's state on one achievement, as listed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LearnerProgress {
    pub learner_id: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub achievement_id: String,
    /// `in_progress`, `awaiting_signoff`, `locked_out`, `issued`, `revoked` or `suspended`.
    pub state: String,
    pub updated_at: String,
}

/// Filters of a learner listing.
#[derive(Debug, Clone, Default)]
pub struct ProgressFilter {
    pub achievement_id: Option<String>,
    pub state: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    pub limit: i64,
    /// Rows to skip (deprecated: `after` walks the index instead).
    pub offset: i64,
    /// Continue after this row (a cursor of [`progress_cursor`]).
    pub after: Option<Cursor>,
}

const PROGRESS_LISTING: &str = "learners";

/// Reads a cursor of the learner listing (sort key: `updated_at`, learner, achievement).
/// A row's `updated_at` moves when the learner's state changes, so a row changed
/// during a walk may be seen again, or not at all, as with any listing by last change.
pub fn progress_cursor(text: &str) -> AppResult<Cursor> {
    Cursor::decode(text, PROGRESS_LISTING, 3)?.check_time(0)
}

/// The cursor of the listing's page that ends with `p`.
pub fn progress_row_cursor(p: &LearnerProgress) -> Cursor {
    Cursor::new(PROGRESS_LISTING, vec![p.updated_at.clone(), p.learner_id.clone(), p.achievement_id.clone()])
}

/// The learner listing's query and its arguments: most recently changed first, by
/// the index `learner_progress_by_update`, from `f.after` when given.
fn progress_listing(organization_id: &str, f: &ProgressFilter) -> (String, Vec<Bound>) {
    let mut args = vec![
        Bound::Text(Some(organization_id.to_string())),
        Bound::Text(f.achievement_id.clone()),
        Bound::Text(f.state.clone()),
        Bound::Text(f.updated_from.clone()),
        Bound::Text(f.updated_to.clone()),
        Bound::Int(f.limit),
    ];
    let page = match &f.after {
        Some(cursor) => {
            args.extend(cursor.key().iter().map(|k| Bound::Text(Some(k.clone()))));
            " AND (p.updated_at, p.learner_id, p.achievement_id) < ($7, $8, $9) \
             ORDER BY p.updated_at DESC, p.learner_id DESC, p.achievement_id DESC LIMIT $6"
        }
        None => {
            args.push(Bound::Int(f.offset));
            " ORDER BY p.updated_at DESC, p.learner_id DESC, p.achievement_id DESC LIMIT $6 OFFSET $7"
        }
    };
    let sql = format!(
        "SELECT p.learner_id, l.external_id, l.display_name, p.achievement_id, p.state, p.updated_at \
         FROM learner_progress p JOIN learners l ON l.id = p.learner_id \
         WHERE p.organization_id = $1 AND ($2 IS NULL OR p.achievement_id = $2) AND ($3 IS NULL OR p.state = $3) \
         AND ($4 IS NULL OR p.updated_at >= $4) AND ($5 IS NULL OR p.updated_at < $5){page}"
    );
    (sql, args)
}

fn listed_progress(r: &AnyRow) -> AppResult<LearnerProgress> {
    Ok(LearnerProgress {
        learner_id: r.try_get("learner_id")?,
        external_id: r.try_get("external_id")?,
        display_name: r.try_get("display_name")?,
        achievement_id: r.try_get("achievement_id")?,
        state: r.try_get("state")?,
        updated_at: r.try_get("updated_at")?,
    })
}

impl Store {
    /// Learners' states per achievement, most recently changed first: one page.
    pub async fn list_progress(&self, organization_id: &str, f: &ProgressFilter) -> AppResult<Vec<LearnerProgress>> {
        let (sql, args) = progress_listing(organization_id, f);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for arg in args {
            query = match arg {
                Bound::Text(v) => query.bind(v),
                Bound::Int(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(listed_progress).collect()
    }

    /// The same listing streamed from the database as it is read (for exports).
    pub fn stream_progress(
        &self,
        organization_id: &str,
        f: &ProgressFilter,
    ) -> impl Stream<Item = AppResult<LearnerProgress>> + use<> {
        let (sql, args) = progress_listing(organization_id, f);
        self.stream_rows(sql, args, listed_progress)
    }
}

/// Longest search text looked up, in characters: a longer one finds nothing (no
/// identifier or name stored is that long), so its cost never depends on its size.
pub const MAX_SEARCH_CHARS: usize = 200;

const SEARCH_LISTING: &str = "learner-search";

/// Reads a cursor of the learner search (sort key: the learner's id).
pub fn learner_search_cursor(text: &str) -> AppResult<Cursor> {
    Cursor::decode(text, SEARCH_LISTING, 1)
}

/// The cursor of the search page that ends with `l`.
pub fn learner_search_row_cursor(l: &Learner) -> Cursor {
    Cursor::new(SEARCH_LISTING, vec![l.id.clone()])
}

/// `text` as a `LIKE` pattern that matches it anywhere, literally: `%`, `_` and the
/// escape character itself match only themselves.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// The learner of the organization with this email (trimmed and lower-cased as
    /// the issuing path stores it) or this external id.
    pub async fn learner_by_identifier(
        &self,
        organization_id: &str,
        email: Option<&str>,
        external_id: Option<&str>,
    ) -> AppResult<(Option<Learner>, Option<Learner>)> {
        let mut found = (None, None);
        if let Some(e) = email {
            let e = credence_core::model::normalize_email(e);
            found.0 = self.learner_where(organization_id, "email", &e).await?;
        }
        if let Some(x) = external_id {
            found.1 = self.learner_where(organization_id, "external_id", x).await?;
        }
        Ok(found)
    }

    async fn learner_where(&self, organization_id: &str, column: &str, value: &str) -> AppResult<Option<Learner>> {
        // PostgreSQL cannot compare with a U+0000, and no identifier holds one.
        if value.contains('\0') {
            return Ok(None);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(learner_by_sql(column)))
            .bind(organization_id)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(learner_from_row).transpose()
    }

    /// Learners of the organization whose email is `text` (exactly, as stored:
    /// trimmed and lower-cased), whose external id is `text`, or whose name holds
    /// `text` (any case, literally), in id order after `after`; at most `limit`.
    /// Text that is empty, too long or holds a control character finds nothing.
    pub async fn search_learners(
        &self,
        organization_id: &str,
        text: &str,
        after: Option<&Cursor>,
        limit: i64,
    ) -> AppResult<Vec<Learner>> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_SEARCH_CHARS || text.chars().any(char::is_control) {
            return Ok(Vec::new());
        }
        let email = crate::domain::organization::is_email(text).then(|| credence_core::model::normalize_email(text));
        let after = after.map_or_else(String::new, |c| c.key()[0].clone());
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM learners WHERE organization_id = $1 \
             AND (email = $2 OR external_id = $3 OR LOWER(display_name) LIKE $4 ESCAPE '\\') \
             AND id > $5 ORDER BY id LIMIT $6"
        )))
        .bind(organization_id)
        .bind(email)
        .bind(text)
        .bind(contains_pattern(&text.to_lowercase()))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(learner_from_row).collect()
    }

    /// The learner's states per achievement, most recently changed first (at most
    /// `limit`).
    pub async fn progress_of_learner(
        &self,
        organization_id: &str,
        learner_id: &str,
        limit: i64,
    ) -> AppResult<Vec<LearnerProgress>> {
        let rows = sqlx::query(
            "SELECT p.learner_id, l.external_id, l.display_name, p.achievement_id, p.state, p.updated_at \
             FROM learner_progress p JOIN learners l ON l.id = p.learner_id \
             WHERE p.organization_id = $1 AND p.learner_id = $2 ORDER BY p.updated_at DESC, p.achievement_id LIMIT $3",
        )
        .bind(organization_id)
        .bind(learner_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(listed_progress).collect()
    }
}

#[cfg(test)]
mod search_tests {
    use super::contains_pattern;

    #[test]
    fn like_metacharacters_match_only_themselves() {
        assert_eq!(contains_pattern("ana"), "%ana%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}

/// What merging two learners moved to the kept one.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MergedRecords {
    pub results: u64,
    pub signoffs: u64,
    pub credentials: u64,
    /// Achievements on which both learners had a standing: the kept learner's
    /// standing there must be settled again from the merged history.
    #[serde(skip)]
    pub resettle: Vec<String>,
}

/// `keep` with the identifiers it lacks taken from `gone`.
pub(super) fn merged_identifiers(mut keep: Learner, gone: &Learner) -> Learner {
    let input = LearnerInput {
        email: None,
        external_id: gone.external_id.clone(),
        did: gone.did.clone(),
        name: gone.display_name.clone(),
    };
    complete_identifiers(&mut keep, gone.email.as_deref(), &input);
    keep
}

impl Tx<'_> {
    /// Merges learner `gone` into learner `keep` (both of the organization): results,
    /// sign-off requests, progress, credentials (with their claims) and bulk rows move
    /// to `keep`, which takes the identifiers it lacks from `gone`; `gone` is deleted.
    /// Refused (conflict) when both hold a credential for the same achievement.
    pub fn merge_learners(
        &mut self,
        organization_id: &str,
        keep_id: &str,
        gone_id: &str,
    ) -> AppResult<(Learner, MergedRecords)> {
        if keep_id == gone_id {
            return Err(AppError::invalid("learner", "a learner cannot be merged with itself"));
        }
        let keep = self.learner(organization_id, keep_id)?.ok_or(AppError::NotFound("learner"))?;
        let gone = self.learner(organization_id, gone_id)?.ok_or(AppError::NotFound("learner"))?;
        let both = self.query_rows(
            "SELECT a.achievement_id FROM credentials a JOIN credentials b ON b.achievement_id = a.achievement_id \
             WHERE a.learner_id = $1 AND b.learner_id = $2 ORDER BY a.achievement_id",
            args![keep_id, gone_id],
            |r| r.text("achievement_id"),
        )?;
        if !both.is_empty() {
            return Err(AppError::conflict(
                "learner",
                format!("both learners hold a credential for the same achievement ({})", both.join(", ")),
            ));
        }
        let resettle = self.query_rows(
            "SELECT a.achievement_id FROM learner_progress a JOIN learner_progress b ON b.achievement_id = a.achievement_id \
             WHERE a.learner_id = $1 AND b.learner_id = $2 ORDER BY a.achievement_id",
            args![keep_id, gone_id],
            |r| r.text("achievement_id"),
        )?;
        self.execute(
            "DELETE FROM learner_progress WHERE learner_id = $2 AND achievement_id IN \
             (SELECT achievement_id FROM learner_progress WHERE learner_id = $1)",
            args![keep_id, gone_id],
        )?;
        let mut moved = MergedRecords { resettle, ..MergedRecords::default() };
        for (table, count) in [
            ("learner_progress", None),
            ("assessment_results", Some(&mut moved.results)),
            ("signoff_requests", Some(&mut moved.signoffs)),
            ("credentials", Some(&mut moved.credentials)),
            ("bulk_job_rows", None),
        ] {
            let n = self.execute(
                &format!("UPDATE {table} SET learner_id = $1 WHERE learner_id = $2 AND organization_id = $3"),
                args![keep_id, gone_id, organization_id],
            )?;
            if let Some(count) = count {
                *count = n;
            }
        }
        // Free the removed learner's unique identifiers before the kept one takes them.
        self.execute(
            "UPDATE learners SET email = NULL, external_id = NULL WHERE id = $1 AND organization_id = $2",
            args![gone_id, organization_id],
        )?;
        let kept = merged_identifiers(keep, &gone);
        self.execute(
            UPDATE_LEARNER,
            args![&kept.email, &kept.external_id, &kept.did, &kept.display_name, &kept.id, organization_id],
        )?;
        self.execute("DELETE FROM learners WHERE id = $1 AND organization_id = $2", args![gone_id, organization_id])?;
        Ok((kept, moved))
    }
}
