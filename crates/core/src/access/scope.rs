//! Tenancy: who acts, and how far their powers reach.
//!
//! A role says *what* someone may do ([`Permission`]); their organisation
//! says *where*. A force's staff act within that force (its BCUs,
//! neighbourhoods, partnerships, Pledge standards and events); a council's,
//! housing provider's or victim service's staff within the community safety
//! partnerships their organisation belongs to; an organisation's
//! administrators administer that organisation only. Installation-wide
//! administration (organisations, and each organisation's administrators) is
//! a role of its own, made only at the command line, that reaches no force's
//! or partnership's work. Cases are further limited, in the store, to those
//! owned by or shared with the caller's organisation.
//!
//! [`Caller::authorise`] is the one rule: every back-office change and every
//! read of another organisation's data passes it, in the store, so a new
//! route cannot skip it. It is pure, so every edge is tested here.

use std::fmt;

use super::permission::Permission;
use super::role::Role;

/// A community safety partnership, named as the geography names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Partnership {
    pub force_id: String,
    pub csp_id: String,
}

impl fmt::Display for Partnership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.force_id, self.csp_id)
    }
}

/// How far an organisation's staff reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// A police force's staff: the force and everything within it.
    Force(String),
    /// A partner organisation's staff: the partnerships it belongs to.
    Partnerships(Vec<Partnership>),
    /// The installation's own administrators (the role decides this, not
    /// the organisation): organisations and their administrators, no
    /// force's or partnership's work.
    Installation,
    /// An organisation nobody has placed yet (a force with no force id, as
    /// an older database may hold): it reaches nothing until an installation
    /// administrator sets it.
    Unset,
}

/// A signed-in person, or a machine acting under their account's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user_id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub role: Role,
    pub reach: Reach,
    actor: String,
}

impl Account {
    /// An account of `organisation`, whose own reach is `organisation_reach`.
    /// An installation administrator reaches the installation whatever their
    /// organisation.
    pub fn new(
        user_id: i64,
        email: &str,
        organisation_id: i64,
        organisation_name: &str,
        role: Role,
        organisation_reach: Reach,
    ) -> Account {
        let reach = if role == Role::InstallationAdministrator { Reach::Installation } else { organisation_reach };
        Account {
            user_id,
            organisation_id,
            organisation_name: organisation_name.to_string(),
            role,
            reach,
            actor: format!("user:{email}"),
        }
    }

    /// The audit log's name for them (`user:<email>`).
    pub fn actor(&self) -> &str {
        &self.actor
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The operator at the command line of the machine peel runs on, who
    /// holds the database itself: nothing is refused, and the audit log
    /// names them `cli`.
    CommandLine,
    Account(Account),
    /// A force system sending Policing Pledge events with the installation's
    /// shared ingest token (`PEEL_INGEST_TOKEN`), which the operator
    /// configures: it may send any force's events and do nothing else. A
    /// force's own feed uses an `event-feed` account instead, bound to its
    /// force.
    IngestToken,
}

/// What an action is done to, for the scope check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Something the store already confines to the caller's own
    /// organisation (their own reports and cases, their own account), or
    /// that is the same for everyone (reading the ASB rule set).
    Own,
    /// A police force's data: its Pledge standards and events, its
    /// neighbourhoods' settings.
    Force(&'a str),
    /// A community safety partnership's data: its case reviews, procedures
    /// and service standards.
    Partnership { force_id: &'a str, csp_id: &'a str },
    /// An organisation itself (its name and reach).
    Organisation(i64),
    /// An account: creating it, reading its record, resetting its password,
    /// disabling it.
    Account { organisation_id: i64, role: Role },
    /// Settings of the whole installation (organisations, the ASB rule set).
    Installation,
}

/// A refusal, in words the person refused can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

impl Caller {
    /// The audit log's name for the caller.
    pub fn actor(&self) -> &str {
        match self {
            Caller::CommandLine => "cli",
            Caller::Account(a) => a.actor(),
            Caller::IngestToken => "ingest-token",
        }
    }

