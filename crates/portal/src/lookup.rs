//! Finding the force, basic command unit or neighbourhood a page is about, or the page a person
//! gets when it does not exist. One place, so every page words it the same.

use peel_core::force;
use peel_core::geography::{Bcu, Force, NeighbourhoodDetails};
use peel_spatial::OpenData;

use super::PageError;

pub fn force_or_404<'d>(data: &'d OpenData, id: &str) -> Result<&'d Force, PageError> {
    let missing = || PageError::not_found(format!("a police force called “{id}”"));
    if force::by_id(id).is_none() {
        return Err(missing());
    }
    data.geography().force(id).map(|f| &f.force).ok_or_else(missing)
}

pub fn neighbourhood_or_404<'d>(
    data: &'d OpenData,
    force_id: &str,
    id: &str,
) -> Result<&'d NeighbourhoodDetails, PageError> {
    data.geography()
        .neighbourhood(force_id, id)
        .ok_or_else(|| PageError::not_found(format!("a neighbourhood “{id}” in “{force_id}”")))
}

pub fn bcu_or_404<'d>(data: &'d OpenData, force: &Force, id: &str) -> Result<&'d Bcu, PageError> {
    data.geography()
        .bcus
        .iter()
        .find(|b| b.force_id == force.id && b.id == id)
        .ok_or_else(|| PageError::not_found(format!("a basic command unit called “{id}” in {}", force.name)))
}
