//! The one back-office layout (`templates/layout.html`): what every page's
//! header, navigation and "signed in" block need to know about the person
//! signed in. Every back-office page is an askama template extending the
//! layout, so the navigation lives in one place and offers only the links a
//! role may follow.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use peel_core::access::Permission;

use crate::auth::Authed;
use crate::html::{PageError, respond};

/// The signed-in person (if any) and what the pages may offer them.
pub struct Chrome {
    pub csrf: String,
    pub can_report: bool,
    pub can_view: bool,
    pub can_manage: bool,
    /// May start a Community Trigger application from a victim's reports.
    pub can_run_reviews: bool,
    /// Who is signed in, for the navigation and the sign-out button; none
    /// on the sign-in page and on error pages raised before anyone is known.
    pub who: Option<SignedIn>,
}

/// The "Signed in as …" block and the navigation it goes with.
pub struct SignedIn {
    pub name: String,
    pub role: &'static str,
    pub organisation: String,
    pub nav: Nav,
}

/// Which navigation links the person's role may follow.
pub struct Nav {
    pub organisations: bool,
    pub users: bool,
    pub pledge_standards: bool,
    pub inspection_grades: bool,
    pub audit: bool,
    pub record_report: bool,
    pub cases: bool,
    pub reviews: bool,
    pub case_reviews: bool,
    pub rules: bool,
}

impl Chrome {
    pub fn of(a: &Authed) -> Chrome {
        let role = a.user.role;
        Chrome {
            csrf: a.csrf().to_string(),
            can_report: a.may(Permission::RecordReport),
            can_view: a.may(Permission::ViewCases),
            can_manage: a.may(Permission::ManageCases),
            can_run_reviews: a.may(Permission::RunCaseReviews),
            who: Some(SignedIn {
                name: a.user.display_name.clone(),
                role: role.label(),
                organisation: a.user.organisation_name.clone(),
                nav: Nav {
                    organisations: role.has(Permission::ManageOrganisations),
                    users: role.has(Permission::ManageUsers),
                    pledge_standards: role.has(Permission::SetPledgeStandards),
                    inspection_grades: role.has(Permission::RecordInspectionGrades),
                    audit: role.has(Permission::ReadAuditLog),
                    record_report: role.has(Permission::RecordReport),
                    cases: role.has(Permission::ViewCases),
                    reviews: role.has(Permission::SuperviseCases),
                    case_reviews: role.has(Permission::RunCaseReviews),
                    rules: role.has(Permission::ManageAsbRules),
                },
            }),
        }
    }

    /// The layout for someone not (yet) known: no navigation, no sign-out.
    pub fn nobody() -> Chrome {
        Chrome {
            csrf: String::new(),
            can_report: false,
            can_view: false,
            can_manage: false,
            can_run_reviews: false,
            who: None,
        }
    }

    pub fn for_(who: Option<&Authed>) -> Chrome {
        who.map_or_else(Chrome::nobody, Chrome::of)
    }
}

/// A template as a page with a status; a template that fails to render is
/// the service's fault and is shown as such.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Result<Response, PageError> {
    let body = t.render().map_err(|e| crate::JsonError::Internal(e.to_string()))?;
    Ok(respond(status, body))
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: Chrome,
    title: &'a str,
    text: &'a str,
}

/// A page saying what went wrong, with a status.
pub fn message_page(status: StatusCode, title: &str, who: Option<&Authed>, text: &str) -> Response {
    let page = MessagePage { chrome: Chrome::for_(who), title, text };
    match page.render() {
        Ok(body) => respond(status, body),
        // Plain text rather than a loop through the error page.
        Err(e) => {
            tracing::error!(error = %e, "message page failed to render");
            respond(status, String::from("Sorry, there is a problem with the service."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_for_nobody_has_the_layout_but_no_navigation() {
        let page = MessagePage { chrome: Chrome::nobody(), title: "Not <found>", text: "Try again." };
        let html = page.render().expect("renders");
        assert!(html.contains("<a href=\"#main-content\" class=\"skip-link\">Skip to main content</a>"));
        assert!(html.contains("<main id=\"main-content\" role=\"main\" tabindex=\"-1\">"));
        assert!(html.contains("<title>Not &#60;found&#62; – peel back office</title>"), "{html}");
        assert!(html.contains("<h1>Not &#60;found&#62;</h1>"));
        assert!(!html.contains("<nav"), "no navigation for nobody");
        assert!(!html.contains("Sign out"), "no sign-out for nobody");
    }
}
