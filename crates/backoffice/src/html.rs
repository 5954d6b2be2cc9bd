//! Plain, accessible HTML for the back office: one layout, escaped text,
//! error summaries that link to their fields. No scripts and no inline
//! styles, so the strict Content-Security-Policy holds.

use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::auth::Authed;
use peel_core::access::Permission;
use peel_usecases::accounts::AccountError;

/// Escapes text for use in HTML content and quoted attributes.
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

/// The back-office navigation for a signed-in person: only the links their
/// role may follow. Shared by every back-office page, whether written here
/// or by a template (`asb_base.html`), so the two never drift apart.
pub fn nav(a: &Authed) -> String {
    let role = a.user.role;
    let mut nav = String::from("<nav aria-label=\"Back office\"><ul class=\"nav\">");
    nav.push_str("<li><a href=\"/backoffice\">Home</a></li>");
    if role.has(Permission::ManageOrganisations) {
        nav.push_str("<li><a href=\"/admin/organisations\">Organisations</a></li>");
    }
    if role.has(Permission::ManageUsers) {
        nav.push_str("<li><a href=\"/admin/users\">Users</a></li>");
    }
    if role.has(Permission::SetPledgeStandards) {
        nav.push_str("<li><a href=\"/admin/pledge-standards\">Pledge standards</a></li>");
    }
    if role.has(Permission::ReadAuditLog) {
        nav.push_str("<li><a href=\"/audit\">Audit log</a></li>");
    }
    if role.has(Permission::RecordReport) {
        nav.push_str("<li><a href=\"/asb/reports/new\">Record an ASB report</a></li>");
    }
    if role.has(Permission::ViewCases) {
        nav.push_str("<li><a href=\"/asb/reports\">ASB reports</a></li>");
        nav.push_str("<li><a href=\"/asb/cases\">ASB cases</a></li>");
        nav.push_str("<li><a href=\"/asb/due\">Due and overdue</a></li>");
    }
    if role.has(Permission::SuperviseCases) {
        nav.push_str("<li><a href=\"/asb/reviews\">Reviews due</a></li>");
    }
    if role.has(Permission::RunCaseReviews) {
        nav.push_str("<li><a href=\"/asb/case-reviews\">Case reviews</a></li>");
    }
    if role.has(Permission::ManageAsbRules) {
        nav.push_str("<li><a href=\"/asb/rules\">ASB rule set</a></li>");
    }
    nav.push_str("</ul></nav>");
    nav
}

/// "Signed in as …" and the sign-out button, under the header.
pub fn signed_in(a: &Authed) -> String {
    format!(
        "<div class=\"signed-in\"><p class=\"hint\">Signed in as {} ({}, {})</p>{}</div>",
        esc(&a.user.display_name),
        esc(a.user.role.label()),
        esc(&a.user.organisation_name),
        post_button("/logout", a.csrf(), "Sign out")
    )
}

/// A whole page, in the same look as the public pages. `who` is the
/// signed-in person, if any (for the navigation and the sign-out button).
pub fn page(title: &str, who: Option<&Authed>, body: &str) -> String {
    let (nav, signed_in) = who.map(|a| (nav(a), signed_in(a))).unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – peel back office</title>\n<link rel=\"stylesheet\" href=\"/assets/peel.css\">\n</head>\n<body>\n\
         <a href=\"#main\" class=\"skip-link\">Skip to main content</a>\n\
         <header class=\"header\" role=\"banner\">\n<div class=\"width-container header-inner\">\n\
         <a href=\"/backoffice\" class=\"service-name\">peel <span>back office</span></a>\n{nav}\n</div>\n</header>\n\
         <div class=\"width-container\">\n{signed_in}\n<main id=\"main\" role=\"main\" tabindex=\"-1\">\n<h1>{title}</h1>\n{body}\n</main>\n</div>\n</body>\n</html>\n",
        title = esc(title),
    )
}

/// A table that scrolls on its own when wider than the screen, rather than
/// the page sideways (WCAG 1.4.10). It takes focus so a keyboard can scroll
/// it. `inner` is everything inside `<table>`, caption first.
pub fn table(label: &str, inner: &str) -> String {
    format!(
        "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\"><table class=\"table\">{inner}</table></div>",
        esc(label)
    )
}

/// A form with one button that POSTs to `action` with the CSRF token.
pub fn post_button(action: &str, csrf: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
         <button type=\"submit\">{}</button></form>",
        esc(action),
        esc(csrf),
        esc(label)
    )
}

pub fn csrf_field(csrf: &str) -> String {
    format!("<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">", esc(csrf))
}

/// A form error: the field's id and what to do.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The summary at the top of a form with problems.
pub fn error_summary(errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<div role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\">\
         <h2 id=\"error-summary-title\">There is a problem</h2><ul>",
    );
    for e in errors {
        let _ = write!(s, "<li><a href=\"#{}\">{}</a></li>", esc(&e.field), esc(&e.message));
    }
    s.push_str("</ul></div>");
    s
}

