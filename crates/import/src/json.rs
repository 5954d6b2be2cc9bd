//! JSON inputs: the ONS Police Force Areas GeoJSON, and peel's neighbourhood
//! file (details, teams, priorities and events in police.uk's own shapes).

use peel_core::force;
use peel_core::geo::{Area, LatLng, Polygon};
use peel_core::geography::{Event, Force, Neighbourhood, Officer, Priority};
use peel_core::url::SafeUrl;
use peel_store::NeighbourhoodDetails;
use serde::Deserialize;
use serde_json::Value;

/// What a JSON file turned out to be.
pub enum JsonInput {
    ForceAreas(Vec<(String, Area)>),
    Areas(Box<AreasFile>),
    Neighbourhoods(Box<NeighbourhoodFile>),
}

/// peel's neighbourhood file: one force's published neighbourhood content.
///
/// ```json
/// {"peel": "neighbourhoods", "force": "city-of-london", "sample": true,
///  "force_details": {"description": "...", "url": "...", "telephone": "101", "people": []},
///  "neighbourhoods": [{"id": "ban", "name": "Bank", "team": [], "priorities": [], "events": []}]}
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighbourhoodFile {
    pub peel: String,
    pub force: String,
    #[serde(default)]
    pub sample: bool,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub force_details: Option<ForceDetails>,
    pub neighbourhoods: Vec<NeighbourhoodEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForceDetails {
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<SafeUrl>,
    pub telephone: Option<String>,
    #[serde(default)]
    pub engagement_methods: Vec<peel_core::geography::EngagementMethod>,
    #[serde(default)]
    pub people: Vec<Officer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighbourhoodEntry {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub population: Option<u64>,
    pub url_force: Option<SafeUrl>,
    pub centre: Option<LatLng>,
    #[serde(default)]
    pub contact_details: peel_core::geography::ContactDetails,
    #[serde(default)]
    pub links: Vec<peel_core::geography::Link>,
    #[serde(default)]
    pub locations: Vec<peel_core::geography::NeighbourhoodLocation>,
    pub bcu: Option<String>,
    pub csp: Option<String>,
    #[serde(default)]
    pub team: Vec<Officer>,
    #[serde(default)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    pub events: Vec<Event>,
}

impl NeighbourhoodFile {
    pub fn force_record(&self) -> Option<(Force, Vec<Officer>)> {
        let d = self.force_details.as_ref()?;
        let known = force::by_id(&self.force)?;
        Some((
            Force {
                id: self.force.clone(),
                name: d.name.clone().unwrap_or_else(|| known.name.to_string()),
                description: d.description.clone(),
                url: d.url.clone(),
                telephone: d.telephone.clone(),
                engagement_methods: d.engagement_methods.clone(),
            },
            d.people.clone(),
        ))
    }

    pub fn details(&self) -> impl Iterator<Item = NeighbourhoodDetails> + '_ {
        self.neighbourhoods.iter().map(|n| NeighbourhoodDetails {
            neighbourhood: Neighbourhood {
                force_id: self.force.clone(),
                id: n.id.clone(),
                name: n.name.clone(),
                description: n.description.clone(),
                population: n.population,
                url_force: n.url_force.clone(),
                centre: n.centre,
                contact_details: n.contact_details.clone(),
                links: n.links.clone(),
                locations: n.locations.clone(),
                bcu_id: n.bcu.clone(),
                csp_id: n.csp.clone(),
            },
            team: n.team.clone(),
            priorities: n.priorities.clone(),
            events: n.events.clone(),
            sample: self.sample,
        })
    }
}

/// peel's areas file: a force's basic command units, the community safety
/// partnerships (one per local authority) in each, and the force's commentary.
///
/// ```json
/// {"peel": "areas", "force": "bedfordshire", "sample": true, "commentary": "...",
///  "bcus": [{"id": "luton", "name": "Luton", "commentary": "...",
///            "csps": [{"id": "luton", "name": "Community Safety Luton", "local_authority": "Luton",
///                      "local_authority_code": "E06000032", "population": 225300}]}]}
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreasFile {
    pub peel: String,
    pub force: String,
    #[serde(default)]
    pub sample: bool,
    #[serde(default)]
    pub note: Option<String>,
    pub commentary: Option<String>,
    /// Whose count of residents the partnerships' populations are
    /// ("Office for National Statistics, Census 2021"), and its year: shown
    /// beside every rate per 1,000 residents. Both or neither.
    #[serde(default)]
    pub population_source: Option<String>,
    #[serde(default)]
    pub population_year: Option<i32>,
    pub bcus: Vec<BcuEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BcuEntry {
    pub id: String,
    pub name: String,
    pub commentary: Option<String>,
    pub csps: Vec<CspEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CspEntry {
    pub id: String,
    pub name: String,
    pub local_authority: String,
    pub local_authority_code: Option<String>,
    pub population: Option<i64>,
}

impl AreasFile {
    /// Where the populations come from, when the file says (both fields, a
    /// source that is not blank and a plausible year); an error otherwise.
    pub fn population_source(&self) -> Result<Option<peel_store::PopulationSource>, String> {
        match (&self.population_source, self.population_year) {
            (None, None) => Ok(None),
            (Some(source), Some(year)) if !source.trim().is_empty() && (1800..=2100).contains(&year) => {
                Ok(Some(peel_store::PopulationSource { source: source.trim().to_string(), year }))
            }
            (Some(_), Some(year)) if !(1800..=2100).contains(&year) => {
                Err(format!("population_year: {year} is not a year between 1800 and 2100"))
            }
            (Some(_), Some(_)) => Err("population_source: is blank".into()),
            _ => Err("population_source and population_year: give both or neither".into()),
        }
    }

    pub fn records(&self) -> (Vec<peel_store::Bcu>, Vec<peel_store::Csp>) {
        let bcus = self
            .bcus
            .iter()
            .map(|b| peel_store::Bcu {
                force_id: self.force.clone(),
                id: b.id.clone(),
                name: b.name.clone(),
                commentary: b.commentary.clone(),
                sample: self.sample,
            })
            .collect();
        let csps = self
            .bcus
            .iter()
            .flat_map(|b| {
                b.csps.iter().map(move |c| peel_store::Csp {
                    force_id: self.force.clone(),
                    id: c.id.clone(),
                    name: c.name.clone(),
                    bcu_id: b.id.clone(),
                    local_authority: c.local_authority.clone(),
                    local_authority_code: c.local_authority_code.clone(),
                    population: c.population,
                })
            })
            .collect();
        (bcus, csps)
    }
}

pub fn parse(bytes: &[u8]) -> Result<JsonInput, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    if value.get("peel").and_then(Value::as_str) == Some("neighbourhoods") {
        let file: NeighbourhoodFile = serde_json::from_value(value).map_err(|e| format!("neighbourhood file: {e}"))?;
        if force::by_id(&file.force).is_none() {
            return Err(format!("{:?} is not a police.uk force id", file.force));
        }
        return Ok(JsonInput::Neighbourhoods(Box::new(file)));
    }
    if value.get("peel").and_then(Value::as_str) == Some("areas") {
        let file: AreasFile = serde_json::from_value(value).map_err(|e| format!("areas file: {e}"))?;
        if force::by_id(&file.force).is_none() {
            return Err(format!("{:?} is not a police.uk force id", file.force));
        }
        file.population_source().map_err(|e| format!("areas file: {e}"))?;
        return Ok(JsonInput::Areas(Box::new(file)));
    }
    if value.get("type").and_then(Value::as_str) == Some("FeatureCollection") {
        return force_areas(&value).map(JsonInput::ForceAreas);
    }
    Err("expected a peel neighbourhood or areas file, or a GeoJSON FeatureCollection of police force areas".into())
}

fn force_areas(value: &Value) -> Result<Vec<(String, Area)>, String> {
    let features = value.get("features").and_then(Value::as_array).ok_or("no features")?;
    features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let props = f.get("properties").ok_or(format!("feature {i}: no properties"))?;
            let name = ["PFA20NM", "PFA21NM", "PFA22NM", "PFA23NM", "pfa_name", "name"]
                .iter()
                .find_map(|k| props.get(*k).and_then(Value::as_str))
                .ok_or(format!("feature {i}: no force name (PFA20NM)"))?;
            let force = force::by_ons_name(name).ok_or(format!("feature {i}: {name:?} is not a known force"))?;
            let geometry = f.get("geometry").ok_or(format!("feature {i}: no geometry"))?;
            let area = geometry_area(geometry).map_err(|e| format!("feature {i} ({name}): {e}"))?;
            Ok((force.id.to_string(), area))
        })
        .collect()
}

