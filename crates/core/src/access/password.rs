//! The password rule: at least 12 characters, at most 1024, and not
//! containing the user's name (the email address or the part before the @).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> PasswordPolicy {
        PasswordPolicy { min_chars: 12, max_chars: 1024 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("The password must be at least {0} characters long.")]
    TooShort(usize),
    #[error("The password must be at most {0} characters long.")]
    TooLong(usize),
    #[error("The password must not contain the user name.")]
    ContainsUserName,
}

impl PasswordPolicy {
    /// Checks `password` for the account `user_name` (an email address).
    pub fn check(&self, password: &str, user_name: &str) -> Result<(), PasswordProblem> {
        let n = password.chars().count();
        if n < self.min_chars {
            return Err(PasswordProblem::TooShort(self.min_chars));
        }
        if n > self.max_chars {
            return Err(PasswordProblem::TooLong(self.max_chars));
        }
        let pw = password.to_lowercase();
        let name = user_name.trim().to_lowercase();
        let local = name.split('@').next().unwrap_or("");
        // Very short local parts ("jo@…") would reject too much; the whole
        // address is still refused.
        let contains = |part: &str| !part.is_empty() && pw.contains(part);
        if contains(&name) || (local.chars().count() >= 3 && contains(local)) {
            return Err(PasswordProblem::ContainsUserName);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pw: &str, user: &str) -> Result<(), PasswordProblem> {
        PasswordPolicy::default().check(pw, user)
    }

    #[test]
    fn length_edges() {
        assert_eq!(check("abcdefghijk", "x@y.org"), Err(PasswordProblem::TooShort(12)));
        assert_eq!(check("abcdefghijkl", "x@y.org"), Ok(()));
        // Characters, not bytes: 12 accented letters pass, 11 do not.
        assert_eq!(check(&"é".repeat(12), "x@y.org"), Ok(()));
        assert_eq!(check(&"é".repeat(11), "x@y.org"), Err(PasswordProblem::TooShort(12)));
        assert_eq!(check(&"a".repeat(1024), "x@y.org"), Ok(()));
        assert_eq!(check(&"a".repeat(1025), "x@y.org"), Err(PasswordProblem::TooLong(1024)));
        assert_eq!(check("", "x@y.org"), Err(PasswordProblem::TooShort(12)));
    }

    #[test]
    fn rejects_the_user_name_in_any_case() {
        assert_eq!(
            check("alice.smith@council.gov.uk", "alice.smith@council.gov.uk"),
            Err(PasswordProblem::ContainsUserName)
        );
        assert_eq!(check("XXALICE.SMITHXX", "alice.smith@council.gov.uk"), Err(PasswordProblem::ContainsUserName));
        assert_eq!(check("correct horse battery", "alice.smith@council.gov.uk"), Ok(()));
        // Two-letter local parts are not matched on their own.
        assert_eq!(check("jo-jo-jo-jo-jo", "jo@x.org"), Ok(()));
        assert_eq!(check("my jo@x.org password", "jo@x.org"), Err(PasswordProblem::ContainsUserName));
    }

    #[test]
    fn messages_are_plain_english() {
        assert_eq!(PasswordProblem::TooShort(12).to_string(), "The password must be at least 12 characters long.");
    }
}
