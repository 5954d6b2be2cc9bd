//! Which neighbourhood, force and CSP a point falls in.

use peel_core::geo::LatLng;
use peel_store::{Csp, Store, StoreError};

use crate::AppState;

pub struct Located {
    pub neighbourhood: Option<(String, String)>,
    pub force_id: Option<String>,
}

/// Finds the neighbourhood containing `at` through the spatial index the
/// API uses, else the force whose boundary contains it.
pub async fn locate(state: &AppState, at: LatLng) -> Result<Located, StoreError> {
    if let Some(n) = state.index.current().locate(at) {
        return Ok(Located {
            neighbourhood: Some((n.force_id.clone(), n.neighbourhood_id.clone())),
            force_id: Some(n.force_id.clone()),
        });
    }
    let store = &state.store;
    for f in peel_core::force::FORCES {
        if let Some(area) = store.force_boundary(f.id).await?
            && area.bbox().is_some_and(|b| b.contains(at))
            && area.contains(at)
        {
            return Ok(Located { neighbourhood: None, force_id: Some(f.id.to_string()) });
        }
    }
    Ok(Located { neighbourhood: None, force_id: None })
}

/// The CSP whose local authority the postcode lies in, if configured.
pub async fn csp_for_district(store: &Store, district: Option<&str>) -> Result<Option<Csp>, StoreError> {
    match district {
        Some(code) => store.csp_for_local_authority_code(code).await,
        None => Ok(None),
    }
}
