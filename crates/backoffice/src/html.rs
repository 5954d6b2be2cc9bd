//! What back-office pages share besides their layout: form errors (shown
//! by the macros in `templates/form.html`, linked to their fields), and
//! failures as HTML pages. No scripts and no inline styles anywhere, so the
//! strict Content-Security-Policy holds.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use peel_usecases::accounts::AccountError;

/// Escapes text as the back office always has (`&quot;`, `&#39;`), for the
/// rule-set document, which people copy from the page and compare with
/// what `peel asb rules show` prints; askama writes `&#34;` for a quote.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The message for field `id` among `errors`, if it has one (for the
/// form macros in `templates/form.html`).
pub fn error_for<'a>(errors: &'a [FieldError], id: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.field == id).map(|e| e.message.as_str())
}

/// Whether an option's value is the one chosen.
pub fn same(value: &str, chosen: &str) -> bool {
    value == chosen
}

/// A form error: the field's id and what to do.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A refused account action as the form's error list; a failure of the
/// store or of the OS's randomness as the page it is.
pub fn field_errors(e: AccountError) -> Result<Vec<FieldError>, PageError> {
    match e {
        AccountError::Invalid { field, message } => Ok(vec![FieldError { field: field.into(), message }]),
        other => Err(failure(other)),
    }
}

/// An account action that failed for a reason no form field explains.
pub fn failure(e: AccountError) -> PageError {
    match e {
        AccountError::Store(s) => s.into(),
        other => crate::JsonError::Internal(other.to_string()).into(),
    }
}

/// A complete HTML answer with a status.
pub fn respond(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

/// Why a back-office page could not be shown, drawn in the back office's skin.
pub type PageError = peel_http::PageError<BackofficeSkin>;

/// The back office's skin for failures: its one layout, without the
/// navigation (the failure may be that the person is not signed in).
pub struct BackofficeSkin;

impl peel_http::Skin for BackofficeSkin {
    fn page(status: StatusCode, message: &str) -> Response {
        use crate::layout::message_page;
        match status {
            StatusCode::NOT_FOUND => message_page(status, "Not found", None, &format!("{message} was not found.")),
            StatusCode::FORBIDDEN => message_page(status, "You do not have permission to do this", None, message),
            s if s.is_server_error() => message_page(
                status,
                "Sorry, there is a problem with the service",
                None,
                "Something went wrong on our side and it has been logged. Try again later.",
            ),
            _ => message_page(status, "There is a problem", None, message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn finds_a_fields_error() {
        let errs = vec![FieldError { field: "email".into(), message: "Enter <email>".into() }];
        assert_eq!(error_for(&errs, "email"), Some("Enter <email>"));
        assert_eq!(error_for(&errs, "password"), None);
    }
}
