//! The territorial police forces of England and Wales (plus BTP and PSNI),
//! identified by their police.uk slugs.

/// A force as police.uk knows it: slug and official name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownForce {
    pub id: &'static str,
    pub name: &'static str,
    /// Other names the bulk files' "Falls within"/"Reported by" columns have used.
    pub aliases: &'static [&'static str],
}

const fn f(id: &'static str, name: &'static str, aliases: &'static [&'static str]) -> KnownForce {
    KnownForce { id, name, aliases }
}

/// Every force police.uk lists at `/api/forces`, in its order, then BTP, which
/// police.uk serves data for but does not list.
pub const FORCES: [KnownForce; 45] = [
    f("avon-and-somerset", "Avon and Somerset Constabulary", &[]),
    f("bedfordshire", "Bedfordshire Police", &[]),
    f("cambridgeshire", "Cambridgeshire Constabulary", &[]),
    f("cheshire", "Cheshire Constabulary", &[]),
    f("city-of-london", "City of London Police", &[]),
    f("cleveland", "Cleveland Police", &[]),
    f("cumbria", "Cumbria Constabulary", &[]),
    f("derbyshire", "Derbyshire Constabulary", &[]),
    f("devon-and-cornwall", "Devon & Cornwall Police", &["Devon and Cornwall Police"]),
    f("dorset", "Dorset Police", &[]),
    f("durham", "Durham Constabulary", &[]),
    f("essex", "Essex Police", &[]),
    f("gloucestershire", "Gloucestershire Constabulary", &[]),
    f("greater-manchester", "Greater Manchester Police", &[]),
    f("gwent", "Gwent Police", &[]),
    f("hampshire", "Hampshire Constabulary", &["Hampshire and Isle of Wight Constabulary"]),
    f("dyfed-powys", "Dyfed-Powys Police", &[]),
    f("hertfordshire", "Hertfordshire Constabulary", &[]),
    f("humberside", "Humberside Police", &[]),
    f("kent", "Kent Police", &[]),
    f("lancashire", "Lancashire Constabulary", &[]),
    f("leicestershire", "Leicestershire Police", &["Leicestershire Constabulary"]),
    f("lincolnshire", "Lincolnshire Police", &[]),
    f("merseyside", "Merseyside Police", &[]),
    f("metropolitan", "Metropolitan Police Service", &["Metropolitan Police"]),
    f("norfolk", "Norfolk Constabulary", &[]),
    f("north-wales", "North Wales Police", &[]),
    f("north-yorkshire", "North Yorkshire Police", &[]),
    f("northamptonshire", "Northamptonshire Police", &[]),
    f("northumbria", "Northumbria Police", &[]),
    f("nottinghamshire", "Nottinghamshire Police", &[]),
    f("northern-ireland", "Police Service of Northern Ireland", &[]),
    f("south-wales", "South Wales Police", &[]),
    f("south-yorkshire", "South Yorkshire Police", &[]),
    f("staffordshire", "Staffordshire Police", &[]),
    f("suffolk", "Suffolk Constabulary", &[]),
    f("surrey", "Surrey Police", &[]),
    f("sussex", "Sussex Police", &[]),
    f("thames-valley", "Thames Valley Police", &[]),
    f("warwickshire", "Warwickshire Police", &[]),
    f("west-mercia", "West Mercia Police", &[]),
    f("west-midlands", "West Midlands Police", &[]),
    f("west-yorkshire", "West Yorkshire Police", &[]),
    f("wiltshire", "Wiltshire Police", &[]),
    f("btp", "British Transport Police", &[]),
];

/// Forces `/api/forces` lists (all but BTP, as police.uk does).
pub fn listed_forces() -> impl Iterator<Item = &'static KnownForce> {
    FORCES.iter().filter(|f| f.id != "btp")
}

pub fn by_id(id: &str) -> Option<&'static KnownForce> {
    FORCES.iter().find(|f| f.id == id)
}

/// Maps a "Falls within" name to its force, ignoring case and spacing.
pub fn by_name(name: &str) -> Option<&'static KnownForce> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    let wanted = norm(name);
    FORCES.iter().find(|f| norm(f.name) == wanted || f.aliases.iter().any(|a| norm(a) == wanted))
}

/// ONS Police Force Area names ("Avon and Somerset", "London, City of") to slugs.
pub fn by_ons_name(name: &str) -> Option<&'static KnownForce> {
    let special = match name.trim() {
        "London, City of" => Some("city-of-london"),
        "Metropolitan Police" => Some("metropolitan"),
        "Devon & Cornwall" | "Devon and Cornwall" => Some("devon-and-cornwall"),
        _ => None,
    };
    if let Some(id) = special {
        return by_id(id);
    }
    let slug: String = name
        .trim()
        .to_ascii_lowercase()
        .replace('&', "and")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let slug = slug.split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-");
    by_id(&slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_four_listed_and_unique() {
        assert_eq!(listed_forces().count(), 44);
        let ids: std::collections::HashSet<_> = FORCES.iter().map(|f| f.id).collect();
        assert_eq!(ids.len(), FORCES.len());
    }

    #[test]
    fn maps_falls_within_names() {
        assert_eq!(by_name("City of London Police").unwrap().id, "city-of-london");
        assert_eq!(by_name("bedfordshire  police").unwrap().id, "bedfordshire");
        assert_eq!(by_name("Metropolitan Police Service").unwrap().id, "metropolitan");
        assert!(by_name("Gotham City Police").is_none());
    }

    #[test]
    fn maps_ons_names() {
        assert_eq!(by_ons_name("London, City of").unwrap().id, "city-of-london");
        assert_eq!(by_ons_name("Avon and Somerset").unwrap().id, "avon-and-somerset");
        assert_eq!(by_ons_name("Dyfed-Powys").unwrap().id, "dyfed-powys");
        assert_eq!(by_ons_name("Bedfordshire").unwrap().id, "bedfordshire");
    }
}
