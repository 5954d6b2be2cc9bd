//! Every portal page, in process, against the bundled sample on both engines.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_web::{AppState, app};
use tower::ServiceExt;

struct Page {
    status: StatusCode,
    location: Option<String>,
    content_type: String,
    csp: Option<String>,
    body: String,
}

async fn get(app: &axum::Router, uri: &str) -> Page {
    let res = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let h = |n: header::HeaderName| res.headers().get(n).map(|v| v.to_str().unwrap().to_string());
    let (location, content_type, csp) =
        (h(header::LOCATION), h(header::CONTENT_TYPE).unwrap_or_default(), h(header::CONTENT_SECURITY_POLICY));
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.unwrap();
    Page { status, location, content_type, csp, body: String::from_utf8(bytes.to_vec()).unwrap() }
}

fn assert_page(p: &Page, uri: &str, needles: &[&str]) {
    assert_eq!(p.status, StatusCode::OK, "{uri}: {}", p.body);
    assert!(p.content_type.starts_with("text/html"), "{uri}: {}", p.content_type);
    assert!(p.csp.as_deref().is_some_and(|c| c.contains("default-src 'self'")), "{uri}: no CSP");
    for n in needles {
        assert!(p.body.contains(n), "{uri} lacks {n:?}");
    }
    // Accessibility basics on every page.
    for n in ["<html lang=\"en-GB\">", "<main id=\"main-content\"", "Skip to main content", "<h1>"] {
        assert!(p.body.contains(n), "{uri} lacks {n:?}");
    }
    assert_eq!(p.body.matches("<h1>").count(), 1, "{uri}: one h1");
    assert_open_graph(p, uri);
    // Imported HTML is shown as text, never as markup, and no style or script is inline.
    assert!(!p.body.contains("&lt;p&gt;"), "{uri}: imported markup shown");
    assert!(!p.body.contains("style=\"") && !p.body.contains("<script"), "{uri}: inline style or script");
}

/// The content of the page's `og:{property}` tag, if it has one.
fn og(p: &Page, property: &str) -> Option<String> {
    let rest = p.body.split_once(&format!("<meta property=\"og:{property}\" content=\"")).map(|(_, r)| r)?;
    Some(rest.split_once('"')?.0.to_string())
}

/// A shared link shows the page's own title and summary: og:title is the
/// page's `<title>` without the site name, and the description is not empty.
fn assert_open_graph(p: &Page, uri: &str) {
    let title = p.body.split_once("<title>").and_then(|(_, r)| r.split_once(" – peel</title>"));
    let title = title.unwrap_or_else(|| panic!("{uri}: no title")).0;
    assert!(!title.trim().is_empty(), "{uri}: empty title");
    let og_title = format!("<meta property=\"og:title\" content=\"{title}\">");
    assert!(p.body.contains(&og_title), "{uri} lacks {og_title}");
    let description = og(p, "description").unwrap_or_else(|| panic!("{uri}: no og:description"));
    assert!(description.len() > 20, "{uri}: og:description too thin: {description:?}");
    for n in ["og:type\" content=\"website\"", "og:site_name\" content=\"peel\"", "og:locale\" content=\"en_GB\""] {
        assert!(p.body.contains(n), "{uri} lacks {n}");
    }
    // peel is not told its public address, so it must not invent one.
    assert!(!p.body.contains("og:url"), "{uri}: og:url without a configured base URL");
}