fn geometry_area(g: &Value) -> Result<Area, String> {
    let coords = g.get("coordinates").ok_or("no coordinates")?;
    let polys: Vec<&Value> = match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => vec![coords],
        Some("MultiPolygon") => coords.as_array().ok_or("bad MultiPolygon")?.iter().collect(),
        other => return Err(format!("geometry type {other:?} is not a polygon")),
    };
    let ring = |r: &Value| -> Result<Vec<LatLng>, String> {
        r.as_array()
            .ok_or("bad ring")?
            .iter()
            .map(|p| {
                let lng = p.get(0).and_then(Value::as_f64).ok_or("bad position")?;
                let lat = p.get(1).and_then(Value::as_f64).ok_or("bad position")?;
                LatLng::parse(&lat.to_string(), &lng.to_string()).map_err(|e| e.to_string())
            })
            .collect()
    };
    let polygons = polys
        .into_iter()
        .map(|p| {
            let rings = p.as_array().ok_or("bad polygon")?;
            let outer = ring(rings.first().ok_or("polygon without rings")?)?;
            let mut poly = Polygon::new(outer).map_err(|e| e.to_string())?;
            poly.holes = rings[1..].iter().map(ring).collect::<Result<_, _>>()?;
            Ok(poly)
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Area { polygons })
}
