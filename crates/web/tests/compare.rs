//! Comparisons between forces, recounted from the sample's own files on
//! both engines: each force's count and rates, the average force (a mean,
//! not a total), the national figure, and the most similar groups, both
//! the published list and the group computed from the variables file.

mod support;

use std::collections::BTreeMap;

use peel_store::Engine;
use support::sample_csv::rows;
use support::{get, sample_dir, thousands};

const MONTH: &str = "2025-12";

/// Each table row's cells as text, keyed by the text of its row header.
fn table_rows(html: &str) -> BTreeMap<String, Vec<String>> {
    let text = |s: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in s.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                _ if !tag => out.push(c),
                _ => {}
            }
        }
        unescape(out.trim())
    };
    let mut out = BTreeMap::new();
    for row in html.split("<tr").skip(1) {
        let row = row.split("</tr>").next().unwrap_or_default();
        let Some((_, after)) = row.split_once("<th scope=\"row\">") else { continue };
        let (name, rest) = after.split_once("</th>").expect("closed header");
        let cells =
            rest.split("<td").skip(1).map(|c| text(&format!("<td{}", c.split("</td>").next().unwrap_or("")))).collect();
        out.insert(text(name), cells);
    }
    out
}

/// Text as the page escapes it, decoded (force names hold "&").
fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&#x26;", "&").replace("&amp;", "&")
}

/// Residents of each force, summed from the areas files' partnerships.
fn populations() -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for force in ["bedfordshire", "city-of-london"] {
        let path = sample_dir().join(format!("areas/{force}.json"));
        let file: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let total = file["bcus"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| b["csps"].as_array().unwrap())
            .map(|c| c["population"].as_i64().unwrap())
            .sum();
        out.insert(force.to_string(), total);
    }
    out
}

fn counts(month: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for r in rows("street").iter().filter(|r| r.month == month) {
        *out.entry(r.force.clone()).or_default() += 1;
    }
    out
}

fn one(x: f64) -> String {
    format!("{x:.1}")
}

async fn compare_recounts(engine: Engine) {
    let (_db, app) = support::whole_sample(engine).await;
    let page = get(&app, &format!("/compare?date={MONTH}&sort=name")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let table = table_rows(&page.body);
    let counts = counts(MONTH);
    let pops = populations();
    assert_eq!(counts.keys().collect::<Vec<_>>(), ["bedfordshire", "city-of-london"]);
    let names = [("bedfordshire", "Bedfordshire Police"), ("city-of-london", "City of London Police")];
    let mut rates = Vec::new();
    for (id, name) in names {
        let row = &table[name];
        let rate = counts[id] as f64 * 1000.0 / pops[id] as f64;
        assert_eq!(row[0], thousands(counts[id]), "{name} count");
        assert_eq!(row[1], one(rate), "{name} per 1,000");
        assert!(row[3].starts_with("Compared with its most similar group"), "{name}: {row:?}");
        rates.push(rate);
    }
    // The average force: the mean of the counts and of the rates, not their total.
    let total: i64 = counts.values().sum();
    let average = &table["Average of these forces"];
    let halves = total % 2 == 1;
    let mean_text = format!("{}{}", thousands(total / 2), if halves { ".5" } else { "" });
    assert_eq!(average[0], mean_text, "mean count of two forces");
    assert_ne!(average[0], thousands(total), "not the total");
    assert_eq!(average[1], one(rates.iter().sum::<f64>() / rates.len() as f64), "mean rate");
    let per_km2: Vec<f64> = names.iter().map(|(_, n)| table[*n][2].parse::<f64>().unwrap()).collect();
    let mean_km2: f64 = average[2].parse().unwrap();
    assert!((mean_km2 - per_km2.iter().sum::<f64>() / 2.0).abs() <= 0.1, "mean per km²");
    // The nation: every force held, total over total.
    let national = &table["England and Wales (every force held)"];
    assert_eq!(national[0], thousands(total));
    assert_eq!(national[1], one(total as f64 * 1000.0 / pops.values().sum::<i64>() as f64));
    for needle in [
        "Populations: Office for National Statistics, Census 2021 usual resident population (2021): Bedfordshire Police, City of London Police.",
        "no crime figures for this month for 41 of the 43 forces",
        "Kent Police",
    ] {
        assert!(page.body.contains(needle), "/compare lacks {needle:?}");
    }
    assert!(page.body.contains("href=\"/forces/bedfordshire/similar\""));
    let p = get(&app, "/forces/city-of-london/neighbourhoods").await;
    assert!(
        p.body.contains("href=\"/forces/city-of-london/similar\""),
        "the neighbourhoods comparison links the group"
    );
}

/// The variables file read directly and standardised here, independently
/// of peel's code: z = (x − mean) / population sd; Euclidean distance.
fn computed_group(force: &str) -> Vec<(String, f64)> {
    let mut reader = csv::Reader::from_path(sample_dir().join("comparisons/force-variables-illustrative.csv")).unwrap();
    let mut table: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for r in reader.records() {
        let r = r.unwrap();
        table.entry(r[0].to_string()).or_default().insert(r[1].to_string(), r[2].parse().unwrap());
    }
    let variables: Vec<String> = table.values().next().unwrap().keys().cloned().collect();
    let n = table.len() as f64;
    let z: BTreeMap<&String, Vec<f64>> = table
        .iter()
        .map(|(f, vals)| {
            let zs = variables
                .iter()
                .map(|v| {
                    let mean = table.values().map(|t| t[v]).sum::<f64>() / n;
                    let sd = (table.values().map(|t| (t[v] - mean).powi(2)).sum::<f64>() / n).sqrt();
                    (vals[v] - mean) / sd
                })
                .collect();
            (f, zs)
        })
        .collect();
    let me = &z[&force.to_string()];
    let mut d: Vec<(String, f64)> = z
        .iter()
        .filter(|(f, _)| f.as_str() != force)
        .map(|(f, v)| ((*f).clone(), me.iter().zip(v).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt()))
        .collect();
    d.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    d.truncate(7);
    d
}

fn section<'a>(body: &'a str, heading: &str) -> &'a str {
    let start = body.find(heading).unwrap_or_else(|| panic!("no {heading:?}"));
    let rest = &body[start..];
    let end = rest[heading.len()..].find("<h2>").map_or(rest.len(), |e| e + heading.len());
    &rest[..end]
}

