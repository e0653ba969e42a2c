//! User-created channels: who may create them, and what each privacy type of a channel
//! means as category fields (who sees it, who contributes).

use crate::roles::AppRole;

/// The privacy types a channel's creator picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelType {
    /// Logged-in users view and contribute.
    Open,
    /// Logged-in users view; members contribute.
    Restricted,
    /// Members only, and the channel is listed to members only.
    Private,
    /// Members only; members may republish its media to other channels.
    SharedRepository,
    /// Anyone views, anonymous visitors included; members contribute.
    PublicRestricted,
    /// Anyone views; logged-in users contribute.
    PublicOpen,
}

/// The category fields a channel type sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelFields {
    /// 1 anyone, 2 logged-in users, 3 members only.
    pub privacy: i64,
    /// 1 listed to the partner, 3 listed to members only.
    pub appear_in_list: i64,
    /// 1 anyone who may see it, 2 members with contribution permission.
    pub contribution_policy: i64,
}

impl ChannelType {
    pub const ALL: [ChannelType; 6] = [
        ChannelType::Open,
        ChannelType::Restricted,
        ChannelType::Private,
        ChannelType::SharedRepository,
        ChannelType::PublicRestricted,
        ChannelType::PublicOpen,
    ];

    pub fn parse(raw: &str) -> Option<ChannelType> {
        ChannelType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelType::Open => "open",
            ChannelType::Restricted => "restricted",
            ChannelType::Private => "private",
            ChannelType::SharedRepository => "shared",
            ChannelType::PublicRestricted => "public-restricted",
            ChannelType::PublicOpen => "public-open",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChannelType::Open => "Open: logged-in users view and add media",
            ChannelType::Restricted => "Restricted: logged-in users view, members add media",
            ChannelType::Private => "Private: members only",
            ChannelType::SharedRepository => {
                "Shared repository: members only, who may reuse its media"
            }
            ChannelType::PublicRestricted => "Public, restricted: anyone views, members add media",
            ChannelType::PublicOpen => "Public, open: anyone views, logged-in users add media",
        }
    }

    pub fn fields(self) -> ChannelFields {
        let (privacy, appear_in_list, contribution_policy) = match self {
            ChannelType::Open => (2, 1, 1),
            ChannelType::Restricted => (2, 1, 2),
            ChannelType::Private => (3, 3, 2),
            ChannelType::SharedRepository => (3, 1, 2),
            ChannelType::PublicRestricted => (1, 1, 2),
            ChannelType::PublicOpen => (1, 1, 1),
        };
        ChannelFields {
            privacy,
            appear_in_list,
            contribution_policy,
        }
    }
}

/// Whether a user with this role may create channels: anyone who keeps their own media.
pub fn may_create_channel(role: AppRole) -> bool {
    role.has_my_media()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_type_reads_back_from_its_name() {
        for t in ChannelType::ALL {
            assert_eq!(ChannelType::parse(t.as_str()), Some(t));
        }
        assert_eq!(ChannelType::parse("secret"), None);
    }

    #[test]
    fn private_channels_are_members_only_and_unlisted() {
        let f = ChannelType::Private.fields();
        assert_eq!(
            (f.privacy, f.appear_in_list, f.contribution_policy),
            (3, 3, 2)
        );
    }

    #[test]
    fn open_channels_take_contributions_from_anyone_who_sees_them() {
        assert_eq!(ChannelType::Open.fields().contribution_policy, 1);
        assert_eq!(ChannelType::PublicOpen.fields().privacy, 1);
        assert_eq!(ChannelType::Restricted.fields().contribution_policy, 2);
    }

    #[test]
    fn viewers_may_not_create_channels_but_media_keepers_may() {
        assert!(!may_create_channel(AppRole::Viewer));
        assert!(!may_create_channel(AppRole::Anonymous));
        assert!(may_create_channel(AppRole::PrivateOnly));
        assert!(may_create_channel(AppRole::Admin));
    }
}
