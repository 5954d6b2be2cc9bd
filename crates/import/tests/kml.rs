//! Boundary KML that is not a whole, well-formed document is refused whole,
//! naming the file and line, and stores nothing, on both engines.

use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;

const WHOLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document>
<Placemark>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
-0.0950,51.5120,0 -0.0950,51.5180,0 -0.0880,51.5180,0 -0.0880,51.5120,0 -0.0950,51.5120,0
</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark>
</Document>
</kml>
"#;

async fn malformed_kml_is_refused_whole(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let dir = tempfile::tempdir().expect("folder");
    let folder = dir.path().join("city-of-london");
    std::fs::create_dir(&folder).expect("force folder");
    // Cut off after the polygon, before its closing tags: every coordinate
    // is there, but the document is not whole.
    let cut = &WHOLE[..WHOLE.find("</Placemark>").expect("placemark")];
    // A closing tag that closes nothing open.
    let crossed = WHOLE.replace("</Placemark>\n</Document>", "</Document>\n</Placemark>");
    let cases =
        [("cut.kml", cut.to_string(), 7, "ends inside <Placemark>"), ("crossed.kml", crossed, 8, "not well-formed")];
    for (name, text, line, says) in cases {
        let path = folder.join(name);
        std::fs::write(&path, text).expect("write");
        let mut importer = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() });
        let summary = importer.import_paths(std::slice::from_ref(&path)).await.expect("import runs");
        assert_eq!(summary.failed.len(), 1, "{name} is refused");
        let message = summary.failed[0].to_string();
        assert!(message.contains(&format!("{name}:{line}: ")) && message.contains(says), "{name}: {message}");
        assert_eq!(summary.neighbourhood_boundaries, 0);
    }
    assert!(store.geography().neighbourhood_boundaries().await.expect("read").is_empty(), "nothing was stored");

    std::fs::write(folder.join("whole.kml"), WHOLE).expect("write");
    let mut importer = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() });
    let summary = importer.import_paths(&[folder.join("whole.kml")]).await.expect("import runs");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(store.geography().neighbourhood_boundaries().await.expect("read").len(), 1);
}

peel_store::on_both_engines!(malformed_kml_is_refused_whole);
