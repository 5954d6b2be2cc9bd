//! Server-rendered SVG: the trend chart and the area map. Both work without
//! JavaScript, carry a title and description for screen readers, and are
//! always accompanied on the page by a table of the same numbers.

use std::collections::BTreeMap;
use std::fmt::Write;

use peel_core::geo::{Area, BBox, LatLng};
use peel_core::{CrimeCategory, Month};

use super::format::thousands;

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A line chart of monthly totals.
pub fn trend_chart(title: &str, points: &[(Month, i64)]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 260.0, 56.0, 16.0, 16.0, 48.0);
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let nice_max = nice_ceiling(max);
    let n = points.len().max(2) as f64;
    let x = |i: usize| left + (w - left - right) * i as f64 / (n - 1.0);
    let y = |v: i64| top + (h - top - bottom) * (1.0 - v as f64 / nice_max);
    let mut s = String::new();
    let first = points.first().map(|p| p.0.long_name()).unwrap_or_default();
    let last = points.last().map(|p| p.0.long_name()).unwrap_or_default();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title><desc id="chart-desc">Line chart of crimes recorded each month from {} to {}. The same figures are in the table below.</desc>"#,
        escape(title),
        escape(&first),
        escape(&last)
    );
    for i in 0..=4 {
        let v = (nice_max * f64::from(i) / 4.0).round() as i64;
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#b1b4b6" stroke-width="1"/><text x="{}" y="{:.1}" text-anchor="end" font-size="12" fill="#0b0c0c">{}</text>"##,
            w - right,
            left - 6.0,
            yy + 4.0,
            thousands(v)
        );
    }
    let path: Vec<String> = points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.1))).collect();
    let _ = write!(s, r##"<polyline fill="none" stroke="#1d70b8" stroke-width="3" points="{}"/>"##, path.join(" "));
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#1d70b8"><title>{}: {}</title></circle>"##,
            x(i),
            y(p.1),
            escape(&p.0.long_name()),
            thousands(p.1)
        );
        if i % 2 == 0 || points.len() <= 6 {
            let label = p.0.long_name();
            let short = format!("{} {}", &label[..3], p.0.year() % 100);
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="12" fill="#0b0c0c">{}</text>"##,
                x(i),
                h - bottom + 18.0,
                escape(&short)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A line chart of monthly percentages on a fixed 0–100% scale, with a gap
/// for each month without a figure. `id` keeps the title and description
/// ids unique when a page has several charts.
pub fn percent_chart(id: &str, title: &str, desc: &str, points: &[(Month, Option<f64>)]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 220.0, 56.0, 16.0, 16.0, 48.0);
    let n = points.len().max(2) as f64;
    let x = |i: usize| left + (w - left - right) * i as f64 / (n - 1.0);
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let id = escape(id);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    for i in 0..=4 {
        let v = 25.0 * f64::from(i);
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#b1b4b6" stroke-width="1"/><text x="{}" y="{:.1}" text-anchor="end" font-size="12" fill="#0b0c0c">{v:.0}%</text>"##,
            w - right,
            left - 6.0,
            yy + 4.0
        );
    }
    // One polyline per run of months with figures.
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    for (i, p) in points.iter().enumerate() {
        match p.1 {
            Some(v) => runs.last_mut().into_iter().for_each(|r| r.push(format!("{:.1},{:.1}", x(i), y(v)))),
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.iter().filter(|r| r.len() > 1) {
        let _ = write!(s, r##"<polyline fill="none" stroke="#1d70b8" stroke-width="3" points="{}"/>"##, run.join(" "));
    }
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.1 {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#1d70b8"><title>{}: {v:.1}%</title></circle>"##,
                x(i),
                y(v),
                escape(&p.0.long_name())
            );
        }
        if i % 2 == 0 || points.len() <= 6 {
            let label = p.0.long_name();
            let short = format!("{} {}", label.get(..3).unwrap_or_default(), p.0.year() % 100);
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="12" fill="#0b0c0c">{}</text>"##,
                x(i),
                h - bottom + 18.0,
                escape(&short)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Shades of one blue for a heat map's four bands above zero, lightest
/// first, each with a text colour that contrasts with it (4.5:1 or more).
const HEAT: [(&str, &str); 4] =
    [("#d2e2f1", "#0b0c0c"), ("#8eb8dc", "#0b0c0c"), ("#1d70b8", "#ffffff"), ("#003078", "#ffffff")];
/// A zero cell, and one with no figure (written "–").
const HEAT_ZERO: (&str, &str) = ("#f3f2f1", "#0b0c0c");
const HEAT_NONE: (&str, &str) = ("#ffffff", "#0b0c0c");

/// A heat-map value in units of its last decimal written (2.35 at two
/// decimals is 235), so bands are decided on exactly what the cell shows.
fn heat_units(v: f64, places: usize) -> i64 {
    (v * 10f64.powi(places as i32)).round() as i64
}

/// The top of each band above zero, in units: band `k` (1–4) holds the
/// values over `tops[k - 1]` up to `tops[k]`, quarters of the largest value.
fn heat_tops(max_units: i64) -> [i64; 5] {
    [0, max_units / 4, max_units * 2 / 4, max_units * 3 / 4, max_units]
}

/// The band of a value in units: 0 for zero, else 1–4.
fn heat_band(units: i64, tops: &[i64; 5]) -> usize {
    if units <= 0 { 0 } else { (1..=4).find(|&k| units <= tops[k]).unwrap_or(4) }
}

/// A week as a grid of 7 days (rows, Monday first) by 24 hours (columns),
/// each cell shaded by its value and also showing it as a number, so colour
/// is never the only cue; `None` cells show "–". `cells` holds the 168 hours
/// of the week, Monday 00:00 first; `places` is the decimals written. The
/// legend names each shade's range. `id` keeps title and description ids
/// unique when a page has several.
pub fn heat_map(id: &str, title: &str, desc: &str, days: &[&str; 7], cells: &[Option<f64>], places: usize) -> String {
    let (left, top, cw, ch) = (92.0, 22.0, 30.0, 26.0);
    let (w, grid_bottom) = (left + 24.0 * cw + 8.0, top + 7.0 * ch);
    let h = grid_bottom + 58.0;
    let max = cells.iter().flatten().copied().fold(0.0_f64, f64::max);
    let tops = heat_tops(heat_units(max, places));
    let id = escape(id);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart heat-map" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    for hour in 0..24 {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="11" fill="#0b0c0c">{hour:02}</text>"##,
            left + cw * (f64::from(hour) + 0.5),
            top - 8.0
        );
    }
    for (d, day) in days.iter().enumerate() {
        let y = top + ch * d as f64;
        let _ = write!(
            s,
            r##"<text x="{}" y="{:.1}" text-anchor="end" font-size="12" fill="#0b0c0c">{}</text>"##,
            left - 6.0,
            y + ch / 2.0 + 4.0,
            escape(day)
        );
        for hour in 0..24 {
            let value = cells.get(d * 24 + hour).copied().flatten();
            let ((fill, ink), text) = match value {
                None => (HEAT_NONE, "–".to_string()),
                Some(v) => {
                    let band = heat_band(heat_units(v, places), &tops);
                    let shade = if band == 0 { HEAT_ZERO } else { HEAT[band - 1] };
                    (shade, format!("{v:.places$}"))
                }
            };
            let x = left + cw * hour as f64;
            let _ = write!(
                s,
                r##"<g><title>{} {hour:02}:00 to {hour:02}:59: {text}</title><rect x="{x:.1}" y="{y:.1}" width="{cw}" height="{ch}" fill="{fill}" stroke="#ffffff" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{}" fill="{ink}">{text}</text></g>"##,
                escape(day),
                x + cw / 2.0,
                y + ch / 2.0 + 4.0,
                if text.len() > 3 { 9 } else { 11 },
            );
        }
    }
    // The legend: each shade with the range of values it stands for.
    let mut bands: Vec<((&str, &str), String)> =
        vec![(HEAT_ZERO, format!("{:.places$}", 0.0)), (HEAT_NONE, "– no figure".into())];
    // Each band from the smallest value it can hold to its top, as written.
    let scale = 10f64.powi(places as i32);
    let written = |units: i64| format!("{:.places$}", units as f64 / scale);
    for (k, shade) in HEAT.iter().enumerate().rev() {
        let (lo, hi) = (tops[k] + 1, tops[k + 1]);
        if lo > hi {
            continue;
        }
        let label = if lo == hi { written(hi) } else { format!("{} to {}", written(lo), written(hi)) };
        bands.insert(1, (*shade, label));
    }
    let ly = grid_bottom + 18.0;
    let _ = write!(s, r##"<text x="{}" y="{ly}" font-size="12" fill="#0b0c0c">Key:</text>"##, left - 6.0 - 30.0);
    let slot = (w - left) / bands.len() as f64;
    for (k, ((fill, _), label)) in bands.iter().enumerate() {
        let x = left + slot * k as f64;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{}" width="16" height="16" fill="{fill}" stroke="#505a5f" stroke-width="1"/><text x="{:.1}" y="{ly}" font-size="11" fill="#0b0c0c">{}</text>"##,
            ly - 12.0,
            x + 20.0,
            escape(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A horizontal bar chart of counts, one bar per label in the order given.
/// Long labels are shortened (the table beside the chart has them whole,
/// and each bar's tooltip names it in full). `id` keeps the title and
/// description ids unique when a page has several charts.
pub fn bar_chart(id: &str, title: &str, desc: &str, bars: &[(&str, u64)]) -> String {
    const LABEL_CHARS: usize = 34;
    let (w, bar, gap, label_w, value_w) = (640.0, 20.0, 6.0, 260.0, 60.0);
    let h = (bar + gap) * bars.len() as f64 + gap;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let id = escape(id);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = gap + i as f64 * (bar + gap);
        let len = (w - label_w - value_w) * *n as f64 / max;
        let short: String = if label.chars().count() > LABEL_CHARS {
            format!("{}…", label.chars().take(LABEL_CHARS - 1).collect::<String>().trim_end())
        } else {
            label.to_string()
        };
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="13" fill="#0b0c0c">{}</text><rect x="{label_w}" y="{y:.1}" width="{len:.1}" height="{bar}" fill="#1d70b8"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="13" fill="#0b0c0c">{}</text>"##,
            label_w - 8.0,
            y + bar * 0.72,
            escape(&short),
            escape(label),
            thousands(i64::try_from(*n).unwrap_or(i64::MAX)),
            label_w + len + 6.0,
            y + bar * 0.72,
            thousands(i64::try_from(*n).unwrap_or(i64::MAX))
        );
    }
    s.push_str("</svg>");
    s
}

/// One period on an [`interval_chart`]: the dot's tooltip, and (value, low,
/// high) when there is a figure.
pub struct IntervalPoint {
    pub text: String,
    pub value: Option<(f64, f64, f64)>,
}

/// One row of an [`interval_chart`]: its label and its two periods.
pub struct IntervalRow<'a> {
    pub label: &'a str,
    pub periods: [IntervalPoint; 2],
}

/// Percentages with their confidence intervals on a 0–100% scale: for each
/// row a label, then two periods (the first filled, the second hollow),
/// each a dot with a line across its interval, or no dot when there is no
/// figure. Each period carries its own text as the dot's tooltip.
pub fn interval_chart(title: &str, desc: &str, rows: &[IntervalRow<'_>]) -> String {
    let (w, left, right, top, row_h, axis) = (640.0, 24.0, 24.0, 8.0, 78.0, 36.0);
    let h = top + row_h * rows.len() as f64 + axis;
    let x = |v: f64| left + (w - left - right) * v.clamp(0.0, 100.0) / 100.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="ci-title ci-desc" xmlns="http://www.w3.org/2000/svg"><title id="ci-title">{}</title><desc id="ci-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    let bottom = h - axis;
    for i in 0..=5 {
        let v = f64::from(i) * 20.0;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{bottom}" stroke="#b1b4b6" stroke-width="1"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#0b0c0c">{v:.0}%</text>"##,
            bottom + 18.0,
            x = x(v)
        );
    }
    for (i, IntervalRow { label, periods }) in rows.iter().enumerate() {
        let y0 = top + row_h * i as f64;
        let _ = write!(
            s,
            r##"<text x="{left}" y="{:.1}" font-size="13" font-weight="bold" fill="#0b0c0c">{}</text>"##,
            y0 + 16.0,
            escape(label)
        );
        for (j, IntervalPoint { text, value: point }) in periods.iter().enumerate() {
            let y = y0 + 36.0 + 22.0 * j as f64;
            let (colour, fill) = if j == 0 { ("#1d70b8", "#1d70b8") } else { ("#505a5f", "#ffffff") };
            match point {
                Some((p, a, b)) => {
                    let _ = write!(
                        s,
                        r##"<g><title>{}</title><line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="3"/><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2"/><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2"/><circle cx="{:.1}" cy="{y:.1}" r="6" fill="{fill}" stroke="{colour}" stroke-width="2"/></g>"##,
                        escape(text),
                        x(*a),
                        x(*b),
                        x(*a),
                        x(*a),
                        y - 6.0,
                        y + 6.0,
                        x(*b),
                        x(*b),
                        y - 6.0,
                        y + 6.0,
                        x(*p)
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        r##"<text x="{left}" y="{:.1}" font-size="11" fill="#505a5f">{}</text>"##,
                        y + 4.0,
                        escape(text)
                    );
                }
            }
        }
    }
    s.push_str("</svg>");
    s
}

fn nice_ceiling(v: f64) -> f64 {
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// Colours for the map's categories (distinguishable, and each also named in
/// the legend, so colour is never the only cue).
fn colour(c: CrimeCategory) -> &'static str {
    use CrimeCategory::*;
    match c {
        AntiSocialBehaviour => "#f47738",
        ViolentCrime => "#d4351c",
        OtherTheft | TheftFromThePerson | Shoplifting | BicycleTheft => "#1d70b8",
        Burglary | Robbery => "#4c2c92",
        VehicleCrime => "#00703c",
        CriminalDamageArson => "#b58840",
        Drugs | PossessionOfWeapons => "#912b88",
        PublicOrder | OtherCrime => "#505a5f",
    }
}

fn legend_group(c: CrimeCategory) -> &'static str {
    use CrimeCategory::*;
    match c {
        AntiSocialBehaviour => "Anti-social behaviour",
        ViolentCrime => "Violence and sexual offences",
        OtherTheft | TheftFromThePerson | Shoplifting | BicycleTheft => "Theft and shoplifting",
        Burglary | Robbery => "Burglary and robbery",
        VehicleCrime => "Vehicle crime",
        CriminalDamageArson => "Criminal damage and arson",
        Drugs | PossessionOfWeapons => "Drugs and weapons",
        PublicOrder | OtherCrime => "Public order and other crime",
    }
}

/// A map of an area's boundary and the month's crimes, one circle per
/// published point sized by how many crimes it holds.
pub fn area_map(label: &str, boundary: Option<&Area>, crimes: &[(LatLng, CrimeCategory)]) -> String {
    let (w, h, pad) = (640.0, 480.0, 12.0);
    let mut pts: Vec<LatLng> = boundary.map(|a| a.outline().copied().collect()).unwrap_or_default();
    pts.extend(crimes.iter().map(|c| c.0));
    let Some(b) = BBox::of_points(&pts) else {
        return String::new();
    };
    let k = b.centre().lat.to_radians().cos();
    let (dx, dy) = (((b.max_lng - b.min_lng) * k).max(1e-6), (b.max_lat - b.min_lat).max(1e-6));
    let scale = ((w - 2.0 * pad) / dx).min((h - 2.0 * pad) / dy);
    let ox = pad + ((w - 2.0 * pad) - dx * scale) / 2.0;
    let oy = pad + ((h - 2.0 * pad) - dy * scale) / 2.0;
    let px = |p: &LatLng| (ox + (p.lng - b.min_lng) * k * scale, oy + (b.max_lat - p.lat) * scale);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="map" viewBox="0 0 {w} {h}" role="img" aria-labelledby="map-title map-desc" xmlns="http://www.w3.org/2000/svg"><title id="map-title">{}</title><desc id="map-desc">{}</desc><rect width="{w}" height="{h}" fill="#f3f2f1"/>"##,
        escape(label),
        if crimes.is_empty() {
            "Map of the area's boundary. No crime locations are drawn on it."
        } else {
            "Map of the area's boundary with a circle at each published crime location, larger where more crimes were recorded; colours show the kind of crime as in the key. The same crimes are listed by category and street in the tables on this page."
        }
    );
    if let Some(area) = boundary {
        for poly in &area.polygons {
            let ring: Vec<String> = poly
                .outer
                .iter()
                .map(|p| {
                    let (x, y) = px(p);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let _ = write!(
                s,
                r##"<polygon points="{}" fill="#ffffff" stroke="#0b0c0c" stroke-width="2"/>"##,
                ring.join(" ")
            );
        }
    }
    /// Crimes at one published point, by legend group.
    type AtPoint = (LatLng, BTreeMap<&'static str, (CrimeCategory, usize)>);
    let mut at_point: BTreeMap<(i64, i64), AtPoint> = BTreeMap::new();
    for (p, c) in crimes {
        let key = ((p.lat * 1e6) as i64, (p.lng * 1e6) as i64);
        let entry = at_point.entry(key).or_insert((*p, BTreeMap::new()));
        entry.1.entry(legend_group(*c)).or_insert((*c, 0)).1 += 1;
    }
    for (p, groups) in at_point.values() {
        let (x, y) = px(p);
        let total: usize = groups.values().map(|g| g.1).sum();
        let (main, _) = groups.values().max_by_key(|g| g.1).copied().unwrap_or((CrimeCategory::OtherCrime, 0));
        let r = 3.0 + (total as f64).sqrt() * 1.8;
        let _ = write!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{}" fill-opacity="0.75" stroke="#0b0c0c" stroke-width="0.5"><title>{} {}</title></circle>"##,
            colour(main),
            total,
            if total == 1 { "crime" } else { "crimes" }
        );
    }
    s.push_str("</svg>");
    s
}

/// The key for [`area_map`]: (colour, label) pairs for the groups shown.
pub fn map_legend(crimes: &[(LatLng, CrimeCategory)]) -> Vec<(&'static str, &'static str)> {
    let mut seen: Vec<(&'static str, &'static str)> = Vec::new();
    for c in CrimeCategory::ALL {
        if crimes.iter().any(|x| x.1 == c) {
            let item = (colour(c), legend_group(c));
            if !seen.contains(&item) {
                seen.push(item);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_labelled_and_escaped() {
        let m: Month = "2025-01".parse().unwrap();
        let svg = trend_chart("Crime in <Bank>", &[(m, 10), (m.plus(1), 1234)]);
        assert!(svg.contains("<title id=\"chart-title\">Crime in &lt;Bank&gt;</title>"));
        assert!(svg.contains("1,234"));
        assert!(!svg.contains("<Bank>"));
    }

    #[test]
    fn maps_points_and_boundary() {
        let a =
            Area { polygons: vec![peel_core::Polygon::parse_police_uk("51.5,-0.1:51.5,-0.09:51.51,-0.09").unwrap()] };
        let crimes = [(LatLng { lat: 51.505, lng: -0.095 }, CrimeCategory::Burglary); 3];
        let svg = area_map("Bank", Some(&a), &crimes);
        assert!(svg.contains("<polygon"));
        assert_eq!(svg.matches("<circle").count(), 1, "three crimes at one point make one circle");
        assert!(svg.contains("3 crimes"));
        assert_eq!(map_legend(&crimes), vec![("#4c2c92", "Burglary and robbery")]);
        assert_eq!(nice_ceiling(730.0), 1000.0);
    }

    #[test]
    fn percent_charts_have_unique_ids_and_gaps() {
        let m: Month = "2025-01".parse().unwrap();
        let svg = percent_chart(
            "c1",
            "Answered <fast>",
            "Desc",
            &[(m, Some(90.0)), (m.plus(1), None), (m.plus(2), Some(80.5))],
        );
        assert!(svg.contains("aria-labelledby=\"c1-title c1-desc\""));
        assert!(svg.contains("&lt;fast&gt;"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches("<polyline").count(), 0, "single points are not joined across a gap");
        assert!(svg.contains("80.5%"));
    }

    #[test]
    fn bar_charts_name_every_bar() {
        let long = "Black/African/Caribbean/Black British - Any other Black background";
        let svg = bar_chart("b1", "Stops <by> reason", "Desc", &[("Drugs", 1200), (long, 3), ("None", 0)]);
        assert!(svg.contains("aria-labelledby=\"b1-title b1-desc\""));
        assert!(svg.contains("&lt;by&gt;") && svg.contains("1,200"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(&format!("<title>{long}: 3</title>")), "the tooltip names it whole");
        assert!(svg.contains("Black/African/Caribbean/Black Bri…<"), "the label is shortened");
    }

    #[test]
    fn heat_maps_show_every_value_and_name_their_shades() {
        let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        let mut cells = vec![Some(0.0); 168];
        cells[0] = Some(8.0);
        cells[1] = Some(2.0);
        cells[167] = None;
        let svg = heat_map("d", "Incidents <by hour>", "Desc", &days, &cells, 0);
        assert!(svg.contains("aria-labelledby=\"d-title d-desc\""));
        assert!(svg.contains("&lt;by hour&gt;"));
        assert_eq!(svg.matches("<rect").count(), 168 + 6, "a cell per hour and six legend swatches");
        assert!(svg.contains("Monday 00:00 to 00:59: 8</title>"));
        assert!(svg.contains("Sunday 23:00 to 23:59: –</title>"));
        // Quarters of 8: 1 to 2, 3 to 4, 5 to 6, 7 to 8.
        assert!(svg.contains(">1 to 2</text>") && svg.contains(">7 to 8</text>"), "{svg}");
        let tops = heat_tops(8);
        assert_eq!([0, 2, 3, 8].map(|u| heat_band(u, &tops)), [0, 1, 2, 4]);
        // Quarters of 6 leave a band of one value: 1, 2 to 3, 4, 5 to 6.
        assert_eq!(heat_tops(6), [0, 1, 3, 4, 6]);
        // Of 3, one band holds nothing and is left out of the key.
        let svg = heat_map("e", "T", "D", &days, &[Some(3.0), Some(1.0)], 0);
        assert_eq!(svg.matches("<rect").count(), 168 + 5);
        // At two decimals the bands are of hundredths: 0.39 is 39.
        assert_eq!(heat_tops(heat_units(0.39, 2)), [0, 9, 19, 29, 39]);
        let svg = heat_map("f", "T", "D", &days, &[Some(0.39), Some(0.2)], 2);
        assert!(svg.contains(">0.30 to 0.39</text>") && svg.contains(">0.01 to 0.09</text>"), "{svg}");
        assert!(svg.contains("Monday 00:00 to 00:59: 0.39</title>"));
    }
}
