//! Importing the most similar groups and the variables groups are computed
//! from, on SQLite and on PostgreSQL: what is held recounts from the file,
//! importing again changes nothing, and a bad file is refused whole, naming
//! its line, with what was held before left as it was.

use std::path::{Path, PathBuf};

use peel_import::{ImportError, ImportOptions, Importer};
use peel_store::testing::TestDatabase;
use peel_store::{ComparisonInputs, Engine, Store};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample/comparisons")
}

async fn import(store: &Store, paths: &[PathBuf]) -> peel_import::Summary {
    Importer::new(store, ImportOptions { quiet: true, ..Default::default() }).import_paths(paths).await.unwrap()
}

/// The groups file read directly: (force, peers in order, source, year).
fn groups_in_file() -> Vec<(String, Vec<String>, String, i32)> {
    let mut reader = csv::Reader::from_path(dir().join("most-similar-groups-illustrative.csv")).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let peers = (1..=7).map(|i| r[i].to_string()).filter(|p| !p.is_empty()).collect();
            (r[0].to_string(), peers, r[8].to_string(), r[9].parse().unwrap())
        })
        .collect()
}

fn held_groups(inputs: &ComparisonInputs) -> Vec<(String, Vec<String>, String, i32)> {
    inputs.published_groups.iter().map(|g| (g.force_id.clone(), g.peers.clone(), g.source.clone(), g.year)).collect()
}

async fn groups_and_variables_recount(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let summary = import(&store, &[dir()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let held = store.comparisons().comparison_inputs().await.unwrap();
    let mut want = groups_in_file();
    want.sort();
    assert_eq!(held_groups(&held), want);
    assert_eq!(want.len(), 43);
    assert!(held.published_groups.iter().any(|g| g.force_id == "city-of-london" && g.peers.is_empty()));

    // Both variables files: the similarity variables and the finance and workforce figures.
    let mut values: Vec<(String, String, f64)> = Vec::new();
    for file in ["force-variables-illustrative.csv", "force-finance-illustrative.csv"] {
        let mut reader = csv::Reader::from_path(dir().join(file)).unwrap();
        values.extend(reader.records().map(|r| r.unwrap()).map(|r| (r[0].into(), r[1].into(), r[2].parse().unwrap())));
    }
    values.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let got: Vec<(String, String, f64)> =
        held.variables.iter().map(|v| (v.force_id.clone(), v.variable.clone(), v.value)).collect();
    assert_eq!(got, values);
    assert_eq!(summary.peer_groups, 43);
    assert_eq!(summary.force_variables, values.len());

    // Again: the same rows, not twice as many.
    import(&store, &[dir()]).await;
    assert_eq!(store.comparisons().comparison_inputs().await.unwrap(), held);
}

async fn bad_files_are_refused_whole(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    import(&store, &[dir()]).await;
    let before = store.comparisons().comparison_inputs().await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let groups = tmp.path().join("groups.csv");
    std::fs::write(&groups, "force,peer_1,peer_2,source,year\nkent,essex,,HMIC,2020\nsurrey,surrey,,HMIC,2020\n")
        .unwrap();
    let variables = tmp.path().join("variables.csv");
    std::fs::write(&variables, "force,variable,value,source,year\nkent,population_density,1,ONS,2021\natlantis,population_density,2,ONS,2021\n")
        .unwrap();
    let summary = import(&store, &[groups.clone(), variables.clone()]).await;
    let said: Vec<String> = summary.failed.iter().map(ImportError::to_string).collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said[0].contains("groups.csv:3: force: \"surrey\" lists itself as its own peer"), "{}", said[0]);
    assert!(said[1].contains("variables.csv:3: force: \"atlantis\" is not a police.uk force id"), "{}", said[1]);
    assert_eq!(store.comparisons().comparison_inputs().await.unwrap(), before, "nothing of a refused file is written");

    // A good variables file replaces only the variables it names.
    std::fs::write(&variables, "force,variable,value,source,year\nkent,population_density,1,ONS,2021\n").unwrap();
    import(&store, &[variables]).await;
    let after = store.comparisons().comparison_inputs().await.unwrap();
    let density: Vec<_> = after.variables.iter().filter(|v| v.variable == "population_density").collect();
    assert_eq!(density.len(), 1);
    assert_eq!(
        after.variables.iter().filter(|v| v.variable == "students_pct").count(),
        before.variables.iter().filter(|v| v.variable == "students_pct").count()
    );
}

peel_store::on_both_engines!(groups_and_variables_recount, bad_files_are_refused_whole);