    pub fn account(&self) -> Option<&Account> {
        match self {
            Caller::Account(a) => Some(a),
            Caller::CommandLine | Caller::IngestToken => None,
        }
    }

    /// Whether the caller's role holds `p` (the command line holds everything).
    pub fn holds(&self, p: Permission) -> bool {
        match self {
            Caller::CommandLine => true,
            Caller::Account(a) => a.role.has(p),
            Caller::IngestToken => p == Permission::IngestEvents,
        }
    }

    /// Whether the caller may do what `p` allows to `target`: their role must
    /// hold `p`, and `target` must be within their organisation's reach.
    pub fn authorise(&self, p: Permission, target: Target<'_>) -> Result<(), Refusal> {
        let a = match self {
            Caller::CommandLine => return Ok(()),
            Caller::IngestToken if p == Permission::IngestEvents => return Ok(()),
            Caller::IngestToken => {
                return Err(Refusal(format!("The shared ingest token may only send events, not {}.", p.describe())));
            }
            Caller::Account(a) => a,
        };
        if !a.role.has(p) {
            return Err(Refusal(format!("The role {} may not {}.", a.role.slug(), p.describe())));
        }
        let outside = |what: String| {
            Err(Refusal(format!(
                "{what} is outside what {} works within ({}), so you may not {} there.",
                a.organisation_name,
                a.reach.describe(),
                p.describe()
            )))
        };
        match target {
            Target::Own => Ok(()),
            Target::Force(f) => match &a.reach {
                Reach::Force(g) if g == f => Ok(()),
                _ => outside(format!("The force {f}")),
            },
            Target::Partnership { force_id, csp_id } => match &a.reach {
                Reach::Force(g) if g == force_id => Ok(()),
                Reach::Partnerships(ps) if ps.iter().any(|p| p.force_id == force_id && p.csp_id == csp_id) => Ok(()),
                _ => outside(format!("The partnership {force_id}/{csp_id}")),
            },
            Target::Organisation(id) => match &a.reach {
                _ if id == a.organisation_id => Ok(()),
                Reach::Installation => Ok(()),
                _ => outside("Another organisation".to_string()),
            },
            Target::Account { organisation_id, role } => {
                if role == Role::InstallationAdministrator {
                    return Err(Refusal(
                        "Installation administrators are made and changed only at the command line \
                         (peel user add --role installation-administrator)."
                            .into(),
                    ));
                }
                match &a.reach {
                    Reach::Installation if role == Role::Administrator => Ok(()),
                    Reach::Installation => Err(Refusal(format!(
                        "Installation administrators manage each organisation's administrators; the {} \
                         accounts of an organisation are its own administrators' to manage.",
                        role.slug()
                    ))),
                    _ if organisation_id == a.organisation_id => Ok(()),
                    _ => outside("An account of another organisation".to_string()),
                }
            }
            Target::Installation => match &a.reach {
                Reach::Installation => Ok(()),
                _ => Err(Refusal(format!(
                    "Only the installation's administrators may {}: it applies to every organisation.",
                    p.describe()
                ))),
            },
        }
    }
}

impl Reach {
    /// Plain English, for refusals and pages.
    pub fn describe(&self) -> String {
        match self {
            Reach::Force(f) => format!("the force {f}"),
            Reach::Partnerships(ps) if ps.is_empty() => "no partnership yet".to_string(),
            Reach::Partnerships(ps) => {
                let names: Vec<String> = ps.iter().map(ToString::to_string).collect();
                format!("the partnership{} {}", if ps.len() == 1 { "" } else { "s" }, names.join(", "))
            }
            Reach::Installation => "the installation's administration".to_string(),
            Reach::Unset => "nothing yet: its force has not been set".to_string(),
        }
    }