async fn similar_group_recounts(engine: Engine) {
    let (_db, app) = support::whole_sample(engine).await;
    let page = get(&app, &format!("/forces/bedfordshire/similar?date={MONTH}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let count = counts(MONTH)["bedfordshire"];
    let rate = one(count as f64 * 1000.0 / populations()["bedfordshire"] as f64);

    // The published group, in the file's order; the peers have no figures
    // in the sample, so the group average is Bedfordshire's own rate.
    let published = section(&page.body, "<h2>The published group</h2>");
    let peers = ["Kent Police", "Staffordshire Police", "Derbyshire Constabulary", "Cheshire Constabulary"];
    let mut at = 0;
    for p in peers {
        let i = published[at..].find(&format!(">{p}</a>")).unwrap_or_else(|| panic!("{p} in order"));
        at += i;
    }
    let table = table_rows(published);
    assert_eq!(table["Bedfordshire Police"], [thousands(count), rate.clone()]);
    assert_eq!(table["Kent Police"], ["No figures held", "No figures held"]);
    assert_eq!(table["Group average (including Bedfordshire Police)"], [thousands(count), rate.clone()]);
    assert!(published.contains("Illustrative list for the peel demo (not HMIC"), "the source says what it is");

    // The computed group: the same forces, order and distances as recounted here.
    let computed = section(&page.body, "<h2>The group peel computes</h2>");
    let table = table_rows(computed.split("<h3>").next().unwrap());
    let plain = unescape(computed);
    let mut at = 0;
    for (force, distance) in computed_group("bedfordshire") {
        let name = peel_core::force::by_id(&force).unwrap().name;
        let row = table.get(name).unwrap_or_else(|| panic!("{name} in the computed group"));
        assert_eq!(row[0], format!("{distance:.2}"), "{name} distance");
        let link = format!(">{name}</a>");
        at += plain[at..].find(&link).unwrap_or_else(|| panic!("{name} in order"));
    }
    assert_eq!(table.len(), 7 + 3, "the force, seven peers, the group average and the nation");
    assert!(page.body.contains("Method version most-similar-1"));
    assert!(page.body.contains("Why these forces are peers") && page.body.contains("population_density"));

    // The City of London: published with no peers, and said so.
    let city = get(&app, &format!("/forces/city-of-london/similar?date={MONTH}")).await;
    assert!(city.body.contains("The published list gives this force no peers"), "{}", city.body);
    let missing = get(&app, "/forces/atlantis/similar").await;
    assert_eq!(missing.status, 404);
}

both!(compare_recounts, similar_group_recounts);
