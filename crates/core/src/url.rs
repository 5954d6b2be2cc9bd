//! Links peel stores and shows: `http`, `https`, `mailto` and `tel` only.
//!
//! A link typed into a procedure, a neighbourhood file or a report is later
//! put in an `href` on a page and handed to third-party clients in the
//! police.uk JSON. A `javascript:` or `data:` link there runs code in the
//! reader's browser, so [`SafeUrl`] cannot hold one: every stored link is a
//! `SafeUrl`, made only by [`SafeUrl::parse`] (also when read from JSON).

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest link accepted, in characters.
pub const MAX_URL: usize = 2000;

/// The schemes a link may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
    Mailto,
    Tel,
}

impl Scheme {
    const ALL: [Scheme; 4] = [Scheme::Http, Scheme::Https, Scheme::Mailto, Scheme::Tel];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Mailto => "mailto",
            Scheme::Tel => "tel",
        }
    }

    pub fn is_web(self) -> bool {
        matches!(self, Scheme::Http | Scheme::Https)
    }
}

/// Why a text is not a link peel will keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("is empty")]
    Empty,
    #[error("is longer than {MAX_URL} characters")]
    TooLong,
    #[error("contains a space or a control character (write a space as %20)")]
    Whitespace,
    #[error("is not a whole link: start it with https://, http://, mailto: or tel:")]
    NoScheme,
    #[error("is a {0}: link; only http, https, mailto and tel links are allowed")]
    Scheme(String),
    #[error("is not an http or https link; only those are allowed here")]
    NotWeb,
    #[error("has no host: write it like https://example.org/page")]
    NoHost,
    #[error("has a bad host {0:?}: use letters, digits, hyphens and dots, and an optional :port")]
    BadHost(String),
    #[error("has a user name or password before the host, which hides where it goes")]
    UserInfo,
    #[error("has no address after mailto:")]
    NoAddress,
    #[error("is not a telephone number after tel: (digits, with + - . ( ) allowed)")]
    BadTel,
}

/// A link that is `http`, `https`, `mailto` or `tel`, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SafeUrl(String);

impl SafeUrl {
    /// Checks `text` (trimmed) and keeps it as written.
    pub fn parse(text: &str) -> Result<SafeUrl, UrlError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(UrlError::Empty);
        }
        if t.chars().count() > MAX_URL {
            return Err(UrlError::TooLong);
        }
        // Browsers drop tabs and newlines inside a scheme ("java\tscript:"),
        // so no whitespace or control character is allowed anywhere.
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::Whitespace);
        }
        let (scheme, rest) = t.split_once(':').ok_or(UrlError::NoScheme)?;
        if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
            return Err(UrlError::NoScheme);
        }
        let scheme = Scheme::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(scheme))
            .ok_or_else(|| UrlError::Scheme(scheme.to_ascii_lowercase()))?;
        match scheme {
            Scheme::Http | Scheme::Https => check_web(rest)?,
            Scheme::Mailto => {
                let address = rest.split(['?', '#']).next().unwrap_or_default();
                if address.is_empty() {
                    return Err(UrlError::NoAddress);
                }
            }
            Scheme::Tel => {
                let number = rest.split(';').next().unwrap_or_default();
                let digits = number.chars().filter(char::is_ascii_digit).count();
                if digits == 0 || !number.chars().all(|c| c.is_ascii_digit() || "+-.()".contains(c)) {
                    return Err(UrlError::BadTel);
                }
            }
        }
        Ok(SafeUrl(t.to_string()))
    }

    /// [`SafeUrl::parse`], refusing `mailto` and `tel`: for links to a page
    /// or a file (a photo sent with a report).
    pub fn parse_web(text: &str) -> Result<SafeUrl, UrlError> {
        let url = SafeUrl::parse(text)?;
        if url.scheme().is_web() { Ok(url) } else { Err(UrlError::NotWeb) }
    }

    pub fn scheme(&self) -> Scheme {
        let name = self.0.split(':').next().unwrap_or_default();
        Scheme::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(name)).unwrap_or(Scheme::Https)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// After `http:` or `https:`: `//host[:port]` then anything (already free
