//! The police.uk outcome categories ("what happened next").

use serde::{Deserialize, Serialize};

/// One of the 28 outcome categories police.uk publishes.
///
/// The API shows the code in outcome records (`{"code","name"}`) and the name
/// in a crime's `outcome_status`; the CSVs carry names, sometimes spelt
/// differently from the API docs. All of them parse to this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    AwaitingCourtResult,
    CourtResultUnavailable,
    UnableToProceed,
    LocalResolution,
    NoFurtherAction,
    DeprivedOfProperty,
    Fined,
    AbsoluteDischarge,
    Cautioned,
    DrugsPossessionWarning,
    PenaltyNoticeIssued,
    CommunityPenalty,
    ConditionalDischarge,
    SuspendedSentence,
    Imprisoned,
    OtherCourtDisposal,
    Compensation,
    SentencedInAnotherCase,
    Charged,
    NotGuilty,
    SentToCrownCourt,
    UnableToProsecute,
    FormalActionNotInPublicInterest,
    ActionTakenByAnotherOrganisation,
    FurtherInvestigationNotInPublicInterest,
    FurtherActionNotInPublicInterest,
    UnderInvestigation,
    StatusUpdateUnavailable,
}

/// How the portal groups outcomes when it explains "what happened next".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeGroup {
    /// Still being investigated or awaiting court.
    Pending,
    /// A suspect was charged or dealt with by a court or out of court.
    OffenderDealtWith,
    /// Closed without anyone being dealt with.
    NoFurtherAction,
    /// The force has no update to give.
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 28] = {
        use Outcome::*;
        [
            AwaitingCourtResult,
            CourtResultUnavailable,
            UnableToProceed,
            LocalResolution,
            NoFurtherAction,
            DeprivedOfProperty,
            Fined,
            AbsoluteDischarge,
            Cautioned,
            DrugsPossessionWarning,
            PenaltyNoticeIssued,
            CommunityPenalty,
            ConditionalDischarge,
            SuspendedSentence,
            Imprisoned,
            OtherCourtDisposal,
            Compensation,
            SentencedInAnotherCase,
            Charged,
            NotGuilty,
            SentToCrownCourt,
            UnableToProsecute,
            FormalActionNotInPublicInterest,
            ActionTakenByAnotherOrganisation,
            FurtherInvestigationNotInPublicInterest,
            FurtherActionNotInPublicInterest,
            UnderInvestigation,
            StatusUpdateUnavailable,
        ]
    };

    pub fn code(self) -> &'static str {
        self.code_and_name().0
    }

    /// The name as the police.uk API documents it.
    pub fn name(self) -> &'static str {
        self.code_and_name().1
    }

    fn code_and_name(self) -> (&'static str, &'static str) {
        use Outcome::*;
        match self {
            AwaitingCourtResult => ("awaiting-court-result", "Awaiting court outcome"),
            CourtResultUnavailable => ("court-result-unavailable", "Court result unavailable"),
            UnableToProceed => ("unable-to-proceed", "Court case unable to proceed"),
            LocalResolution => ("local-resolution", "Local resolution"),
            NoFurtherAction => ("no-further-action", "Investigation complete; no suspect identified"),
            DeprivedOfProperty => ("deprived-of-property", "Offender deprived of property"),
            Fined => ("fined", "Offender fined"),
            AbsoluteDischarge => ("absolute-discharge", "Offender given absolute discharge"),
            Cautioned => ("cautioned", "Offender given a caution"),
            DrugsPossessionWarning => ("drugs-possession-warning", "Offender given a drugs possession warning"),
            PenaltyNoticeIssued => ("penalty-notice-issued", "Offender given a penalty notice"),
            CommunityPenalty => ("community-penalty", "Offender given community sentence"),
            ConditionalDischarge => ("conditional-discharge", "Offender given conditional discharge"),
            SuspendedSentence => ("suspended-sentence", "Offender given suspended prison sentence"),
            Imprisoned => ("imprisoned", "Offender sent to prison"),
            OtherCourtDisposal => ("other-court-disposal", "Offender otherwise dealt with"),
            Compensation => ("compensation", "Offender ordered to pay compensation"),
            SentencedInAnotherCase => ("sentenced-in-another-case", "Suspect charged as part of another case"),
            Charged => ("charged", "Suspect charged"),
            NotGuilty => ("not-guilty", "Defendant found not guilty"),
            SentToCrownCourt => ("sent-to-crown-court", "Defendant sent to Crown Court"),
            UnableToProsecute => ("unable-to-prosecute", "Unable to prosecute suspect"),
            FormalActionNotInPublicInterest => {
                ("formal-action-not-in-public-interest", "Formal action is not in the public interest")
            }
            ActionTakenByAnotherOrganisation => {
                ("action-taken-by-another-organisation", "Action to be taken by another organisation")
            }
            FurtherInvestigationNotInPublicInterest => {
                ("further-investigation-not-in-public-interest", "Further investigation is not in the public interest")
            }
            FurtherActionNotInPublicInterest => {
                ("further-action-not-in-public-interest", "Further action is not in the public interest")
            }
            UnderInvestigation => ("under-investigation", "Under investigation"),
            StatusUpdateUnavailable => ("status-update-unavailable", "Status update unavailable"),
        }
    }

    /// The name a crime record's `outcome_status.category` shows. Live police.uk
    /// writes the penalty notice without "a" there, as the CSVs do.
    pub fn crime_status_name(self) -> &'static str {
        match self {
            Outcome::PenaltyNoticeIssued => "Offender given penalty notice",
            other => other.name(),
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Parses an outcome name as any police.uk file spells it.
    pub fn from_name(name: &str) -> Option<Outcome> {
        let name = name.trim();
        if let Some(o) = Outcome::ALL.into_iter().find(|o| o.name().eq_ignore_ascii_case(name)) {
            return Some(o);
        }
        use Outcome::*;
        let known = match name.to_ascii_lowercase().as_str() {
            "offender given penalty notice" => PenaltyNoticeIssued,
            "offender given drugs possession warning" => DrugsPossessionWarning,
            "offender given caution" | "offender cautioned" => Cautioned,
            "no further action" | "investigation complete - no suspect identified" => NoFurtherAction,
            "suspect charged as part of another case " => SentencedInAnotherCase,
            "defendant sent to crown court " => SentToCrownCourt,
            "awaiting court result" => AwaitingCourtResult,
            _ => return Outcome::from_code(name),
        };
        Some(known)
    }

    pub fn group(self) -> OutcomeGroup {
        use Outcome::*;
        match self {
            AwaitingCourtResult | UnderInvestigation | SentToCrownCourt => OutcomeGroup::Pending,
            LocalResolution
            | DeprivedOfProperty
            | Fined
            | AbsoluteDischarge
            | Cautioned
            | DrugsPossessionWarning
            | PenaltyNoticeIssued
            | CommunityPenalty
            | ConditionalDischarge
            | SuspendedSentence
            | Imprisoned
            | OtherCourtDisposal
            | Compensation
            | SentencedInAnotherCase
            | Charged => OutcomeGroup::OffenderDealtWith,
            NoFurtherAction
            | UnableToProceed
            | NotGuilty
            | UnableToProsecute
            | FormalActionNotInPublicInterest
            | ActionTakenByAnotherOrganisation
            | FurtherInvestigationNotInPublicInterest
            | FurtherActionNotInPublicInterest => OutcomeGroup::NoFurtherAction,
            CourtResultUnavailable | StatusUpdateUnavailable => OutcomeGroup::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_eight_distinct_codes_and_names() {
        let codes: std::collections::HashSet<_> = Outcome::ALL.iter().map(|o| o.code()).collect();
        let names: std::collections::HashSet<_> = Outcome::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(codes.len(), 28);
        assert_eq!(names.len(), 28);
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_code(o.code()), Some(o));
            assert_eq!(Outcome::from_name(o.name()), Some(o));
            assert_eq!(Outcome::from_name(o.crime_status_name()), Some(o));
        }
    }

    #[test]
    fn accepts_the_csv_spellings() {
        assert_eq!(Outcome::from_name("Offender given penalty notice"), Some(Outcome::PenaltyNoticeIssued));
        assert_eq!(Outcome::from_name("Offender given a penalty notice"), Some(Outcome::PenaltyNoticeIssued));
        assert_eq!(Outcome::from_name("Suspect charged"), Some(Outcome::Charged));
        assert_eq!(Outcome::from_name("Made up"), None);
    }
}
