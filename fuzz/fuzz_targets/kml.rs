//! Neighbourhood and force boundaries (KML), as `peel import` reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(area) = peel_import::kml::parse(data) {
        assert!(!area.polygons.is_empty(), "an area with no polygon was accepted");
        for p in area.outline() {
            assert!(p.lat.is_finite() && p.lng.is_finite(), "{p:?}");
        }
        let _ = area.area_km2();
    }
});
