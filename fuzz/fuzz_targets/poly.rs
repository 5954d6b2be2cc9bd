//! police.uk's `poly` parameter (`lat,lng:lat,lng:…`) of the area queries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peel_core::Polygon;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(poly) = Polygon::parse_police_uk(text) {
        assert!(poly.outer.len() >= 3);
        let bbox = poly.bbox();
        for p in &poly.outer {
            assert!(p.lat.is_finite() && p.lng.is_finite(), "{p:?}");
            assert!(bbox.contains(*p), "{p:?} outside its own bounding box {bbox:?}");
        }
        let _ = poly.contains(bbox.centre());
        assert!(poly.area_km2().is_finite());
    }
});