async fn every_page(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample");
    let summary = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[sample])
        .await
        .unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let app = app(AppState::load(store).await.unwrap());

    let home = get(&app, "/").await;
    assert_page(
        &home,
        "/",
        &["Postcode, street or place", "<label for=\"q\"", "Bedfordshire Police", "City of London Police"],
    );

    // Two streets called Cheapside (in Luton, and a City of London Police
    // crime in north London) stay two places, each named with where it is,
    // rather than one place between them in Hertfordshire.
    let p = get(&app, "/search?q=Cheapside").await;
    assert_page(&p, "search Cheapside", &["2 places match", "Cheapside (Bedfordshire Police)"]);
    let spots: Vec<(f64, f64)> = p
        .body
        .split("href=\"/locate?lat=")
        .skip(1)
        .filter_map(|s| {
            let number =
                |t: &str| t.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).next()?.parse().ok();
            Some((number(s)?, number(s.split_once("lng=")?.1)?))
        })
        .collect();
    assert_eq!(spots.len(), 2, "{spots:?}");
    assert!(
        spots.iter().any(|(lat, lng)| (lat - 51.880).abs() < 0.01 && (lng + 0.414).abs() < 0.01),
        "Luton: {spots:?}"
    );
    assert!(
        spots.iter().any(|(lat, lng)| (lat - 51.617).abs() < 0.01 && (lng + 0.087).abs() < 0.01),
        "north London: {spots:?}"
    );
    // The home page's example street lands in the City.
    let p = get(&app, "/search?q=Bishopsgate").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "one place");
    assert!(p.location.as_deref().is_some_and(|l| l.starts_with("/locate?lat=51.5")), "{:?}", p.location);

    // A City of London postcode in any spacing lands on its neighbourhood.
    for q in ["EC2V%207HH", "ec2v7hh", "%20Ec2V%20%207hh"] {
        let p = get(&app, &format!("/search?q={q}")).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{q}");
        assert_eq!(p.location.as_deref(), Some("/neighbourhoods/city-of-london/bar"), "{q}");
    }
    // A Bedfordshire postcode gets its force and CSP, and a plain note.
    let p = get(&app, "/search?q=LU1%201AA").await;
    let luton_or_any = &p.body;
    assert_page(
        &p,
        "LU1 1AA",
        &[
            "Bedfordshire Police",
            "Neighbourhood boundaries for Bedfordshire Police are not loaded",
            "/forces/bedfordshire",
        ],
    );
    assert!(luton_or_any.contains("/forces/bedfordshire/csps/"), "a CSP link");
    // … and still the most useful page peel can give: the BCU, the
    // partnership's figures, and the latest month's crimes within a mile.
    for needle in
        ["/forces/bedfordshire/bcus/", "crimes within a mile of LU1 1AA", "<svg class=\"map\"", "class=\"legend\""]
    {
        assert!(luton_or_any.contains(needle), "LU1 1AA lacks {needle}");
    }
    // Bad input gets a clear message.
    let p = get(&app, "/search?q=EC2V%207").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("Enter a real postcode"), "{}", p.body);
    assert!(p.body.contains("<title>Error: "), "the title says there is an error");
    let p = get(&app, "/search?q=M1%201AE").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("We have no information for M1 1AE"));
    let p = get(&app, "/search?q=").await;
    assert!(p.body.contains("Enter a postcode, street or place"));
    let p = get(&app, "/search?q=Xyzzyville").await;
    assert!(p.body.contains("No postcode, street or neighbourhood matches"));
    // Several matches are listed; one match goes straight there.
    let p = get(&app, "/search?q=street").await;
    assert_page(&p, "street", &["places match", "/locate?lat="]);
    let p = get(&app, "/search?q=Fenchurch").await;
    assert_eq!(p.location.as_deref(), Some("/neighbourhoods/city-of-london/fen"));

    let uri = "/neighbourhoods/city-of-london/ban";
    let p = get(&app, uri).await;
    assert_page(
        &p,
        uri,
        &[
            "<h1>Bank</h1>",
            "Sample content.",
            "Sgt Sam Okafor",
            "you said, we did",
            "What we did",
            "Neighbourhood priorities meeting",
            "events.ics",
            "Crime in December 2025",
            "The last 12 months",
            "January 2025",
            "<svg class=\"chart\"",
            "<svg class=\"map\"",
            "<polygon",
            "What happened next",
            "How it compares",
            "per 1,000 residents",
            "/forces/city-of-london/complain",
            "Safer City Partnership",
        ],
    );
    assert!(p.body.len() < 150_000, "neighbourhood page is {} bytes", p.body.len());
    let ics = get(&app, "/neighbourhoods/city-of-london/ban/events.ics").await;
    assert!(ics.content_type.starts_with("text/calendar"));
    assert!(
        ics.body.starts_with("BEGIN:VCALENDAR\r\n") && ics.body.contains("DTSTART;TZID=Europe/London:20261209T183000")
    );

    for (uri, needles) in [
        (
            "/forces/bedfordshire",
            &[
                "<h1>Bedfordshire Police</h1>",
                "Commentary from the force",
                "Community Safety Luton",
                "Neighbourhood boundaries for Bedfordshire Police are not loaded",
            ][..],
        ),
        ("/forces/city-of-london", &["Compare these neighbourhoods", "Bank"][..]),
        ("/forces/bedfordshire/bcus/luton", &["Luton basic command unit", "The last 12 months"][..]),
        (
            "/forces/bedfordshire/csps/central-bedfordshire",
            &["Central Bedfordshire Community Safety Partnership", "294,454"][..],
        ),
        ("/compare", &["Compare police forces", "Average of these forces", "Per km²", "?sort=name"][..]),
        ("/compare?sort=name", &["aria-sort=\"ascending\"><a href=\"?sort=name\""][..]),
        ("/compare?sort=count", &["aria-sort=\"descending\"><a href=\"?sort=count\""][..]),
        (
            "/forces/city-of-london/neighbourhoods",
            &["Compare neighbourhoods in City of London Police", "Fleet Street"][..],
        ),
        (
            "/forces/city-of-london/complain",
            &["escalate", "inspector", "Independent Office for Police Conduct", "28 days"][..],
        ),
        ("/about", &["Open Government Licence v3.0"][..]),
        ("/accessibility", &["WCAG"][..]),
    ] {
        let p = get(&app, uri).await;
        assert_page(&p, uri, needles);
    }
    // Each page's summary is its own, not the site's.
    for (uri, own) in [
        ("/forces/city-of-london", "crimes recorded in City of London Police in "),
        ("/neighbourhoods/city-of-london/ban", "Bank"),
        ("/forces/city-of-london/complain", "How to complain about City of London Police"),
        ("/compare?date=2024-03", "Crimes recorded in March 2024"),
        ("/about", "data"),
    ] {
        let description = og(&get(&app, uri).await, "description").unwrap_or_default();
        assert!(description.contains(own), "{uri}: og:description {description:?} lacks {own:?}");
    }
    // Any month held can be chosen, and the page's figures follow it; the
    // picker offers every month held; a month not held is a clear 404.
    let p = get(&app, "/forces/city-of-london?date=2024-03").await;
    assert_page(
        &p,
        "force in March 2024",
        &["Crime in March 2024", "<option value=\"2024-03\" selected>", "<option value=\"2025-12\">"],
    );
    assert!(!p.body.contains("<strong>810</strong> crimes"), "not December's figures");
    let p = get(&app, "/neighbourhoods/city-of-london/ban?date=2024-03").await;
    assert_page(&p, "neighbourhood in March 2024", &["Crime in March 2024", "Map of crime in March 2024"]);
    let p = get(&app, "/compare?date=2024-03&sort=count").await;
    assert_page(&p, "compare in March 2024", &["Crimes recorded in March 2024", "date=2024-03"]);
    // A month not held is a page not found; a date that is no month, a bad request.
    let p = get(&app, "/forces/city-of-london?date=1999-01").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("crime figures for the month “1999-01”"));
    for bad in ["2024-13", "soon"] {
        let p = get(&app, &format!("/forces/city-of-london?date={bad}")).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(p.body.contains(&format!("“{bad}” is not a month")), "{bad}");
    }
    // Figures are the recount of the sample: December 2025 City of London street rows.
    let p = get(&app, "/forces/city-of-london").await;
    assert!(p.body.contains("<strong>810</strong> crimes"), "force total for December 2025");
    // Its map draws the boundary only, and says so: no promise of crime circles it does not draw.
    assert!(p.body.contains("<svg class=\"map\""), "force map");
    assert!(!p.body.contains("a circle at each published crime location"), "its description promises none");

    // One crime with its outcome history, linked from its neighbourhood page.
    let nb = get(&app, "/neighbourhoods/city-of-london/ban").await;
    let href =
        nb.body.split("href=\"/crimes/").nth(1).and_then(|s| s.split('"').next()).expect("a crime link").to_string();
    let p = get(&app, &format!("/crimes/{href}")).await;
    assert_page(
        &p,
        "crime",
        &["What happened next", "Latest outcome", "City of London Police", "/neighbourhoods/city-of-london/"],
    );
    // A crime from the outcomes files shows its history in order.
    let uri = "/crimes/87285a8be04d2f9c2baf5a0319a6d492be8b66ac97a03efe06787ed29b89c896";
    let p = get(&app, uri).await;
    assert_page(
        &p,
        uri,
        &["<h1>Burglary in January 2024</h1>", "On or near Corbet Court", "Unable to prosecute suspect (July 2024)"],
    );
    let first = p.body.find("Investigation complete; no suspect identified").expect("first outcome");
    let second = p.body.rfind("Unable to prosecute suspect").expect("second outcome");
    assert!(first < second, "history oldest first");

    // A crime page states its outcome consistently: a crime whose own record
    // gives an outcome never also says that no outcome was published.
    let mut with_outcome_only = 0;
    for href in nb.body.split("href=\"/crimes/").skip(1).filter_map(|s| s.split('"').next()) {
        let p = get(&app, &format!("/crimes/{href}")).await;
        if p.body.contains("<dt>Latest outcome</dt><dd>No outcome published</dd>") {
            assert!(p.body.contains("has published no outcomes for this crime yet"), "{href}");
            continue;
        }
        assert!(!p.body.contains("published no outcomes"), "{href}: an outcome and none");
        if !p.body.contains("<caption class=\"visually-hidden\">Outcomes of this crime") {
            assert!(p.body.contains("the latest outcome above is the one published with the crime"), "{href}");
            with_outcome_only += 1;
        }
    }
    assert!(with_outcome_only > 0, "the sample has crimes whose outcome comes only with the crime");

    for uri in [
        "/nope",
        "/forces/atlantis",
        "/crimes/zzz",
        "/crimes/0000000000000000000000000000000000000000000000000000000000000000",
        "/neighbourhoods/city-of-london/zzz",
        "/forces/bedfordshire/csps/nowhere",
    ] {
        let p = get(&app, uri).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(p.body.contains("Page not found") && p.body.contains("Search for your area"), "{uri}");
        assert_open_graph(&p, uri);
    }
    let p = get(&app, "/api/nope").await;
    assert_eq!((p.status, p.body.as_str()), (StatusCode::NOT_FOUND, "Not Found"));
    let css = get(&app, "/assets/peel.css").await;
    assert!(css.content_type.starts_with("text/css"));
    assert_print_rules(&css.body);
}

