//! User ids: the partner-wide identifier of a person.

use std::fmt;

/// A user id as the Kaltura API accepts it: 1 to 320 characters from a fixed set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(String);

/// Characters allowed besides ASCII letters and digits.
const EXTRA_CHARS: &str = ",!#$%&'*+?^_`{|}~.@-";

impl UserId {
    /// Parses a user id, refusing empty, overlong or oddly spelled ones.
    pub fn parse(raw: &str) -> Option<UserId> {
        let valid_len = (1..=320).contains(&raw.chars().count());
        let valid_chars = raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || EXTRA_CHARS.contains(c));
        (valid_len && valid_chars).then(|| UserId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits a comma-separated list of user ids, as in `entitledUsersEdit`, trimming blanks and
/// dropping duplicates while keeping the order given. Returns the first invalid id on error.
pub fn parse_user_list(raw: &str) -> Result<Vec<UserId>, String> {
    let mut ids: Vec<UserId> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = UserId::parse(part).ok_or_else(|| part.to_owned())?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_email_like_and_netid_like_ids() {
        assert!(UserId::parse("alice@uni.example").is_some());
        assert!(UserId::parse("ab12_c-d").is_some());
    }

    #[test]
    fn refuses_empty_spaced_or_overlong_ids() {
        assert!(UserId::parse("").is_none());
        assert!(UserId::parse("two words").is_none());
        assert!(UserId::parse("a<b").is_none());
        assert!(UserId::parse(&"x".repeat(321)).is_none());
    }

    #[test]
    fn user_lists_are_trimmed_and_deduplicated() {
        let ids = parse_user_list(" bob, carol,,bob ").expect("valid list");
        let names: Vec<&str> = ids.iter().map(UserId::as_str).collect();
        assert_eq!(names, ["bob", "carol"]);
        assert_eq!(parse_user_list("bob,no way"), Err("no way".to_owned()));
    }
}