/// of whitespace), with no user name or password before the host.
fn check_web(rest: &str) -> Result<(), UrlError> {
    let after = rest.strip_prefix("//").ok_or(UrlError::NoHost)?;
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: [::1]:8080
        Some(v6) => {
            let (inside, tail) = v6.split_once(']').ok_or_else(|| UrlError::BadHost(authority.to_string()))?;
            if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
                return Err(UrlError::BadHost(authority.to_string()));
            }
            (inside, tail.strip_prefix(':'))
        }
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    let host_ok = authority.starts_with('[')
        || host.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.')
            && !host.starts_with(['.', '-'])
            && !host.contains("..");
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    if host_ok && port_ok { Ok(()) } else { Err(UrlError::BadHost(authority.to_string())) }
}

impl Deref for SafeUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SafeUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SafeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SafeUrl {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<SafeUrl, UrlError> {
        SafeUrl::parse(s)
    }
}

impl Serialize for SafeUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SafeUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SafeUrl, D::Error> {
        let text = String::deserialize(d)?;
        SafeUrl::parse(&text).map_err(|e| serde::de::Error::custom(format!("the link {text:?} {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_web_mail_and_phone_links() {
        for ok in [
            "https://www.cityoflondon.police.uk/a/your-area/",
            "http://example.org",
            "HTTPS://Example.org:8443/a?b=c#d",
            "https://[2001:db8::1]:8080/x",
            "https://bücher.example/",
            "mailto:team@example.org",
            "mailto:team@example.org?subject=Hello%20there",
            "tel:101",
            "tel:+44-20-7601-2222",
            "  https://padded.example/  ",
        ] {
            let url = SafeUrl::parse(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
            assert_eq!(url.as_str(), ok.trim());
        }
        assert_eq!(SafeUrl::parse("tel:101").unwrap().scheme(), Scheme::Tel);
        assert_eq!(SafeUrl::parse("HTTP://a.example").unwrap().scheme(), Scheme::Http);
    }

    #[test]
    fn refuses_scripts_and_everything_else() {
        let refused = [
            ("javascript:alert('x')", UrlError::Scheme("javascript".into())),
            ("javascript:alert(1)", UrlError::Scheme("javascript".into())),
            ("JaVaScRiPt:alert(1)", UrlError::Scheme("javascript".into())),
            ("java\tscript:alert(1)", UrlError::Whitespace),
            ("java\u{0}script:alert(1)", UrlError::Whitespace),
            ("\u{0}javascript:alert(1)", UrlError::Whitespace),
            ("data:text/html;base64,PHNjcmlwdD4=", UrlError::Scheme("data".into())),
            ("vbscript:msgbox", UrlError::Scheme("vbscript".into())),
            ("file:///etc/passwd", UrlError::Scheme("file".into())),
            ("//evil.example/x", UrlError::NoScheme),
            ("/relative/path", UrlError::NoScheme),
            ("www.example.org", UrlError::NoScheme),
            ("", UrlError::Empty),
            ("   ", UrlError::Empty),
            ("https:javascript:alert(1)", UrlError::NoHost),
            ("https://", UrlError::NoHost),
            ("https:///x", UrlError::NoHost),
            ("https://exa mple.org", UrlError::Whitespace),
            ("https://police.uk@evil.example/", UrlError::UserInfo),
            ("https://a..example/", UrlError::BadHost("a..example".into())),
            ("https://host:port/", UrlError::BadHost("host:port".into())),
            ("https://<script>/", UrlError::BadHost("<script>".into())),
            ("mailto:", UrlError::NoAddress),
            ("tel:call-me", UrlError::BadTel),
            ("tel:", UrlError::BadTel),
        ];
        for (text, why) in refused {
            assert_eq!(SafeUrl::parse(text), Err(why), "{text:?}");
        }
        assert_eq!(SafeUrl::parse(&format!("https://example.org/{}", "a".repeat(MAX_URL))), Err(UrlError::TooLong));
    }

    #[test]
    fn web_links_only_where_a_page_or_file_is_meant() {
        assert!(SafeUrl::parse_web("https://photos.example/a.jpg").is_ok());
        assert_eq!(SafeUrl::parse_web("mailto:a@b.example"), Err(UrlError::NotWeb));
        assert_eq!(SafeUrl::parse_web("tel:999"), Err(UrlError::NotWeb));
    }

    #[test]
    fn json_cannot_smuggle_one_in() {
        let ok: SafeUrl = serde_json::from_str("\"https://example.org/\"").expect("a link");
        assert_eq!(serde_json::to_string(&ok).expect("json"), "\"https://example.org/\"");
        let e = serde_json::from_str::<SafeUrl>("\"javascript:alert(1)\"").expect_err("refused").to_string();
        assert!(e.contains("the link \"javascript:alert(1)\" is a javascript: link"), "{e}");
    }
}