/// A labelled input, with its error message when it has one.
pub fn input(id: &str, label: &str, kind: &str, value: &str, autocomplete: &str, errors: &[FieldError]) -> String {
    let err = errors.iter().find(|e| e.field == id);
    let (described, invalid, msg) = match err {
        Some(e) => (
            format!(" aria-describedby=\"{id}-error\""),
            " aria-invalid=\"true\"",
            format!("<p id=\"{id}-error\"><strong>Error:</strong> {}</p>", esc(&e.message)),
        ),
        None => (String::new(), "", String::new()),
    };
    format!(
        "<div><label for=\"{id}\">{label}</label>{msg}<input id=\"{id}\" name=\"{id}\" type=\"{kind}\" \
         value=\"{value}\" autocomplete=\"{autocomplete}\"{described}{invalid}></div>",
        id = esc(id),
        label = esc(label),
        kind = esc(kind),
        value = esc(value),
        autocomplete = esc(autocomplete),
    )
}

/// A labelled select; `options` are (value, label).
pub fn select(id: &str, label: &str, options: &[(String, String)], selected: &str, errors: &[FieldError]) -> String {
    let err = errors.iter().find(|e| e.field == id);
    let msg = err
        .map(|e| format!("<p id=\"{}-error\"><strong>Error:</strong> {}</p>", esc(id), esc(&e.message)))
        .unwrap_or_default();
    let mut s =
        format!("<div><label for=\"{0}\">{1}</label>{msg}<select id=\"{0}\" name=\"{0}\">", esc(id), esc(label));
    for (v, l) in options {
        let sel = if v == selected { " selected" } else { "" };
        let _ = write!(s, "<option value=\"{}\"{sel}>{}</option>", esc(v), esc(l));
    }
    s.push_str("</select></div>");
    s
}

/// A group of labelled checkboxes sharing the name `name`; `options` are
/// (value, label) and `checked` the values ticked.
pub fn checkboxes(
    name: &str,
    legend: &str,
    hint: &str,
    options: &[(String, String)],
    checked: &[String],
    errors: &[FieldError],
) -> String {
    let err = errors.iter().find(|e| e.field == name);
    let msg = err
        .map(|e| format!("<p id=\"{}-error\"><strong>Error:</strong> {}</p>", esc(name), esc(&e.message)))
        .unwrap_or_default();
    let mut s = format!(
        "<fieldset id=\"{n}\"><legend>{}</legend><p class=\"hint\">{}</p>{msg}",
        esc(legend),
        esc(hint),
        n = esc(name)
    );
    for (i, (v, l)) in options.iter().enumerate() {
        let tick = if checked.contains(v) { " checked" } else { "" };
        let _ = write!(
            s,
            "<div><input type=\"checkbox\" id=\"{n}-{i}\" name=\"{n}\" value=\"{}\"{tick}>\
             <label for=\"{n}-{i}\">{}</label></div>",
            esc(v),
            esc(l),
            n = esc(name)
        );
    }
    s.push_str("</fieldset>");
    s
}

/// A complete HTML answer with a status.
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
        other => crate::WebError::Internal(other.to_string()).into(),
    }
}

pub fn respond(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

/// A page saying what went wrong, with a status.
pub fn message_page(status: StatusCode, title: &str, who: Option<&Authed>, text: &str) -> Response {
    respond(status, page(title, who, &format!("<p>{}</p>", esc(text))))
}

/// Errors from page handlers become HTML pages, not JSON.
pub struct PageError(pub crate::WebError);

impl<E: Into<crate::WebError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        use crate::WebError;
        use peel_store::StoreError;
        match self.0 {
            WebError::NotFound(m) | WebError::Store(StoreError::NotFound(m)) => {
                message_page(StatusCode::NOT_FOUND, "Not found", None, &format!("{m} was not found."))
            }
            WebError::BadRequest(m) => message_page(StatusCode::BAD_REQUEST, "There is a problem", None, &m),
            WebError::Store(StoreError::Refused(r)) => {
                message_page(StatusCode::FORBIDDEN, "You do not have permission to do this", None, &r.0)
            }
            WebError::Store(StoreError::Invalid(m)) | WebError::Unprocessable(m) => {
                message_page(StatusCode::UNPROCESSABLE_ENTITY, "There is a problem", None, &m)
            }
            e => {
                tracing::error!(error = %e, "back-office page failed");
                message_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with the service",
                    None,
                    "Something went wrong on our side and it has been logged. Try again later.",
                )
            }
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
    fn inputs_link_errors() {
        let errs = vec![FieldError { field: "email".into(), message: "Enter <email>".into() }];
        let html = input("email", "Email address", "email", "a\"b", "username", &errs);
        assert!(html.contains("aria-describedby=\"email-error\""));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("Enter &lt;email&gt;"));
        assert!(html.contains("value=\"a&quot;b\""));
        assert!(error_summary(&errs).contains("href=\"#email\""));
        assert_eq!(error_summary(&[]), "");
    }
}
