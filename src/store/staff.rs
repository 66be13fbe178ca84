//! Staff accounts, their invitations, signed-in sessions and failed sign-ins.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, new_id, now, stamp_after};
use crate::domain::audit::{Action, Actor, Change};
use crate::domain::staff::StaffRole;
use crate::error::{AppError, AppResult};

/// A staff member, as the console knows them (never their password hash).
#[derive(Debug, Clone)]
pub struct StaffAccount {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub display_name: String,
    pub role: StaffRole,
    /// Also administers the platform (every organization), from its home organization.
    pub platform_admin: bool,
}

/// An open invitation.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub organization_id: String,
    pub email: String,
    pub role: StaffRole,
    /// The account it opens is a platform admin's.
    pub platform_admin: bool,
    pub expires_at: String,
}

/// Records a two-factor change that was made (`changed` rows) and commits.
async fn finish_two_factor_change(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    changed: u64,
    account: &StaffAccount,
    action: Action,
    actor: &Actor,
) -> AppResult<bool> {
    if changed == 1 {
        let on = if action == Action::TwoFactorEnabled { "on" } else { "off" };
        let change = Change {
            organization_id: &account.organization_id,
            actor,
            action,
            subject_kind: "staff-account",
            subject_id: &account.id,
            summary: format!("two-factor sign-in {on} for {}", account.email),
        };
        super::audit::insert_change(&mut *tx, &change).await?;
    }
    tx.commit().await?;
    Ok(changed == 1)
}

/// An account's two-factor sign-in, as stored (secrets sealed, base64).
#[derive(Debug, Clone, Default)]
pub struct TwoFactor {
    pub secret: Option<String>,
    pub pending: Option<String>,
    pub last_step: Option<i64>,
}

/// A signed-in session: whose, and the token its forms carry.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub account: StaffAccount,
    pub csrf_token: String,
}

const ACCOUNT_COLUMNS: &str = "a.id, a.organization_id, a.email, a.display_name, a.role, a.platform_admin";

fn role_of(row: &AnyRow) -> AppResult<StaffRole> {
    let role: String = row.try_get("role")?;
    StaffRole::parse(&role).ok_or_else(|| AppError::Internal(format!("stored staff role '{role}' is unknown")))
}

fn account_from_row(row: &AnyRow) -> AppResult<StaffAccount> {
    Ok(StaffAccount {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: role_of(row)?,
        platform_admin: flag(row)?,
    })
}

/// The `platform_admin` flag of a row (an integer, as every flag of the schema).
fn flag(row: &AnyRow) -> AppResult<bool> {
    Ok(row.try_get::<i64, _>("platform_admin")? != 0)
}

fn invitation_from_row(r: &AnyRow) -> AppResult<Invitation> {
    Ok(Invitation {
        organization_id: r.try_get("organization_id")?,
        email: r.try_get("email")?,
        role: role_of(r)?,
        platform_admin: flag(r)?,
        expires_at: r.try_get("expires_at")?,
    })
}

