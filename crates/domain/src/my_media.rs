//! My Media: the entries a user owns or collaborates on, the same set in every app of the
//! partner, and the filters people use on it.

use crate::user::UserId;

/// Which of the user's entries to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ownership {
    /// Owned, or any kind of collaboration.
    #[default]
    All,
    Owned,
    /// Owned, or co-editor.
    CanEdit,
    /// Owned, co-editor or co-publisher.
    CanPublish,
}

impl Ownership {
    pub fn parse(raw: &str) -> Option<Ownership> {
        match raw {
            "" | "all" => Some(Ownership::All),
            "owned" => Some(Ownership::Owned),
            "can-edit" => Some(Ownership::CanEdit),
            "can-publish" => Some(Ownership::CanPublish),
            _ => None,
        }
    }

    /// The collaborator roles (1 edit, 2 publish, 3 view) that count besides ownership.
    pub fn collaborator_roles(self) -> &'static [i64] {
        match self {
            Ownership::All => &[1, 2, 3],
            Ownership::Owned => &[],
            Ownership::CanEdit => &[1],
            Ownership::CanPublish => &[1, 2],
        }
    }
}

/// Where an entry stands in publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishState {
    /// In no category, or only in rejected ones.
    Private,
    /// Active in at least one category.
    Published,
    /// Waiting for a moderator in at least one category.
    Pending,
    /// Rejected in at least one category.
    Rejected,
}

impl PublishState {
    pub fn parse(raw: &str) -> Option<PublishState> {
        match raw {
            "private" => Some(PublishState::Private),
            "published" => Some(PublishState::Published),
            "pending" => Some(PublishState::Pending),
            "rejected" => Some(PublishState::Rejected),
            _ => None,
        }
    }
}

/// How My Media is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    Name,
    Plays,
}

impl Sort {
    pub fn parse(raw: &str) -> Option<Sort> {
        match raw {
            "" | "newest" => Some(Sort::Newest),
            "oldest" => Some(Sort::Oldest),
            "name" => Some(Sort::Name),
            "plays" => Some(Sort::Plays),
            _ => None,
        }
    }
}

/// A My Media query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyMediaQuery {
    pub user: UserId,
    pub media_type: Option<i64>,
    pub ownership: Ownership,
    pub publish_state: Option<PublishState>,
    /// Words that must each appear in the name, description or tags.
    pub keywords: Vec<String>,
    pub sort: Sort,
    pub page: i64,
    pub page_size: i64,
}

impl MyMediaQuery {
    pub fn new(user: UserId) -> MyMediaQuery {
        MyMediaQuery {
            user,
            media_type: None,
            ownership: Ownership::All,
            publish_state: None,
            keywords: Vec::new(),
            sort: Sort::Newest,
            page: 1,
            page_size: 50,
        }
    }

    /// Splits a search box's text into keywords.
    pub fn with_keywords(mut self, text: &str) -> MyMediaQuery {
        self.keywords = text.split_whitespace().map(str::to_lowercase).collect();
        self
    }

    pub fn offset(&self) -> i64 {
        (self.page.max(1) - 1).saturating_mul(self.page_size)
    }
}

/// The publish state of an entry from the statuses of its publications (1 pending, 2 active,
/// 4 rejected), most significant first: published, pending, rejected, private.
pub fn publish_state(statuses: &[i64]) -> PublishState {
    if statuses.contains(&2) {
        PublishState::Published
    } else if statuses.contains(&1) {
        PublishState::Pending
    } else if statuses.contains(&4) {
        PublishState::Rejected
    } else {
        PublishState::Private
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_active_publication_makes_an_entry_published_whatever_else() {
        assert_eq!(publish_state(&[4, 1, 2]), PublishState::Published);
        assert_eq!(publish_state(&[4, 1]), PublishState::Pending);
        assert_eq!(publish_state(&[4]), PublishState::Rejected);
        assert_eq!(publish_state(&[]), PublishState::Private);
    }

    #[test]
    fn ownership_filters_name_the_collaborations_that_count() {
        assert_eq!(Ownership::Owned.collaborator_roles(), &[] as &[i64]);
        assert_eq!(Ownership::CanPublish.collaborator_roles(), &[1, 2]);
        assert_eq!(Ownership::parse("can-edit"), Some(Ownership::CanEdit));
        assert_eq!(Ownership::parse("mine"), None);
    }

    #[test]
    fn keywords_are_lower_cased_words() {
        let user = UserId::parse("ann").expect("valid");
        let q = MyMediaQuery::new(user).with_keywords("  Cell  BIOLOGY ");
        assert_eq!(q.keywords, ["cell", "biology"]);
        assert_eq!(q.offset(), 0);
    }
}
