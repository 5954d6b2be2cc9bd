//! "Same person" and "same address": how peel decides that two reports are
//! about the same victim, so repeat victims are found however a call handler
//! typed the details.
//!
//! The rule (also in `docs/asb.md`):
//! - names are compared lower-case, with punctuation removed, runs of spaces
//!   made one, and a leading title (mr, mrs, ms, miss, mx, dr) dropped;
//! - postcodes are compared upper-case without spaces, written `LU1 1AA`;
//! - phone numbers are compared as their digits, with a leading `+44` or
//!   `0044` read as `0`, and only when at least 10 digits remain;
//! - email addresses are compared lower-case;
//! - addresses are compared only with a postcode: the address text lower-case,
//!   punctuation removed, the postcode taken out, common abbreviations
//!   written in full (st → street, rd → road, ave → avenue, ln → lane,
//!   cl → close, dr → drive, ct → court, apt → flat), plus the postcode.
//!
//! Two people are the **same person** when their names match and so does at
//! least one of postcode, phone number or email address: a name alone is
//! too common to join records on. Two records are at the **same address**
//! when their address keys match.

/// The comparable form of a person's details (each empty when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub name_key: String,
    pub postcode: String,
    pub phone_key: String,
    pub email_key: String,
    pub address_key: String,
}

impl Identity {
    pub fn new(name: &str, postcode: &str, phone: &str, email: &str, address: &str) -> Identity {
        let postcode = normalise_postcode(postcode).unwrap_or_default();
        Identity {
            name_key: name_key(name),
            phone_key: phone_key(phone),
            email_key: email.trim().to_lowercase(),
            address_key: address_key(address, &postcode),
            postcode,
        }
    }

    pub fn same_person(&self, other: &Identity) -> bool {
        let eq = |a: &str, b: &str| !a.is_empty() && a == b;
        eq(&self.name_key, &other.name_key)
            && (eq(&self.postcode, &other.postcode)
                || eq(&self.phone_key, &other.phone_key)
                || eq(&self.email_key, &other.email_key))
    }

    pub fn same_address(&self, other: &Identity) -> bool {
        !self.address_key.is_empty() && self.address_key == other.address_key
    }
}

/// Lower-case words of letters and digits, single-spaced.
fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

pub fn name_key(name: &str) -> String {
    let mut w = words(name);
    if w.len() > 1 && matches!(w[0].as_str(), "mr" | "mrs" | "ms" | "miss" | "mx" | "dr") {
        w.remove(0);
    }
    w.join(" ")
}

pub fn phone_key(phone: &str) -> String {
    let t = phone.trim();
    let mut digits: String = t.chars().filter(char::is_ascii_digit).collect();
    if t.starts_with("+44") {
        digits = format!("0{}", &digits[2..]);
    } else if let Some(rest) = digits.strip_prefix("0044") {
        digits = format!("0{rest}");
    }
    if digits.len() >= 10 { digits } else { String::new() }
}

