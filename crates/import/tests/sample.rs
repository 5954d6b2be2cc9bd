//! Importing the bundled police.uk sample, on SQLite and on PostgreSQL:
//! recounts, idempotency, strictness and atomicity.

use std::path::{Path, PathBuf};

use peel_core::records::{BulkFileName, CsvKind};
use peel_import::{ImportError, ImportOptions, Importer, Summary};
use peel_store::testing::TestDatabase;
use peel_store::{Engine, Store};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample")
}

fn bulk_files() -> Vec<(PathBuf, BulkFileName)> {
    let mut out = Vec::new();
    for month in std::fs::read_dir(sample().join("police-uk")).unwrap() {
        for f in std::fs::read_dir(month.unwrap().path()).unwrap() {
            let path = f.unwrap().path();
            let name = BulkFileName::parse(path.file_name().unwrap().to_str().unwrap()).expect("police.uk file name");
            out.push((path, name));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Data rows in a CSV, counted independently of the importer.
fn csv_rows(path: &Path) -> i64 {
    csv::Reader::from_path(path).unwrap().records().count() as i64
}

async fn import(store: &Store, paths: &[PathBuf], skip_invalid: bool) -> Summary {
    Importer::new(store, ImportOptions { skip_invalid, quiet: true }).import_paths(paths).await.unwrap()
}

async fn sample_recounts_per_file(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let summary = import(&store, &[sample()], false).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let files = bulk_files();
    assert!(files.len() >= 60);
    for (path, name) in &files {
        let stored = store.open_data().count_rows(name.kind, Some(name.force.id), Some(name.month)).await.unwrap();
        assert_eq!(stored, csv_rows(path), "{}", path.display());
    }
    let counts = store.open_data().table_counts().await.unwrap();
    let total = |k: CsvKind| files.iter().filter(|(_, n)| n.kind == k).map(|(p, _)| csv_rows(p)).sum::<i64>();
    assert_eq!(counts.crimes, total(CsvKind::Street));
    assert_eq!(counts.outcomes, total(CsvKind::Outcomes));
    assert_eq!(counts.stops, total(CsvKind::StopAndSearch));
    assert_eq!(counts.postcodes, 36_828);
    assert_eq!(counts.neighbourhoods, 6);
    assert_eq!(store.geography().neighbourhood("city-of-london", "ban").await.unwrap().unwrap().name, "Bank");
    assert!(
        store.geography().force_boundary("bedfordshire").await.unwrap().is_some(),
        "ONS force area for Bedfordshire"
    );
    assert!(store.geography().neighbourhood_boundary("city-of-london", "fle").await.unwrap().is_some());
    assert_eq!(summary.months.len(), 24);
    assert_eq!(summary.forces.iter().map(String::as_str).collect::<Vec<_>>(), ["bedfordshire", "city-of-london"]);
    // Stop and search is listed for the months it was published.
    let months = store.open_data().months_available().await.unwrap();
    assert_eq!(months[0].0.to_string(), "2025-12");
    let feb25 = months.iter().find(|(m, _)| m.to_string() == "2025-02").unwrap();
    assert_eq!(feb25.1, ["city-of-london"]);
}

async fn importing_twice_changes_nothing(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let some: Vec<PathBuf> = bulk_files()
        .into_iter()
        .filter(|(_, n)| n.month.year() == 2024 && n.month.month() <= 3)
        .map(|(p, _)| p)
        .collect();
    import(&store, &some, false).await;
    let before =
        (store.open_data().table_counts().await.unwrap(), store.open_data().all_location_names().await.unwrap());
    let again = import(&store, &some, false).await;
    assert_eq!(again.unchanged_files, some.len());
    assert_eq!(again.total_rows(), 0);
    assert_eq!(
        (store.open_data().table_counts().await.unwrap(), store.open_data().all_location_names().await.unwrap()),
        before
    );
}

/// Breaks one row of a real file in the way given, and checks the file is
/// refused with file:line and field, leaving the database as it was.
async fn malformed_files_are_refused_whole(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let (good, name) =
        bulk_files().into_iter().find(|(_, n)| n.kind == CsvKind::Street && n.force.id == "city-of-london").unwrap();
    import(&store, std::slice::from_ref(&good), false).await;
    let before =
        (store.open_data().table_counts().await.unwrap(), store.open_data().all_location_names().await.unwrap());
    let text = std::fs::read_to_string(&good).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[5].split(',').count(), 12, "the row to break has no quoted commas");
    let dir = tempfile::tempdir().unwrap();
    type Breaker = fn(&str) -> String;
    let cases: [(&str, Breaker); 4] = [
        ("Month", |l| l.replacen(",2024-", ",2024-13-", 1)),
        ("Longitude", |l| {
            let mut f: Vec<String> = l.split(',').map(String::from).collect();
            f[4] = "west".into();
            f.join(",")
        }),
        ("Crime type", |l| {
            let mut f: Vec<String> = l.split(',').map(String::from).collect();
            f[9] = "Littering".into();
            f.join(",")
        }),
        ("row", |l| format!("{l},extra")),
    ];
    for (field, breaker) in cases {
        let mut broken: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        broken[5] = breaker(lines[5]);
        // Re-publish the same force-month, broken: the old rows must survive.
        let path = dir.path().join(good.file_name().unwrap());
        std::fs::write(&path, broken.join("\r\n")).unwrap();
        let summary = import(&store, std::slice::from_ref(&path), false).await;
        assert_eq!(summary.failed.len(), 1, "{field}");
        let message = summary.failed[0].to_string();
        assert!(message.contains(&format!("{}:6: {field}", path.display())), "{field}: {message}");
        assert!(matches!(summary.failed[0], ImportError::InvalidRows { .. }));
        assert_eq!(
            (store.open_data().table_counts().await.unwrap(), store.open_data().all_location_names().await.unwrap()),
            before,
            "{field}"
        );
        assert_eq!(
            store.open_data().count_rows(CsvKind::Street, Some(name.force.id), Some(name.month)).await.unwrap(),
            csv_rows(&good)
        );

        // --skip-invalid imports the rest and reports the bad row.
        let summary = import(&store, std::slice::from_ref(&path), true).await;
        assert!(summary.failed.is_empty());
        assert_eq!(summary.skipped.total(), 1, "{field}");
        assert_eq!(
            store.open_data().count_rows(CsvKind::Street, Some(name.force.id), Some(name.month)).await.unwrap(),
            csv_rows(&good) - 1
        );
        import(&store, std::slice::from_ref(&good), false).await;
    }
}

async fn unrecognised_and_mismatched_files(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello").unwrap();
    let odd = dir.path().join("odd.csv");
    std::fs::write(&odd, "a,b,c\n1,2,3\n").unwrap();
    let (street, _) = bulk_files().into_iter().find(|(_, n)| n.kind == CsvKind::Street).unwrap();
    let misnamed = dir.path().join("2024-01-city-of-london-outcomes.csv");
    std::fs::copy(&street, &misnamed).unwrap();
    let summary = import(&store, &[notes, odd, misnamed], false).await;
    let messages: Vec<String> = summary.failed.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("not a file peel can import"), "{}", messages[0]);
    assert!(messages[1].contains("header (a,b,c)"), "{}", messages[1]);
    assert!(messages[2].contains("the name says outcomes"), "{}", messages[2]);
    assert_eq!(store.open_data().table_counts().await.unwrap().crimes, 0);
}

async fn imports_a_monthly_archive_zip(engine: Engine) {
    use std::io::Write;
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("2024-02.zip");
    let files: Vec<(PathBuf, BulkFileName)> =
        bulk_files().into_iter().filter(|(_, n)| n.month.to_string() == "2024-02").collect();
    assert_eq!(files.len(), 3);
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (path, _) in &files {
            zip.start_file(format!("2024-02/{}", path.file_name().unwrap().to_str().unwrap()), opts).unwrap();
            zip.write_all(&std::fs::read(path).unwrap()).unwrap();
        }
        zip.finish().unwrap();
    }
    let summary = import(&store, std::slice::from_ref(&zip_path), false).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    for (path, n) in &files {
        assert_eq!(
            store.open_data().count_rows(n.kind, Some(n.force.id), Some(n.month)).await.unwrap(),
            csv_rows(path)
        );
    }
}

peel_store::on_both_engines!(
    sample_recounts_per_file,
    importing_twice_changes_nothing,
    malformed_files_are_refused_whole,
    unrecognised_and_mismatched_files,
    imports_a_monthly_archive_zip,
);
