//! Finding the force, basic command unit or neighbourhood a page is about, or the page a person
//! gets when it does not exist. One place, so every page words it the same.

use peel_core::force;
use peel_core::geography::{Force, Neighbourhood};
use peel_store::{Bcu, Store};

use super::PageError;

pub async fn force_or_404(store: &Store, id: &str) -> Result<Force, PageError> {
    let missing = || PageError::NotFound(format!("a police force called “{id}”"));
    if force::by_id(id).is_none() {
        return Err(missing());
    }
    store.force(id).await?.ok_or_else(missing)
}

pub async fn neighbourhood_or_404(store: &Store, force_id: &str, id: &str) -> Result<Neighbourhood, PageError> {
    store
        .neighbourhood(force_id, id)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("a neighbourhood “{id}” in “{force_id}”")))
}

pub async fn bcu_or_404(store: &Store, force: &Force, id: &str) -> Result<Bcu, PageError> {
    store
        .bcus(&force.id)
        .await?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or_else(|| PageError::NotFound(format!("a basic command unit called “{id}” in {}", force.name)))
}
