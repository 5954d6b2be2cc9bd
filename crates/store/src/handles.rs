//! The store's areas, each a small handle borrowed from [`Store`]
//! (`store.asb().case(…)`, `store.pledge().compliance(…)`), so that the
//! contract reads by area rather than as one list of every method. Each
//! handle's methods live in the module named after what they hold; what
//! every area shares (opening, migrating, [`Store::authorise`]) stays on
//! [`Store`] itself.

use crate::Store;

macro_rules! handles {
    ($($(#[$doc:meta])* $accessor:ident => $handle:ident;)*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug)]
            pub struct $handle<'a>(pub(crate) &'a Store);
        )*

        impl Store {
            $(
                $(#[$doc])*
                pub fn $accessor(&self) -> $handle<'_> {
                    $handle(self)
                }
            )*
        }
    };
}

handles! {
    /// Open311 service requests (reports from the public's apps).
    open311 => Open311;
    /// The audit log: appending, searching, verifying the chain.
    audit => Audit;
    /// Retention and subject access (personal data's lifecycle).
    privacy => Privacy;
    /// The Community Trigger: case reviews, their steps and procedures.
    trigger => Trigger;
    /// The Policing Pledge: events, standards and compliance.
    pledge => Pledge;
    /// ASB casework: reports, cases, their sharing, rule sets and local
    /// service standards.
    asb => Asb;
    /// Back-office accounts: organisations, users, sessions and API tokens.
    accounts => Accounts;
    /// Forces, BCUs, partnerships, neighbourhoods (teams, priorities,
    /// events, boundaries), postcodes and the portal's place search.
    geography => Geography;
    /// What forces are compared with: published most similar groups, the
    /// variables groups are computed from, and where populations come from.
    comparisons => Comparisons;
    /// HMICFRS's own inspection grades of each force, as administrators
    /// entered them.
    inspections => Inspections;
    /// Survey responses on public confidence in the police, and the
    /// figures published from them (weighted, with intervals, by rolling year).
    confidence => Confidence;
    /// police.uk's open data: replacing a force-month (`open_data.rs`,
    /// `bulk_load.rs`), reading it back as the one consistent snapshot the
    /// server serves from and its data version, and a force-month's
    /// records as police.uk's files held them.
    open_data => OpenData;
}