    /// The partnerships listed in the reach (none for a force's reach,
    /// which covers all of its partnerships: see [`Reach::force`]).
    pub fn partnerships(&self) -> &[Partnership] {
        match self {
            Reach::Partnerships(ps) => ps,
            _ => &[],
        }
    }

    /// The force within reach, if the reach is a force.
    pub fn force(&self) -> Option<&str> {
        match self {
            Reach::Force(f) => Some(f),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role, org: i64, reach: Reach) -> Caller {
        Caller::Account(Account::new(7, "someone@example.org", org, "Org", role, reach))
    }

    fn kent(role: Role) -> Caller {
        account(role, 1, Reach::Force("kent".into()))
    }

    fn luton_council(role: Role) -> Caller {
        let p = Partnership { force_id: "bedfordshire".into(), csp_id: "luton".into() };
        account(role, 2, Reach::Partnerships(vec![p]))
    }

    const LUTON: Target<'static> = Target::Partnership { force_id: "bedfordshire", csp_id: "luton" };
    const MEDWAY: Target<'static> = Target::Partnership { force_id: "kent", csp_id: "medway" };

    #[test]
    fn the_command_line_is_refused_nothing() {
        for p in Permission::ALL {
            for t in [Target::Own, Target::Force("kent"), LUTON, Target::Organisation(9), Target::Installation] {
                assert!(Caller::CommandLine.authorise(*p, t).is_ok());
            }
        }
        assert!(
            Caller::CommandLine
                .authorise(
                    Permission::ManageUsers,
                    Target::Account { organisation_id: 1, role: Role::InstallationAdministrator }
                )
                .is_ok()
        );
        assert_eq!(Caller::CommandLine.actor(), "cli");
    }

    #[test]
    fn the_shared_ingest_token_only_sends_events() {
        assert!(Caller::IngestToken.authorise(Permission::IngestEvents, Target::Force("kent")).is_ok());
        assert!(Caller::IngestToken.authorise(Permission::SetPledgeStandards, Target::Force("kent")).is_err());
        assert!(Caller::IngestToken.authorise(Permission::ViewCases, Target::Own).is_err());
        assert_eq!(Caller::IngestToken.actor(), "ingest-token");
    }

    #[test]
    fn the_role_comes_first() {
        let e = kent(Role::Officer).authorise(Permission::SetPledgeStandards, Target::Force("kent")).unwrap_err();
        assert_eq!(e.0, "The role officer may not set local Pledge standards.");
    }

    #[test]
    fn a_force_reaches_its_own_force_and_partnerships_only() {
        let admin = kent(Role::Administrator);
        assert!(admin.authorise(Permission::SetPledgeStandards, Target::Force("kent")).is_ok());
        let e = admin.authorise(Permission::SetPledgeStandards, Target::Force("city-of-london")).unwrap_err();
        assert!(e.0.contains("The force city-of-london is outside what Org works within (the force kent)"), "{e}");
        let coordinator = kent(Role::AsbCoordinator);
        assert!(coordinator.authorise(Permission::RunCaseReviews, MEDWAY).is_ok());
        assert!(coordinator.authorise(Permission::RunCaseReviews, LUTON).is_err());
        let feed = kent(Role::EventFeed);
        assert!(feed.authorise(Permission::IngestEvents, Target::Force("kent")).is_ok());
        assert!(feed.authorise(Permission::IngestEvents, Target::Force("bedfordshire")).is_err());
    }

    #[test]
    fn a_partner_reaches_its_partnerships_and_no_force() {
        let coordinator = luton_council(Role::AsbCoordinator);
        assert!(coordinator.authorise(Permission::RunCaseReviews, LUTON).is_ok());
        let bedford = Target::Partnership { force_id: "bedfordshire", csp_id: "bedford" };
        assert!(coordinator.authorise(Permission::RunCaseReviews, bedford).is_err());
        assert!(coordinator.authorise(Permission::RunCaseReviews, MEDWAY).is_err());
        let admin = luton_council(Role::Administrator);
        let e = admin.authorise(Permission::SetPledgeStandards, Target::Force("bedfordshire")).unwrap_err();
        assert!(e.0.contains("the partnership bedfordshire/luton"), "{e}");
    }

    #[test]
    fn administrators_administer_their_own_organisation() {
        let admin = kent(Role::Administrator);
        let own = Target::Account { organisation_id: 1, role: Role::Officer };
        let other = Target::Account { organisation_id: 3, role: Role::Officer };
        assert!(admin.authorise(Permission::ManageUsers, own).is_ok());
        assert!(
            admin
                .authorise(Permission::ManageUsers, Target::Account { organisation_id: 1, role: Role::Administrator })
                .is_ok()
        );
        let e = admin.authorise(Permission::ManageUsers, other).unwrap_err();
        assert!(e.0.starts_with("An account of another organisation is outside"), "{e}");
        assert!(admin.authorise(Permission::ManageOrganisations, Target::Organisation(1)).is_err(), "the role");
        let made_here = admin.authorise(
            Permission::ManageUsers,
            Target::Account { organisation_id: 1, role: Role::InstallationAdministrator },
        );
        assert!(made_here.unwrap_err().0.contains("only at the command line"));
    }

    #[test]
    fn installation_administrators_manage_organisations_and_their_administrators() {
        let root = account(Role::InstallationAdministrator, 5, Reach::Force("kent".into()));
        assert_eq!(root.account().unwrap().reach, Reach::Installation, "the role decides, not the organisation");
        assert!(root.authorise(Permission::ManageOrganisations, Target::Installation).is_ok());
        assert!(root.authorise(Permission::ManageOrganisations, Target::Organisation(1)).is_ok());
        assert!(
            root.authorise(Permission::ManageUsers, Target::Account { organisation_id: 1, role: Role::Administrator })
                .is_ok()
        );
        let officer = Target::Account { organisation_id: 1, role: Role::Officer };
        assert!(root.authorise(Permission::ManageUsers, officer).unwrap_err().0.contains("its own administrators"));
        assert!(root.authorise(Permission::ManageAsbRules, Target::Installation).is_ok());
        // No force's or partnership's work, and no casework at all.
        assert!(root.authorise(Permission::SetPledgeStandards, Target::Force("kent")).is_err());
        assert!(root.authorise(Permission::ViewCases, Target::Own).is_err());
        assert!(root.authorise(Permission::RunCaseReviews, MEDWAY).is_err());
    }

    #[test]
    fn installation_settings_are_the_installation_administrators() {
        let e = luton_council(Role::AsbCoordinator).authorise(Permission::ManageAsbRules, Target::Installation);
        assert!(e.is_err(), "the role no longer holds it");
        let e = kent(Role::Administrator).authorise(Permission::ManageUsers, Target::Installation).unwrap_err();
        assert!(e.0.starts_with("Only the installation's administrators"), "{e}");
    }

    #[test]
    fn an_unplaced_organisation_reaches_nothing() {
        let admin = account(Role::Administrator, 4, Reach::Unset);
        let e = admin.authorise(Permission::SetPledgeStandards, Target::Force("kent")).unwrap_err();
        assert!(e.0.contains("nothing yet"), "{e}");
        assert!(
            admin
                .authorise(Permission::ManageUsers, Target::Account { organisation_id: 4, role: Role::Officer })
                .is_ok()
        );
        let none = account(Role::AsbCoordinator, 4, Reach::Partnerships(vec![]));
        assert!(none.authorise(Permission::RunCaseReviews, LUTON).unwrap_err().0.contains("no partnership yet"));
    }

    #[test]
    fn own_things_need_only_the_role() {
        assert!(luton_council(Role::PartnerCaseworker).authorise(Permission::ViewCases, Target::Own).is_ok());
        assert!(luton_council(Role::Auditor).authorise(Permission::ViewCases, Target::Own).is_err());
    }
}