/// The stylesheet served prints a page as its content alone: the print block
/// hides what only works on screen, names where links go, keeps tables and
/// figures whole and prints black on white.
fn assert_print_rules(css: &str) {
    let print = css.split_once("@media print {").expect("a print block").1;
    let hidden = print.lines().find(|l| l.contains("display: none")).expect("a rule hiding screen-only parts");
    for part in ["nav", ".skip-link", "form", ".month-picker", ".button", "button"] {
        assert!(hidden.split([',', '{']).any(|s| s.trim() == part), "print does not hide {part}");
    }
    for rule in [
        "main a[href]:not([href^=\"#\"]):not([href^=\"mailto:\"])::after { content: \" (\" attr(href) \")\"",
        "table, figure, svg, tr, img, .summary { break-inside: avoid;",
        "background: #fff !important; color: #000 !important;",
    ] {
        assert!(print.contains(rule), "print lacks {rule}");
    }
}

/// A store holding the City of London's neighbourhoods and areas (no
/// crimes), and the application over it.
async fn city_of_london_areas(db: &TestDatabase) -> (peel_store::Store, axum::Router) {
    let store = db.store().await;
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample");
    let files = [sample.join("neighbourhoods/city-of-london.json"), sample.join("areas/city-of-london.json")];
    let summary =
        Importer::new(&store, ImportOptions { quiet: true, ..Default::default() }).import_paths(&files).await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let app = app(AppState::load(store.clone()).await.unwrap());
    (store, app)
}

