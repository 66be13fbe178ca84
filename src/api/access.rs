//! Who may touch which organization. A key of one organization never sees
//! another's data: such requests get the same 404 as a missing resource.

use crate::domain::api_key::Role;
use crate::domain::audit::Actor;
use crate::domain::organization::Organization;
use crate::error::{AppError, AppResult};
use crate::store::{Caller, Store};

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// This caller as the audit log names it: by its key's id.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey { key_id: self.key_id.clone() }
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.is_admin() { Ok(()) } else { Err(AppError::Forbidden("this needs a platform admin key".into())) }
    }

    fn may_see(&self, org: &Organization) -> bool {
        self.is_admin() || self.organization_id.as_deref() == Some(org.id.as_str())
    }
}

/// What the caller needs to be allowed to do in the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read, record results, issue: any key of the organization.
    Member,
    /// Manage the profile, keys and definitions: an issuer-admin key (or platform admin).
    Manage,
}

/// Loads the organization named by `slug` if the caller may act on it as `need` says.
pub async fn organization_for(store: &Store, caller: &Caller, slug: &str, need: Need) -> AppResult<Organization> {
    let org = store
        .organization_by_slug(slug)
        .await?
        .filter(|org| caller.may_see(org))
        .ok_or(AppError::NotFound("organization"))?;
    if need == Need::Manage && caller.role == Role::Issuer {
        return Err(AppError::Forbidden(format!(
            "this needs an issuer-admin key of organization '{slug}'; this key has the issuer role"
        )));
    }
    Ok(org)
}
