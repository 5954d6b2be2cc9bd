//! Which neighbourhood, force and CSP a point falls in.

use peel_core::geo::LatLng;
use peel_core::geography::Csp;
use peel_spatial::OpenData;

pub struct Located {
    pub neighbourhood: Option<(String, String)>,
    pub force_id: Option<String>,
}

/// Finds the neighbourhood containing `at` through the boundaries the API
/// uses, else the force whose boundary contains it.
pub fn locate(data: &OpenData, at: LatLng) -> Located {
    if let Some(n) = data.locate(at) {
        return Located {
            neighbourhood: Some((n.force_id.clone(), n.neighbourhood_id.clone())),
            force_id: Some(n.force_id.clone()),
        };
    }
    let force = data.geography().forces.iter().find(|f| {
        f.boundary.as_ref().is_some_and(|area| area.bbox().is_some_and(|b| b.contains(at)) && area.contains(at))
    });
    Located { neighbourhood: None, force_id: force.map(|f| f.force.id.clone()) }
}

/// The CSP whose local authority the postcode lies in, if configured (the
/// first force's, where two configure it).
pub fn csp_for_district<'d>(data: &'d OpenData, district: Option<&str>) -> Option<&'d Csp> {
    let code = district?;
    let csps = &data.geography().csps;
    let force = csps.iter().filter(|c| c.local_authority_code.as_deref() == Some(code)).map(|c| &c.force_id).min()?;
    csps.iter().find(|c| &c.force_id == force && c.local_authority_code.as_deref() == Some(code))
}
