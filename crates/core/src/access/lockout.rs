//! The lock-out rule, as data: after `max_failures` wrong passwords within
//! `window`, the account is locked for `lock_for`. A successful sign-in
//! clears the count. Attempts while locked are refused without checking the
//! password and do not extend the lock.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub window: Duration,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    /// 5 failures in 15 minutes lock the account for 15 minutes.
    fn default() -> LockoutPolicy {
        LockoutPolicy { max_failures: 5, window: Duration::minutes(15), lock_for: Duration::minutes(15) }
    }
}

/// What is stored about an account's recent failed sign-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    pub failed_attempts: u32,
    /// When the first failure of the current window happened.
    pub failed_since: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl LoginState {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }
}

impl LockoutPolicy {
    /// The state after a wrong password at `now`.
    pub fn after_failure(&self, state: LoginState, now: DateTime<Utc>) -> LoginState {
        if state.is_locked(now) {
            return state;
        }
        let in_window = state.failed_since.is_some_and(|since| now >= since && now - since < self.window);
        let (count, since) =
            if in_window { (state.failed_attempts.saturating_add(1), state.failed_since) } else { (1, Some(now)) };
        if count >= self.max_failures.max(1) {
            LoginState { failed_attempts: 0, failed_since: None, locked_until: Some(now + self.lock_for) }
        } else {
            LoginState { failed_attempts: count, failed_since: since, locked_until: None }
        }
    }

    /// The state after a correct password.
    pub fn after_success(&self) -> LoginState {
        LoginState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn fail_n(p: &LockoutPolicy, n: u32, start: DateTime<Utc>, step: Duration) -> LoginState {
        (0..n).fold(LoginState::default(), |s, i| p.after_failure(s, start + step * i as i32))
    }

    #[test]
    fn four_failures_do_not_lock_the_fifth_does() {
        let p = LockoutPolicy::default();
        let s = fail_n(&p, 4, t0(), Duration::minutes(1));
        assert_eq!(s.failed_attempts, 4);
        assert!(!s.is_locked(t0() + Duration::minutes(4)));
        let s = p.after_failure(s, t0() + Duration::minutes(4));
        assert!(s.is_locked(t0() + Duration::minutes(4)));
        assert_eq!(s.locked_until, Some(t0() + Duration::minutes(19)));
    }

    #[test]
    fn lock_ends_exactly_after_lock_for() {
        let p = LockoutPolicy::default();
        let s = fail_n(&p, 5, t0(), Duration::seconds(1));
        let until = s.locked_until.unwrap();
        assert!(s.is_locked(until - Duration::seconds(1)));
        assert!(!s.is_locked(until));
        // After the lock, a fresh count starts.
        let s = p.after_failure(s, until);
        assert_eq!(s.failed_attempts, 1);
        assert!(!s.is_locked(until));
    }

    #[test]
    fn failures_spread_beyond_the_window_never_lock() {
        let p = LockoutPolicy::default();
        // One failure every 4 minutes: the 5th falls 16 minutes after the first.
        let s = fail_n(&p, 5, t0(), Duration::minutes(4));
        assert!(!s.is_locked(t0() + Duration::minutes(16)));
        assert_eq!(s.failed_attempts, 1, "a new window started");
    }

    #[test]
    fn window_boundary_is_exclusive() {
        let p = LockoutPolicy { max_failures: 2, ..LockoutPolicy::default() };
        let s = p.after_failure(LoginState::default(), t0());
        let just_inside = p.after_failure(s, t0() + Duration::minutes(15) - Duration::seconds(1));
        assert!(just_inside.locked_until.is_some());
        let at_edge = p.after_failure(s, t0() + Duration::minutes(15));
        assert_eq!(at_edge.locked_until, None);
        assert_eq!(at_edge.failed_attempts, 1);
    }

    #[test]
    fn attempts_while_locked_do_not_extend_the_lock() {
        let p = LockoutPolicy::default();
        let s = fail_n(&p, 5, t0(), Duration::seconds(1));
        let again = p.after_failure(s, t0() + Duration::minutes(10));
        assert_eq!(again, s);
    }

    #[test]
    fn success_clears_everything() {
        let p = LockoutPolicy::default();
        let s = fail_n(&p, 3, t0(), Duration::seconds(1));
        assert_eq!(s.failed_attempts, 3);
        assert_eq!(p.after_success(), LoginState::default());
    }

    #[test]
    fn clock_going_backwards_starts_a_new_window() {
        let p = LockoutPolicy::default();
        let s = p.after_failure(LoginState::default(), t0());
        let s = p.after_failure(s, t0() - Duration::minutes(1));
        assert_eq!(s.failed_attempts, 1);
    }

    #[test]
    fn a_policy_of_one_locks_at_once() {
        let p = LockoutPolicy { max_failures: 1, ..LockoutPolicy::default() };
        assert!(p.after_failure(LoginState::default(), t0()).is_locked(t0()));
        let zero = LockoutPolicy { max_failures: 0, ..LockoutPolicy::default() };
        assert!(zero.after_failure(LoginState::default(), t0()).is_locked(t0()), "0 is treated as 1");
    }
}
