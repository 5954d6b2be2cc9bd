//! How the portal writes numbers, dates and text for people.

/// 12345 → "12,345".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One decimal place, as rates are shown.
pub fn one_decimal(x: f64) -> String {
    format!("{x:.1}")
}

/// police.uk descriptions and priorities carry HTML; the portal shows their
/// text only, so imported markup can never run in a visitor's browser.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out.replace("&amp;", "&").replace("&nbsp;", " ").replace("&#39;", "'").replace("&quot;", "\"");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "2025-11-18T00:00:00" → "18 November 2025"; other text is returned as it is.
pub fn long_date(s: &str) -> String {
    let date = s.get(..10).unwrap_or(s);
    let parts: Vec<&str> = date.split('-').collect();
    if let [y, m, d] = parts[..]
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u16>(), m.parse::<u8>(), d.parse::<u8>())
        && let Some(month) = peel_core::Month::new(y, m)
    {
        let name = month.long_name();
        let month_name = name.split(' ').next().unwrap_or_default();
        return format!("{d} {month_name} {y}");
    }
    s.to_string()
}

/// "2026-12-09T18:30:00" → "18:30"; empty when there is no time.
pub fn time_of_day(s: &str) -> String {
    s.get(11..16).filter(|t| *t != "00:00").unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_and_dates() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-4500), "-4,500");
        assert_eq!(long_date("2025-11-18T00:00:00"), "18 November 2025");
        assert_eq!(long_date("soon"), "soon");
        assert_eq!(time_of_day("2026-12-09T18:30:00"), "18:30");
        assert_eq!(time_of_day("2026-12-09T00:00:00"), "");
    }

    #[test]
    fn strips_markup() {
        assert_eq!(strip_tags("<p>Cycle theft &amp; <script>x</script>damage</p>"), "Cycle theft & x damage");
        assert_eq!(strip_tags("<img src=x onerror=alert(1)>Hello"), "Hello");
    }
}
