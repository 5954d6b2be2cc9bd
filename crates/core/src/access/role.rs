//! Roles people hold and the kinds of organisation they belong to.
//! Slugs are stable: they are stored in the database and used on the command line.

use std::fmt;
use std::str::FromStr;

/// A slug that names no known role or organisation kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {given:?} is not known; use one of: {choices}")]
pub struct UnknownSlug {
    pub what: &'static str,
    pub given: String,
    pub choices: String,
}

macro_rules! slug_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $slug:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable identifier stored in the database.
            pub fn slug(self) -> &'static str {
                match self { $($name::$variant => $slug),* }
            }

            /// Plain English, for pages.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }
        }

        impl FromStr for $name {
            type Err = UnknownSlug;
            fn from_str(s: &str) -> Result<$name, UnknownSlug> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.slug() == s).ok_or_else(|| UnknownSlug {
                    what: $what,
                    given: s.to_string(),
                    choices: $name::ALL.iter().map(|v| v.slug()).collect::<Vec<_>>().join(", "),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.slug())
            }
        }
    };
}

slug_enum! {
    /// What a person does in the back office. Each role holds only the
    /// permissions it needs (see [`crate::access::Permission`]).
    Role, "role" {
        CallHandler => "call-handler", "Call handler";
        Officer => "officer", "Officer";
        Supervisor => "supervisor", "Supervisor";
        PartnerCaseworker => "partner-caseworker", "Partner caseworker";
        AsbCoordinator => "asb-coordinator", "ASB coordinator";
        Auditor => "auditor", "Auditor";
        Administrator => "administrator", "Administrator";
        EventFeed => "event-feed", "Event feed (a force system's machine account)";
        InstallationAdministrator => "installation-administrator", "Installation administrator";
    }
}

slug_enum! {
    /// The kinds of organisation that share anti-social behaviour casework.
    OrgKind, "organisation kind" {
        Force => "force", "Police force";
        Council => "council", "Council";
        HousingProvider => "housing-provider", "Housing provider";
        VictimService => "victim-service", "Victim service";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_slugs_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in Role::ALL {
            assert_eq!(r.slug().parse::<Role>().unwrap(), *r);
            assert!(seen.insert(r.slug()));
            assert!(!r.label().is_empty());
        }
        assert_eq!(Role::ALL.len(), 9);
    }

    #[test]
    fn role_slugs_are_stable() {
        let slugs: Vec<_> = Role::ALL.iter().map(|r| r.slug()).collect();
        assert_eq!(
            slugs,
            [
                "call-handler",
                "officer",
                "supervisor",
                "partner-caseworker",
                "asb-coordinator",
                "auditor",
                "administrator",
                "event-feed",
                "installation-administrator"
            ]
        );
    }

    #[test]
    fn unknown_role_names_the_choices() {
        let e = "sheriff".parse::<Role>().unwrap_err();
        assert_eq!(e.given, "sheriff");
        assert!(e.to_string().contains("call-handler, officer"), "{e}");
        assert!("".parse::<Role>().is_err());
        assert!("Officer".parse::<Role>().is_err(), "slugs are exact");
        assert_eq!(" officer ".parse::<Role>().unwrap(), Role::Officer);
    }

    #[test]
    fn org_kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(k.slug().parse::<OrgKind>().unwrap(), *k);
        }
        assert_eq!("housing-provider".parse::<OrgKind>().unwrap(), OrgKind::HousingProvider);
        assert!("charity".parse::<OrgKind>().unwrap_err().to_string().contains("organisation kind"));
        assert_eq!(OrgKind::Council.to_string(), "council");
    }
}