impl Store {
    /// Records an invitation whose link token hashes to `token_hash`, open for
    /// `valid_for`, and who sent it in the audit log.
    pub async fn create_invitation(&self, token_hash: &str, invitation: &Invitation, actor: &Actor) -> AppResult<()> {
        let invited_by = match actor.id() {
            Some(id) => format!("{}:{id}", actor.kind()),
            None => actor.kind().to_string(),
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO staff_invitations (token_hash, organization_id, email, role, invited_by, created_at, expires_at, \
             platform_admin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token_hash)
        .bind(&invitation.organization_id)
        .bind(&invitation.email)
        .bind(invitation.role.as_str())
        .bind(&invited_by)
        .bind(now())
        .bind(&invitation.expires_at)
        .bind(i64::from(invitation.platform_admin))
        .execute(&mut *tx)
        .await?;
        let platform = if invitation.platform_admin { " and platform admin" } else { "" };
        let change = Change {
            organization_id: &invitation.organization_id,
            actor,
            action: Action::StaffInvited,
            subject_kind: "staff-invitation",
            subject_id: &invitation.email,
            summary: format!("{} invited as {}{platform}", invitation.email, invitation.role.as_str()),
        };
        super::audit::insert_change(&mut *tx, &change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organization's staff accounts, by name.
    pub async fn staff_of(&self, organization_id: &str) -> AppResult<Vec<StaffAccount>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM staff_accounts a WHERE a.organization_id = $1 ORDER BY a.display_name, a.id"
        )))
        .bind(organization_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account_from_row).collect()
    }

    /// The organization's invitations still open, newest first.
    pub async fn open_invitations_of(&self, organization_id: &str) -> AppResult<Vec<Invitation>> {
        let rows = sqlx::query(
            "SELECT organization_id, email, role, platform_admin, expires_at FROM staff_invitations \
             WHERE organization_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
        )
        .bind(organization_id)
        .bind(now())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    /// The invitation of a link, while it is open (not accepted, not expired).
    pub async fn open_invitation(&self, token_hash: &str) -> AppResult<Option<Invitation>> {
        let row = sqlx::query(
            "SELECT organization_id, email, role, platform_admin, expires_at FROM staff_invitations \
             WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| invitation_from_row(&r)).transpose()
    }

    /// Accepts an open invitation: creates its account, once. `None` when the
    /// invitation was accepted or expired meanwhile; a conflict when the email
    /// address has an account already.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        display_name: &str,
        password_hash: &str,
    ) -> AppResult<Option<StaffAccount>> {
        let mut tx = self.pool.begin().await?;
        let stamp = now();
        let taken = sqlx::query(
            "UPDATE staff_invitations SET accepted_at = $1 WHERE token_hash = $2 AND accepted_at IS NULL AND expires_at > $1",
        )
        .bind(&stamp)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken != 1 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT organization_id, email, role, platform_admin FROM staff_invitations WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_one(&mut *tx)
        .await?;
        let account = StaffAccount {
            id: new_id(),
            organization_id: row.try_get("organization_id")?,
            email: row.try_get("email")?,
            display_name: display_name.to_string(),
            role: role_of(&row)?,
            platform_admin: flag(&row)?,
        };
        let inserted = sqlx::query(
            "INSERT INTO staff_accounts (id, organization_id, email, display_name, role, password_hash, created_at, \
             platform_admin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (email) DO NOTHING",
        )
        .bind(&account.id)
        .bind(&account.organization_id)
        .bind(&account.email)
        .bind(&account.display_name)
        .bind(account.role.as_str())
        .bind(password_hash)
        .bind(&stamp)
        .bind(i64::from(account.platform_admin))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted != 1 {
            return Err(AppError::conflict("email", "this email address has an account already: sign in instead"));
        }
        tx.commit().await?;
        Ok(Some(account))
    }

    /// The active account of an email address, with its password hash.
    pub async fn account_for_sign_in(&self, email: &str) -> AppResult<Option<(StaffAccount, String)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS}, a.password_hash FROM staff_accounts a WHERE a.email = $1 AND a.disabled_at IS NULL"
        )))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((account_from_row(&r)?, r.try_get("password_hash")?))).transpose()
    }

    /// An account's two-factor state: its sealed secret (when on), the sealed secret
    /// being set up, and the last step a code was accepted for.
    pub async fn two_factor(&self, account_id: &str) -> AppResult<TwoFactor> {
        let row = sqlx::query("SELECT totp_secret, totp_pending, totp_last_step FROM staff_accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(TwoFactor::default()) };
        Ok(TwoFactor {
            secret: r.try_get("totp_secret")?,
            pending: r.try_get("totp_pending")?,
            last_step: r.try_get("totp_last_step")?,
        })
    }

    /// Keeps a sealed secret being set up (replacing any other being set up).
    pub async fn set_two_factor_pending(&self, account_id: &str, sealed: &str) -> AppResult<()> {
        sqlx::query("UPDATE staff_accounts SET totp_pending = $1 WHERE id = $2")
            .bind(sealed)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Turns two-factor sign-in on with the secret being set up, if it is still
    /// `pending`, its first code having been accepted for `step`; recorded in the audit log.
    pub async fn enable_two_factor(
        &self,
        account: &StaffAccount,
        pending: &str,
        step: i64,
        actor: &Actor,
    ) -> AppResult<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE staff_accounts SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1 \
             WHERE id = $2 AND totp_pending = $3",
        )
        .bind(step)
        .bind(&account.id)
        .bind(pending)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        finish_two_factor_change(tx, changed, account, Action::TwoFactorEnabled, actor).await
    }

    /// Turns two-factor sign-in off, after a code accepted (and used) for `step`.
    pub async fn disable_two_factor(&self, account: &StaffAccount, step: i64, actor: &Actor) -> AppResult<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE staff_accounts SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL \
             WHERE id = $1 AND totp_secret IS NOT NULL AND totp_last_step = $2",
        )
        .bind(&account.id)
        .bind(step)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        finish_two_factor_change(tx, changed, account, Action::TwoFactorDisabled, actor).await
    }

    /// Takes `step` as the last step a code was accepted for: false when a code of
    /// this step or a later one was accepted already (a code is used once).
    pub async fn use_two_factor_step(&self, account_id: &str, step: i64) -> AppResult<bool> {
        let changed = sqlx::query(
            "UPDATE staff_accounts SET totp_last_step = $1 WHERE id = $2 AND totp_secret IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(account_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Failed sign-ins in the last `window` for an email address and for a client.
    pub async fn recent_sign_in_failures(
        &self,
        email: &str,
        client: &str,
        window: std::time::Duration,
    ) -> AppResult<(i64, i64)> {
        let since = super::stamp_before(window);
        let count = |column: &'static str, value: &str| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM sign_in_failures WHERE {column} = $1 AND failed_at > $2"
            )))
            .bind(value.to_string())
            .bind(since.clone())
            .fetch_one(&self.pool)
        };
        let by_email: i64 = count("email", email).await?.try_get("n")?;
        let by_client: i64 = count("client", client).await?.try_get("n")?;
        Ok((by_email, by_client))
    }

    /// Records a failed sign-in, and forgets failures older than a day.
    pub async fn record_sign_in_failure(&self, email: &str, client: &str) -> AppResult<()> {
        sqlx::query("INSERT INTO sign_in_failures (email, client, failed_at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(client)
            .bind(now())
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE failed_at < $1")
            .bind(super::stamp_before(std::time::Duration::from_secs(86_400)))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets an email address's failures (it signed in).
    pub async fn clear_sign_in_failures(&self, email: &str) -> AppResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE email = $1").bind(email).execute(&self.pool).await?;
        Ok(())
    }

    /// Opens a session whose cookie token hashes to `token_hash`, for `valid_for`.
    pub async fn create_session(
        &self,
        token_hash: &str,
        account_id: &str,
        csrf_token: &str,
        valid_for: std::time::Duration,
    ) -> AppResult<()> {
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, account_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf_token)
        .bind(now())
        .bind(stamp_after(valid_for))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session of a cookie token's hash, with its active account.
    pub async fn session(&self, token_hash: &str) -> AppResult<Option<StaffSession>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS}, s.csrf_token FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL"
        )))
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok(StaffSession { account: account_from_row(&r)?, csrf_token: r.try_get("csrf_token")? }))
            .transpose()
    }

    /// Ends one session.
    pub async fn end_session(&self, token_hash: &str) -> AppResult<()> {
        sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Ends every session of an account (and expired ones of anybody).
    pub async fn end_sessions_of(&self, account_id: &str) -> AppResult<()> {
        sqlx::query("DELETE FROM staff_sessions WHERE account_id = $1 OR expires_at < $2")
            .bind(account_id)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
