//! Boundary KML as police.uk publishes it: one Placemark with a Polygon (or a
//! MultiGeometry of Polygons), coordinates as `lng,lat[,alt]` tuples.

use peel_core::geo::{Area, LatLng, Polygon};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Why a KML file is not a boundary peel can use. Each says the line (of
/// the file) it is about, where there is one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KmlError {
    #[error("not well-formed XML: {message}")]
    Xml { line: u64, message: String },
    #[error("the file ends inside <{open}>: it was cut off, or its closing tags are missing")]
    Truncated { line: u64, open: String },
    #[error("bad coordinate {tuple:?}: expected lng,lat[,alt]")]
    Coordinate { line: u64, tuple: String },
    #[error("holds no polygon")]
    NoPolygon,
    #[error("a ring has {points} distinct points; a polygon needs at least 3")]
    TooFewPoints { line: u64, points: usize },
}

impl KmlError {
    /// The line of the file the error is about (1-based), if any.
    pub fn line(&self) -> Option<u64> {
        match self {
            KmlError::Xml { line, .. }
            | KmlError::Truncated { line, .. }
            | KmlError::Coordinate { line, .. }
            | KmlError::TooFewPoints { line, .. } => Some(*line),
            KmlError::NoPolygon => None,
        }
    }
}

/// The line (1-based) holding byte `at` of `bytes`.
fn line_at(bytes: &[u8], at: u64) -> u64 {
    let end = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Reads a boundary. The document must be whole: every element closed
/// (quick-xml checks that end tags match; that none is left open at the end
/// is checked here), so a file cut off in transfer is refused rather than
/// read as far as it goes.
pub fn parse(bytes: &[u8]) -> Result<Area, KmlError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut polygons: Vec<Polygon> = Vec::new();
    let (mut in_outer, mut in_inner, mut in_coords) = (false, false, false);
    let mut current_outer: Option<Vec<LatLng>> = None;
    let mut current_holes: Vec<Vec<LatLng>> = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut coords_line = 1;
    let mut buf = Vec::new();
    loop {
        let here = line_at(bytes, reader.buffer_position());
        match reader.read_event_into(&mut buf) {
            Err(e) => {
                return Err(KmlError::Xml { line: line_at(bytes, reader.error_position()), message: e.to_string() });
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                open.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                match e.local_name().as_ref() {
                    b"Polygon" => {
                        current_outer = None;
                        current_holes.clear();
                    }
                    b"outerBoundaryIs" => in_outer = true,
                    b"innerBoundaryIs" => in_inner = true,
                    b"coordinates" => {
                        in_coords = true;
                        coords_line = here;
                        text.clear();
                    }
                    _ => {}
                }
            }
            Ok(Event::Text(t)) if in_coords => {
                let unescaped = t.unescape().map_err(|e| KmlError::Xml { line: here, message: e.to_string() })?;
                text.push_str(&unescaped);
            }
            Ok(Event::End(e)) => {
                open.pop();
                match e.local_name().as_ref() {
                    b"coordinates" => {
                        in_coords = false;
                        let ring = parse_coordinates(&text, coords_line)?;
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
                                peel_core::geo::GeoError::TooFewPoints(points) => {
                                    KmlError::TooFewPoints { line: coords_line, points }
                                }
                                other => KmlError::Coordinate { line: coords_line, tuple: other.to_string() },
                            })?;
                            poly.holes = std::mem::take(&mut current_holes);
                            polygons.push(poly);
                        }
                    }
                    _ => {}
                }
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    if let Some(element) = open.pop() {
        // The line of the last character, where the file stops.
        let last = (bytes.len() as u64).saturating_sub(1);
        return Err(KmlError::Truncated { line: line_at(bytes, last), open: element });
    }
    if polygons.is_empty() {
        return Err(KmlError::NoPolygon);
    }
    Ok(Area { polygons })
}

/// The points of a `<coordinates>` element that begins on line `first`.
fn parse_coordinates(text: &str, first: u64) -> Result<Vec<LatLng>, KmlError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for tuple in line.split_whitespace() {
            let bad = || KmlError::Coordinate { line: first + n as u64, tuple: tuple.to_string() };
            let mut parts = tuple.split(',');
            let (Some(lng), Some(lat)) = (parts.next(), parts.next()) else {
                return Err(bad());
            };
            out.push(LatLng::parse(lat, lng).map_err(|_| bad())?);
        }
    }
    Ok(out)
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
            Err(KmlError::Coordinate { line: 1, .. })
        ));
        assert!(matches!(
            parse(
                b"<kml><Polygon><outerBoundaryIs><coordinates>1,1 2,2</coordinates></outerBoundaryIs></Polygon></kml>"
            ),
            Err(KmlError::TooFewPoints { line: 1, points: 2 })
        ));
    }

    #[test]
    fn refuses_documents_that_are_not_whole() {
        // Every point is there, but the closing tags are not.
        let cut = &KML[..KML.find("</Placemark>").expect("placemark")];
        assert_eq!(parse(cut.as_bytes()), Err(KmlError::Truncated { line: 4, open: "Placemark".into() }));
        let cut = &KML[..KML.find("</kml>").expect("end")];
        assert!(matches!(parse(cut.as_bytes()), Err(KmlError::Truncated { open, .. }) if open == "kml"));
        let crossed = KML.replace("</Placemark></Document>", "</Document></Placemark>");
        assert!(matches!(parse(crossed.as_bytes()), Err(KmlError::Xml { line: 5, .. })));
        let bad_point = KML.replace("-0.06,51.56 ", "-0.06,abc ");
        assert_eq!(parse(bad_point.as_bytes()), Err(KmlError::Coordinate { line: 4, tuple: "-0.06,abc".into() }));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse(s.as_bytes());
        }
    }
}
