//! Named permissions and which roles hold them (least privilege).
//!
//! Routes state a [`Permission`], never a role, so the table below is the one
//! place that says who may do what; [`super::scope`] says where. Administrators
//! manage their own organisation's accounts but cannot read the audit log or
//! casework; installation administrators manage organisations, their
//! administrators and the installation-wide ASB rule set, and no casework;
//! auditors read the audit log and nothing else.

use super::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See one's own account (`/backoffice`, `/api/v1/me`). Every role.
    ViewOwnAccount,
    /// List and create organisations and say what each reaches (the
    /// installation's administrators).
    ManageOrganisations,
    /// List, create, disable and reset user accounts (of one's own
    /// organisation; installation administrators: each organisation's
    /// administrators).
    ManageUsers,
    /// Search the audit log.
    ReadAuditLog,
    /// Record a new anti-social behaviour report and its risk assessment.
    RecordReport,
    /// Read reports and cases owned by or shared with one's organisation.
    ViewCases,
    /// Change cases: open, share, actions, tools and powers, closure.
    ManageCases,
    /// Assign and review cases, see overdue work (later milestones).
    SuperviseCases,
    /// Run Community Trigger case reviews (later milestones).
    RunCaseReviews,
    /// Load a new version of the ASB rule set (repeat-victim rule, risk
    /// questionnaire). One rule set judges every organisation's reports, so
    /// it is the installation's administrators' to change.
    ManageAsbRules,
    /// Send Policing Pledge events (`POST /api/v1/events`) with an API token.
    IngestEvents,
    /// See which events breached a Pledge standard (event ids), which the
    /// public figures leave out: for the force's own staff.
    ViewPledgeBreaches,
    /// Set a force's or a neighbourhood's stricter local Pledge standards and
    /// a neighbourhood's urban or rural setting.
    SetPledgeStandards,
    /// Enter the grades HMICFRS's PEEL inspections gave the force, to be
    /// shown beside the report card's own.
    RecordInspectionGrades,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::ViewOwnAccount,
        Permission::ManageOrganisations,
        Permission::ManageUsers,
        Permission::ReadAuditLog,
        Permission::RecordReport,
        Permission::ViewCases,
        Permission::ManageCases,
        Permission::SuperviseCases,
        Permission::RunCaseReviews,
        Permission::ManageAsbRules,
        Permission::IngestEvents,
        Permission::ViewPledgeBreaches,
        Permission::SetPledgeStandards,
        Permission::RecordInspectionGrades,
    ];

    /// The roles holding this permission.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::ViewOwnAccount => Role::ALL,
            Permission::ManageOrganisations => &[InstallationAdministrator],
            Permission::ManageUsers => &[Administrator, InstallationAdministrator],
            Permission::ReadAuditLog => &[Auditor],
            Permission::RecordReport => &[CallHandler, Officer, Supervisor, PartnerCaseworker, AsbCoordinator],
            Permission::ViewCases => &[Officer, Supervisor, PartnerCaseworker, AsbCoordinator],
            Permission::ManageCases => &[Officer, Supervisor, PartnerCaseworker, AsbCoordinator],
            Permission::SuperviseCases => &[Supervisor, AsbCoordinator],
            Permission::RunCaseReviews => &[AsbCoordinator],
            Permission::ManageAsbRules => &[InstallationAdministrator],
            Permission::IngestEvents => &[EventFeed],
            Permission::ViewPledgeBreaches => &[Officer, Supervisor, Auditor, Administrator],
            Permission::SetPledgeStandards => &[Administrator],
            Permission::RecordInspectionGrades => &[Administrator],
        }
    }

    /// A stable identifier, for the API.
    pub fn slug(self) -> &'static str {
        match self {
            Permission::ViewOwnAccount => "view-own-account",
            Permission::ManageOrganisations => "manage-organisations",
            Permission::ManageUsers => "manage-users",
            Permission::ReadAuditLog => "read-audit-log",
            Permission::RecordReport => "record-report",
            Permission::ViewCases => "view-cases",
            Permission::ManageCases => "manage-cases",
            Permission::SuperviseCases => "supervise-cases",
            Permission::RunCaseReviews => "run-case-reviews",
            Permission::ManageAsbRules => "manage-asb-rules",
            Permission::IngestEvents => "ingest-events",
            Permission::ViewPledgeBreaches => "view-pledge-breaches",
            Permission::SetPledgeStandards => "set-pledge-standards",
            Permission::RecordInspectionGrades => "record-inspection-grades",
        }
    }

    /// A short phrase for refusal messages: "you need permission to …".
    pub fn describe(self) -> &'static str {
        match self {
            Permission::ViewOwnAccount => "see your account",
            Permission::ManageOrganisations => "manage organisations",
            Permission::ManageUsers => "manage user accounts",
            Permission::ReadAuditLog => "read the audit log",
            Permission::RecordReport => "record reports",
            Permission::ViewCases => "see cases",
            Permission::ManageCases => "change cases",
            Permission::SuperviseCases => "supervise cases",
            Permission::RunCaseReviews => "run case reviews",
            Permission::ManageAsbRules => "load ASB rule sets",
            Permission::IngestEvents => "send Policing Pledge events",
            Permission::ViewPledgeBreaches => "see which events breached a Pledge standard",
            Permission::SetPledgeStandards => "set local Pledge standards",
            Permission::RecordInspectionGrades => "enter HMICFRS's inspection grades",
        }
    }
}