/// A UK postcode in its usual form (`LU1 1AA`, `SW1A 2AA`), or `None` if
/// `s` is not shaped like one.
pub fn normalise_postcode(s: &str) -> Option<String> {
    let p: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if !(5..=7).contains(&p.len()) || !p.is_ascii() {
        return None;
    }
    let (outward, inward) = p.split_at(p.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let o = outward.as_bytes();
    let outward_ok = o[0].is_ascii_alphabetic()
        && o.iter().all(u8::is_ascii_alphanumeric)
        && o.iter().any(u8::is_ascii_digit)
        && (o.len() < 2 || o[1].is_ascii_alphanumeric());
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

pub fn address_key(address: &str, postcode: &str) -> String {
    let Some(pc) = normalise_postcode(postcode) else { return String::new() };
    let pc_words = words(&pc);
    let mut w = words(address);
    // Take the postcode out of the text if it was typed there too.
    if let Some(i) = w.windows(2).position(|p| p == pc_words.as_slice()) {
        w.drain(i..i + 2);
    }
    let compact = pc.replace(' ', "").to_lowercase();
    w.retain(|x| *x != compact);
    let w: Vec<&str> = w
        .iter()
        .map(|x| match x.as_str() {
            "st" => "street",
            "rd" => "road",
            "ave" | "av" => "avenue",
            "ln" => "lane",
            "cl" => "close",
            "dr" => "drive",
            "ct" => "court",
            "apt" | "apartment" => "flat",
            other => other,
        })
        .collect();
    if w.is_empty() {
        return String::new();
    }
    format!("{pc}|{}", w.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes() {
        assert_eq!(normalise_postcode(" lu1 1aa ").as_deref(), Some("LU1 1AA"));
        assert_eq!(normalise_postcode("sw1a2aa").as_deref(), Some("SW1A 2AA"));
        assert_eq!(normalise_postcode("M1 1AE").as_deref(), Some("M1 1AE"));
        assert_eq!(normalise_postcode("EC1A 1BB").as_deref(), Some("EC1A 1BB"));
        for bad in ["", "LU1", "1U1 1AA", "LU1 AAA", "LU1 1A1", "LUTON 1AA", "ABC 1AA", "LU1 1ÄA"] {
            assert_eq!(normalise_postcode(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_ignore_case_spacing_punctuation_and_titles() {
        assert_eq!(name_key("  Mrs  Jane   O'Brien "), "jane o brien");
        assert_eq!(name_key("JANE O BRIEN"), "jane o brien");
        assert_eq!(name_key("Dr"), "dr", "a title alone is kept as the name");
    }

    #[test]
    fn phones() {
        assert_eq!(phone_key("+44 7700 900123"), "07700900123");
        assert_eq!(phone_key("0044 7700 900123"), "07700900123");
        assert_eq!(phone_key("07700-900-123"), "07700900123");
        assert_eq!(phone_key("999"), "", "too short to identify anyone");
    }

    #[test]
    fn addresses_need_a_postcode_and_ignore_spelling() {
        let a = address_key("12 High St., Luton", "lu1 1aa");
        assert_eq!(a, "LU1 1AA|12 high street luton");
        assert_eq!(address_key("12 HIGH STREET  LUTON LU1 1AA", "LU11AA"), a);
        assert_eq!(address_key("12 High Street, Luton, LU11AA", "LU1 1AA"), a);
        assert_eq!(address_key("12 High Street", ""), "");
        assert_eq!(address_key("", "LU1 1AA"), "");
        assert_ne!(address_key("14 High Street, Luton", "LU1 1AA"), a);
    }

    #[test]
    fn same_person_needs_the_name_and_one_more_thing() {
        let a = Identity::new("Jane Smith", "LU1 1AA", "", "", "");
        assert!(a.same_person(&Identity::new("MRS JANE SMITH", "lu11aa", "", "", "")));
        assert!(!a.same_person(&Identity::new("Jane Smith", "LU2 2BB", "", "", "")));
        assert!(!a.same_person(&Identity::new("Jane Smith", "", "", "", "")), "a name alone is not enough");
        let b = Identity::new("Jane Smith", "", "07700 900123", "", "");
        assert!(b.same_person(&Identity::new("jane smith", "", "+447700900123", "", "")));
        let c = Identity::new("Jane Smith", "", "", "Jane@Example.org", "");
        assert!(c.same_person(&Identity::new("Jane Smith", "", "", "jane@example.org ", "")));
        assert!(!Identity::default().same_person(&Identity::default()));
    }

    #[test]
    fn same_address() {
        let a = Identity::new("A", "LU1 1AA", "", "", "Flat 2, 10 Park Rd");
        let b = Identity::new("B", "LU1 1AA", "", "", "flat 2 10 park road");
        assert!(a.same_address(&b));
        assert!(!a.same_address(&Identity::new("A", "", "", "", "Flat 2, 10 Park Rd")));
    }
}
