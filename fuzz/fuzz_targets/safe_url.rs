//! Links: what `SafeUrl` accepts is an http, https, mailto or tel link with
//! nothing a browser would read as another scheme.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peel_core::url::SafeUrl;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(url) = SafeUrl::parse(text) {
        let lower = url.to_ascii_lowercase();
        assert!(["http://", "https://", "mailto:", "tel:"].iter().any(|s| lower.starts_with(s)), "{url}");
        assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()), "{url:?}");
        assert_eq!(SafeUrl::parse(url.as_str()).as_ref(), Ok(&url), "parsing is idempotent");
        let json = serde_json::to_string(&url).expect("json");
        assert_eq!(serde_json::from_str::<SafeUrl>(&json).expect("read back"), url);
    }
});
