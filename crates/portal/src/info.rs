//! About, accessibility, and how to complain and escalate.

use axum::extract::{Path, State};
use axum::response::Response;

use super::lookup::force_or_404;
use super::{PageError, TextPage, render};
use crate::AppState;

fn s(x: &str) -> String {
    x.to_string()
}

pub async fn about() -> Result<Response, PageError> {
    render(&TextPage {
        title: s("About peel and its data"),
        sections: vec![
            (
                String::new(),
                vec![s(
                    "peel is open software for neighbourhood policing in England and Wales. It shows the crimes police forces publish on police.uk, your neighbourhood policing team, its priorities and meetings, and how to hold the police to account.",
                )],
                vec![],
            ),
            (
                s("Where the data comes from"),
                vec![
                    s(
                        "Street-level crimes, outcomes, stop and search records and neighbourhood boundaries come from police.uk. Contains public sector information licensed under the Open Government Licence v3.0.",
                    ),
                    s(
                        "Police force area boundaries: Source: Office for National Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right 2020.",
                    ),
                    s(
                        "Postcodes: Contains Ordnance Survey data © Crown copyright and database right 2014; Contains Royal Mail data © Royal Mail copyright and database right 2014; Contains National Statistics data © Crown copyright and database right 2014.",
                    ),
                ],
                vec![],
            ),
            (
                s("How locations are protected"),
                vec![s(
                    "police.uk moves every crime to the nearest of more than 750,000 anonymous map points, each covering at least eight addresses, so no crime can be traced to a home. peel shows those points and never any personal information.",
                )],
                vec![],
            ),
            (
                s("Sample content"),
                vec![s(
                    "In the demo, neighbourhood teams, priorities, events, commentary and the grouping of areas are sample content written for peel, and are labelled as such wherever they appear.",
                )],
                vec![],
            ),
        ],
        links: vec![(s("/api/forces"), s("Use the data through the police.uk-compatible API"))],
    })
}

pub async fn accessibility() -> Result<Response, PageError> {
    render(&TextPage {
        title: s("Accessibility statement"),
        sections: vec![
            (
                String::new(),
                vec![s(
                    "We want as many people as possible to be able to use peel. You should be able to change colours, contrast and fonts, zoom to 400% without text spilling off the screen, navigate with a keyboard alone, and use a screen reader.",
                )],
                vec![],
            ),
            (
                s("How accessible this service is"),
                vec![
                    s(
                        "We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. Every page works without JavaScript. Every chart and map has a text description and the same figures in a table.",
                    ),
                    s(
                        "Maps show crime locations as circles whose colour is also named in a key; the streets and categories are listed in tables.",
                    ),
                ],
                vec![],
            ),
            (
                s("Reporting problems"),
                vec![s(
                    "If you find a problem, contact the organisation that runs this copy of peel. Tell us the web address of the page and what went wrong.",
                )],
                vec![],
            ),
            (
                s("Enforcement"),
                vec![s(
                    "The Equality and Human Rights Commission is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with how we respond to your complaint, contact the Equality Advisory and Support Service.",
                )],
                vec![],
            ),
        ],
        links: vec![],
    })
}

pub async fn complain(State(state): State<AppState>, Path(force_id): Path<String>) -> Result<Response, PageError> {
    let data = state.index.current();
    let force = force_or_404(&data, &force_id)?;
    let phone = force.telephone.clone().unwrap_or_else(|| s("101"));
    let name = force.name.clone();
    render(&TextPage {
        title: format!("How to complain about {name}, and how to escalate"),
        sections: vec![
            (
                String::new(),
                vec![
                    format!(
                        "You can complain about the service you received from {name}, or about how an officer or member of staff behaved. A complaint is any expression of dissatisfaction with a police force. You can complain for yourself, or someone can complain on your behalf with your permission."
                    ),
                    format!(
                        "The force should acknowledge your dissatisfaction within 24 hours and talk to you about how it will be handled."
                    ),
                ],
                vec![],
            ),
            (
                s("Start with the neighbourhood team"),
                vec![format!(
                    "Many problems are put right quickly by the people involved. Talk to your neighbourhood policing team, or call {phone}."
                )],
                vec![],
            ),
            (
                s("If that does not put it right, escalate step by step"),
                vec![s("Each step can be taken if the one before has not resolved your concern:")],
                vec![
                    s("The front line: the officer or team you dealt with."),
                    s("The local inspector, who leads neighbourhood policing for your area."),
                    s("The superintendent commanding the basic command unit (BCU)."),
                    format!("The chief officer of {name}, through the force's professional standards department."),
                    s(
                        "Your police and crime commissioner (the police authority), who holds the chief officer to account and reviews many complaint outcomes.",
                    ),
                    s(
                        "Independent review by the Independent Office for Police Conduct (IOPC), for the most serious matters and some reviews.",
                    ),
                ],
            ),
            (
                s("Asking for a review"),
                vec![s(
                    "If your complaint was recorded and you are unhappy with the outcome, you can apply for a review within 28 days of being told the outcome. The letter giving you the outcome says who will carry out the review.",
                )],
                vec![],
            ),
            (
                s("Public scrutiny"),
                vec![s(
                    "Every basic command unit holds public scrutiny meetings at least three times a year where you can question how your area is policed.",
                )],
                vec![],
            ),
        ],
        links: vec![(format!("/forces/{force_id}"), format!("Back to {name}"))],
    })
}
