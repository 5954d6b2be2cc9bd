//! Boundary KML as police.uk publishes it: one Placemark with a Polygon (or a
//! MultiGeometry of Polygons), coordinates as `lng,lat[,alt]` tuples.

use peel_core::geo::{Area, LatLng, Polygon};
use quick_xml::Reader;
use quick_xml::events::Event;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KmlError {
    #[error("not well-formed XML: {0}")]
    Xml(String),
    #[error("bad coordinate {0:?}: expected lng,lat[,alt]")]
    Coordinate(String),
    #[error("holds no polygon")]
    NoPolygon,
    #[error("a ring has {0} distinct points; a polygon needs at least 3")]
    TooFewPoints(usize),
}

pub fn parse(bytes: &[u8]) -> Result<Area, KmlError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut polygons: Vec<Polygon> = Vec::new();
    let (mut in_outer, mut in_inner, mut in_coords) = (false, false, false);
    let mut current_outer: Option<Vec<LatLng>> = None;
    let mut current_holes: Vec<Vec<LatLng>> = Vec::new();
    let mut text = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(KmlError::Xml(e.to_string())),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"Polygon" => {
                    current_outer = None;
                    current_holes.clear();
                }
                b"outerBoundaryIs" => in_outer = true,
                b"innerBoundaryIs" => in_inner = true,
                b"coordinates" => {
                    in_coords = true;
                    text.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_coords => {
                text.push_str(&t.unescape().map_err(|e| KmlError::Xml(e.to_string()))?);
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"coordinates" => {
                    in_coords = false;
                    let ring = parse_coordinates(&text)?;
                    if in_outer {
                        current_outer = Some(ring);
                    } else if in_inner {
                        current_holes.push(ring);
                    }
                }
                b"outerBoundaryIs" => in_outer = false,
                b"innerBoundaryIs" => in_inner = false,
                b"Polygon" => {
                    if let Some(outer) = current_outer.take() {
                        let mut poly = Polygon::new(outer).map_err(|e| match e {
                            peel_core::geo::GeoError::TooFewPoints(n) => KmlError::TooFewPoints(n),
                            other => KmlError::Coordinate(other.to_string()),
                        })?;
                        poly.holes = std::mem::take(&mut current_holes);
                        polygons.push(poly);
                    }
                }
                _ => {}
            },
            Ok(_) => {}
        }
        buf.clear();
    }
    if polygons.is_empty() {
        return Err(KmlError::NoPolygon);
    }
    Ok(Area { polygons })
}

fn parse_coordinates(text: &str) -> Result<Vec<LatLng>, KmlError> {
    text.split_whitespace()
        .map(|tuple| {
            let mut parts = tuple.split(',');
            let (Some(lng), Some(lat)) = (parts.next(), parts.next()) else {
                return Err(KmlError::Coordinate(tuple.to_string()));
            };
            LatLng::parse(lat, lng).map_err(|_| KmlError::Coordinate(tuple.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://earth.google.com/kml/2.1"><Document><Placemark>
<Polygon><outerBoundaryIs><LinearRing><coordinates>-0.1,51.5,0 -0.1,51.6,0 0.0,51.6,0 0.0,51.5,0 -0.1,51.5,0</coordinates></LinearRing></outerBoundaryIs>
<innerBoundaryIs><LinearRing><coordinates>-0.06,51.54 -0.06,51.56 -0.04,51.56 -0.04,51.54</coordinates></LinearRing></innerBoundaryIs></Polygon>
</Placemark></Document></kml>"#;

    #[test]
    fn reads_outer_and_inner_rings() {
        let area = parse(KML.as_bytes()).unwrap();
        assert_eq!(area.polygons.len(), 1);
        assert_eq!(area.polygons[0].outer.len(), 5);
        assert_eq!(area.polygons[0].holes.len(), 1);
        assert!(area.contains(LatLng { lat: 51.52, lng: -0.08 }));
        assert!(!area.contains(LatLng { lat: 51.55, lng: -0.05 }));
    }

    #[test]
    fn reads_exponents_near_the_meridian() {
        // As in police.uk's Metropolitan boundaries (E05009318).
        let kml = b"<kml><Polygon><outerBoundaryIs><coordinates>-2.78113836816e-05,51.5106473331,0 0.01,51.51,0 0.01,51.52,0</coordinates></outerBoundaryIs></Polygon></kml>";
        let area = parse(kml).unwrap();
        assert_eq!(area.polygons[0].outer[0].lng, -2.78113836816e-05);
    }

    #[test]
    fn refuses_what_is_not_a_boundary() {
        assert_eq!(parse(b"<kml></kml>"), Err(KmlError::NoPolygon));
        assert!(matches!(
            parse(b"<kml><Polygon><outerBoundaryIs><coordinates>x,y</coordinates></outerBoundaryIs></Polygon></kml>"),
            Err(KmlError::Coordinate(_))
        ));
        assert!(matches!(
            parse(
                b"<kml><Polygon><outerBoundaryIs><coordinates>1,1 2,2</coordinates></outerBoundaryIs></Polygon></kml>"
            ),
            Err(KmlError::TooFewPoints(2))
        ));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse(s.as_bytes());
        }
    }
}
