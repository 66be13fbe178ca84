//! Organizations created and changed, the same way from the JSON API and the console:
//! validated, stored with their audit record, and given their keys at once.

use super::AppState;
use crate::domain::audit::Actor;
use crate::domain::organization::{NewOrganization, Organization, OrganizationPatch};
use crate::error::AppResult;
use credence_core::jwt::JwtAlgorithm;

/// Creates an organization (its creation recorded in its own audit log, naming
/// `actor`) and makes its signing key at once, so its Profile and DID document list
/// it before the first credential; an RSA key too when it chose RS256.
pub async fn create(state: &AppState, new: &NewOrganization, actor: &Actor) -> AppResult<Organization> {
    new.validate()?;
    let org = state.store.create_organization(new, actor).await?;
    state.store.current_signing_key(&org.id, &state.master_key).await?;
    make_rsa_key_when_chosen(state, &org).await?;
    tracing::info!(organization = %org.slug, "organization created");
    Ok(org)
}

/// Changes `current`'s profile with `patch` (recorded in its audit log, naming
/// `actor`); choosing RS256 makes its RSA key at once.
pub async fn update(
    state: &AppState,
    current: &Organization,
    patch: OrganizationPatch,
    actor: &Actor,
) -> AppResult<Organization> {
    patch.validate()?;
    let updated = state.store.update_organization(current, patch, actor).await?;
    make_rsa_key_when_chosen(state, &updated).await?;
    Ok(updated)
}

/// An organization that chooses RS256 gets its RSA key at once (made off the runtime),
/// so that its Profile and DID document list the key before the first token.
async fn make_rsa_key_when_chosen(state: &AppState, org: &Organization) -> AppResult<()> {
    if org.jwt_algorithm() == JwtAlgorithm::Rs256 {
        state.store.ensure_rsa_key(&org.id, &state.master_key).await?;
    }
    Ok(())
}