impl Role {
    pub fn has(self, p: Permission) -> bool {
        p.roles().contains(&self)
    }

    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL.iter().copied().filter(|p| self.has(*p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::*;

    /// The whole matrix written out, so any change to who may do what is a
    /// deliberate edit here too.
    #[test]
    fn the_permission_matrix() {
        let expect: &[(Role, &[Permission])] = &[
            (Role::CallHandler, &[ViewOwnAccount, RecordReport]),
            (Role::Officer, &[ViewOwnAccount, RecordReport, ViewCases, ManageCases, ViewPledgeBreaches]),
            (
                Role::Supervisor,
                &[ViewOwnAccount, RecordReport, ViewCases, ManageCases, SuperviseCases, ViewPledgeBreaches],
            ),
            (Role::PartnerCaseworker, &[ViewOwnAccount, RecordReport, ViewCases, ManageCases]),
            (
                Role::AsbCoordinator,
                &[ViewOwnAccount, RecordReport, ViewCases, ManageCases, SuperviseCases, RunCaseReviews],
            ),
            (Role::Auditor, &[ViewOwnAccount, ReadAuditLog, ViewPledgeBreaches]),
            (
                Role::Administrator,
                &[ViewOwnAccount, ManageUsers, ViewPledgeBreaches, SetPledgeStandards, RecordInspectionGrades],
            ),
            (Role::EventFeed, &[ViewOwnAccount, IngestEvents]),
            (Role::InstallationAdministrator, &[ViewOwnAccount, ManageOrganisations, ManageUsers, ManageAsbRules]),
        ];
        assert_eq!(expect.len(), Role::ALL.len());
        for (role, perms) in expect {
            assert_eq!(role.permissions(), perms.to_vec(), "{role}");
        }
    }

    #[test]
    fn separation_of_duties() {
        // Nobody both manages accounts and reads the audit trail of what they did.
        for r in Role::ALL {
            assert!(!(r.has(ManageUsers) && r.has(ReadAuditLog)), "{r}");
        }
        assert!(!Role::Administrator.has(ViewCases), "administrators do not read casework");
        assert!(!Role::InstallationAdministrator.has(ViewCases), "nor do the installation's");
        assert!(!Role::Auditor.has(ManageCases), "auditors only look");
    }

    #[test]
    fn every_permission_is_held_by_someone_and_described() {
        for p in Permission::ALL {
            assert!(!p.roles().is_empty(), "{p:?}");
            assert!(!p.describe().is_empty());
            assert!(!p.slug().is_empty());
        }
    }
}