/// The public Pledge pages: figures for the latest month with events, a
/// trend per commitment, the standards explained, the demo labelled, and
/// never an event id.
async fn pledge_pages(engine: Engine) {
    use peel_core::pledge::{AreaKind, generate};
    let db = TestDatabase::new(engine).await;
    let (store, app) = city_of_london_areas(&db).await;

    // Before any events: the page says so plainly.
    let uri = "/forces/city-of-london/pledge";
    let p = get(&app, uri).await;
    assert_page(&p, uri, &["Policing Pledge: City of London Police", "no Policing Pledge records"]);
    assert!(!p.body.contains("Demo figures"), "no events, no demo label");

    let hoods: Vec<(String, AreaKind)> =
        store.pledge().neighbourhood_areas("city-of-london").await.unwrap().into_iter().collect();
    let mut events = Vec::new();
    for month in ["2025-05", "2025-06"] {
        let plan = generate::Plan {
            force: "city-of-london",
            month: month.parse().unwrap(),
            neighbourhoods: &hoods,
            seed: 7,
            now: "2026-01-01T00:00:00Z".parse().unwrap(),
        };
        events.extend(generate::month(&plan));
    }
    store.pledge().put_pledge_events(&events).await.unwrap();
    let report = store
        .pledge()
        .pledge_compliance("city-of-london", "2025-06".parse().unwrap(), Some("ban"), chrono::Utc::now())
        .await
        .unwrap();
    let answer = &report.commitments[0];

    for (uri, name) in [
        ("/forces/city-of-london/pledge", "City of London Police"),
        ("/forces/city-of-london/bcus/city/pledge", "City of London basic command unit"),
        ("/neighbourhoods/city-of-london/ban/pledge", "Bank"),
    ] {
        let p = get(&app, uri).await;
        assert_page(
            &p,
            uri,
            &[
                &format!("Policing Pledge: {name}"),
                "Demo figures",
                "generated events",
                "June 2025",
                "July 2024",
                "999 calls are answered within 10 seconds.",
                "Hansard, 23 February 2010",
                "national-2008",
                "Answering 999 calls",
                "Keeping victims informed",
                "<caption id=\"summary-caption\">Policing Pledge standards met in June 2025",
                "<th scope=\"col\">Standard</th>",
                "<th scope=\"row\"><a href=\"#999-answer\">",
                "role=\"img\" aria-labelledby=\"pledge-999-answer-title pledge-999-answer-desc\"",
                "Show the figures as a table",
                "Half were answered within",
            ],
        );
        // Headings in order: h1, then h2s each followed by its h3.
        let levels: Vec<char> = p
            .body
            .match_indices("<h")
            .filter_map(|(i, _)| p.body[i + 2..].chars().next())
            .filter(char::is_ascii_digit)
            .collect();
        assert_eq!(levels.first(), Some(&'1'), "{uri}");
        assert!(levels.windows(2).all(|w| (w[1] as u8) <= (w[0] as u8) + 1), "{uri}: heading levels skip: {levels:?}");
        // Nine charts, and every id on the page is unique.
        assert_eq!(p.body.matches("<svg class=\"chart\"").count(), 9, "{uri}");
        let ids: Vec<&str> = p.body.split(" id=\"").skip(1).filter_map(|t| t.split('"').next()).collect();
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "{uri}: duplicate ids");
        // No event ids, breaches or personal data on a public page.
        for e in &events {
            assert!(!p.body.contains(&e.id), "{uri} shows event id {}", e.id);
        }
        assert!(!p.body.contains("gen-"), "{uri}: generated ids or officer refs");
    }
    // The neighbourhood figures are the store's for the latest month.
    let uri = "/neighbourhoods/city-of-london/ban/pledge";
    let p = get(&app, uri).await;
    let row = format!(
        "<th scope=\"row\"><a href=\"#999-answer\">Answering 999 calls</a></th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        answer.met, answer.eligible
    );
    assert!(p.body.contains(&row), "{uri} lacks {row}");
    // The BCU figures are the store's for its neighbourhoods, and it links
    // to each neighbourhood's page.
    let bcu = store
        .pledge()
        .pledge_compliance_bcu("city-of-london", "2025-06".parse().unwrap(), "city", chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    let uri = "/forces/city-of-london/bcus/city/pledge";
    let p = get(&app, uri).await;
    for f in &bcu.commitments {
        let row = format!("<td class=\"num\">{}</td><td class=\"num\">{}</td>", f.met, f.eligible);
        assert!(p.body.contains(&row), "{uri} lacks {} {row}", f.id.as_str());
    }
    assert!(p.body.contains("count the records that name one of the"), "{uri}: how the BCU is counted");
    assert!(p.body.contains("href=\"/neighbourhoods/city-of-london/ban/pledge\""), "{uri}: links to Bank");
    assert!(p.body.contains("href=\"/forces/city-of-london/bcus/city\""), "{uri}: breadcrumb to the BCU");
    // Any month with records can be chosen: the figures, the trend and the
    // picker follow it; a month without records, or no month at all, is the
    // same page not found as every other page gives.
    let may = store
        .pledge()
        .pledge_compliance("city-of-london", "2025-05".parse().unwrap(), Some("ban"), chrono::Utc::now())
        .await
        .unwrap();
    let may_row = format!(
        "<th scope=\"row\"><a href=\"#999-answer\">Answering 999 calls</a></th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        may.commitments[0].met, may.commitments[0].eligible
    );
    for base in [
        "/forces/city-of-london/pledge",
        "/forces/city-of-london/bcus/city/pledge",
        "/neighbourhoods/city-of-london/ban/pledge",
    ] {
        let latest = get(&app, base).await;
        assert!(
            latest.body.contains("<option value=\"2025-06\" selected>June 2025</option>"),
            "{base}: June by default"
        );
        let uri = format!("{base}?date=2025-05");
        let p = get(&app, &uri).await;
        assert_page(
            &p,
            &uri,
            &[
                "met the Pledge in May 2025",
                "These figures are for May 2025.",
                "Policing Pledge standards met in May 2025",
                "Percentage met each month, June 2024 to May 2025.",
                "<form method=\"get\" class=\"month-picker\">",
                "<option value=\"2025-05\" selected>May 2025</option>",
                "<option value=\"2025-06\">June 2025</option>",
            ],
        );
        assert!(!p.body.contains("met the Pledge in June 2025"), "{uri}: still shows June");
        let uri = format!("{base}?date=2025-04");
        let p = get(&app, &uri).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(p.body.contains("Page not found") && p.body.contains("“2025-04”"), "{uri}: {}", p.body);
        for bad in ["2025-13", "May", "2025-05-01"] {
            let uri = format!("{base}?date={bad}");
            let p = get(&app, &uri).await;
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(p.body.contains(&format!("“{bad}” is not a month")), "{uri}: {}", p.body);
        }
    }
    let uri = "/neighbourhoods/city-of-london/ban/pledge?date=2025-05";
    assert!(get(&app, uri).await.body.contains(&may_row), "{uri}: the store's May figures");
    let p = get(&app, "/forces/city-of-london/pledge").await;
    assert!(p.body.contains("href=\"/forces/city-of-london/bcus/city/pledge\""), "force page links to its BCUs");
    let p = get(&app, "/forces/city-of-london/bcus/city").await;
    assert!(p.body.contains("href=\"/forces/city-of-london/bcus/city/pledge\""), "BCU page links to its Pledge page");
    // Linked from the force and neighbourhood pages.
    let p = get(&app, "/forces/city-of-london").await;
    assert!(p.body.contains("href=\"/forces/city-of-london/pledge\""));
    let p = get(&app, "/neighbourhoods/city-of-london/ban").await;
    assert!(p.body.contains("href=\"/neighbourhoods/city-of-london/ban/pledge\""));
    for uri in [
        "/forces/atlantis/pledge",
        "/neighbourhoods/city-of-london/zzz/pledge",
        "/forces/city-of-london/bcus/nowhere/pledge",
        "/forces/atlantis/bcus/city/pledge",
    ] {
        assert_eq!(get(&app, uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

/// "Demo figures" labels a page only when the month it reports counts
/// generated records; earlier generated months of the trend are named.
async fn pledge_demo_label(engine: Engine) {
    use peel_core::pledge::{AreaKind, EventBody, generate};
    let db = TestDatabase::new(engine).await;
    let (store, app) = city_of_london_areas(&db).await;
    let hoods: Vec<(String, AreaKind)> =
        store.pledge().neighbourhood_areas("city-of-london").await.unwrap().into_iter().collect();
    let plan = |month: &str| generate::Plan {
        force: "city-of-london",
        month: month.parse().unwrap(),
        neighbourhoods: &hoods,
        seed: 7,
        now: "2026-01-01T00:00:00Z".parse().unwrap(),
    };
    // Generated May, without victim plans (a plan is counted in the months
    // after it too, and would rightly make a later month demo figures).
    let demo: Vec<_> = generate::month(&plan("2025-05"))
        .into_iter()
        .filter(|e| !matches!(e.body, EventBody::VictimPlan(_) | EventBody::VictimUpdate(_)))
        .collect();
    store.pledge().put_pledge_events(&demo).await.unwrap();
    let uri = "/forces/city-of-london/pledge";
    assert!(get(&app, uri).await.body.contains("Demo figures"), "{uri}: May is generated");
    // Then real records for June.
    let real: Vec<_> = generate::month(&plan("2025-06"))
        .into_iter()
        .enumerate()
        .map(|(i, e)| peel_core::pledge::Event { id: format!("real-{i}"), generated: false, ..e })
        .collect();
    store.pledge().put_pledge_events(&real).await.unwrap();
    let p = get(&app, uri).await;
    assert_page(&p, uri, &["How City of London Police met the Pledge in June 2025", "generated demo events: May 2025"]);
    assert!(!p.body.contains("Demo figures"), "{uri}: June's figures are real");
}

peel_store::on_both_engines!(every_page, pledge_pages, pledge_demo_label);
