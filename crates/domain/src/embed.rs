//! Embeds in LMS courses: what happens when an entry is embedded, and when a course member
//! opens the embed of an entry that is no longer published in the course. The player stays
//! on the LMS page in every case; these rules only decide whether it plays.

/// The `browseandembed.autoRepublish` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoRepublish {
    /// Re-publish the entry to the course's `InContext` and play, even if its owner made it
    /// private.
    Yes,
    /// Show that the entry is not available in this course.
    No,
    /// Re-publish unless the owner removed it from this course or made it private after
    /// the embed.
    RespectPrivate,
}

impl AutoRepublish {
    pub fn parse(raw: &str) -> Option<AutoRepublish> {
        match raw {
            "Yes" => Some(AutoRepublish::Yes),
            "No" => Some(AutoRepublish::No),
            "RespectPrivate" => Some(AutoRepublish::RespectPrivate),
            _ => None,
        }
    }
}

/// What opening an embed does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedOpening {
    /// The entry is published in the course: it plays.
    Play,
    /// It is not, and is added to the course's `InContext` on behalf of the viewer, then
    /// plays.
    RepublishAndPlay,
    /// It is not, and stays so: the player says it is not available in this course.
    NotAvailable,
}

/// The facts an opening is decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedFacts {
    /// Active in the course's gallery or its `InContext`.
    pub published_in_course: bool,
    /// Whether the viewer is a member of the course (a launch from it made them one).
    pub viewer_in_course: bool,
    /// Whether the entry's owner removed it from the course's categories after the embed
    /// was made (unpublishing it, or removing it from the course).
    pub owner_withdrew_after_embed: bool,
    /// Whether the entry still exists.
    pub entry_exists: bool,
}

/// Decides what opening an embed does, by the app's `autoRepublish` setting.
pub fn open_embed(setting: AutoRepublish, facts: EmbedFacts) -> EmbedOpening {
    if !facts.entry_exists || !facts.viewer_in_course {
        return EmbedOpening::NotAvailable;
    }
    if facts.published_in_course {
        return EmbedOpening::Play;
    }
    match setting {
        AutoRepublish::Yes => EmbedOpening::RepublishAndPlay,
        AutoRepublish::No => EmbedOpening::NotAvailable,
        AutoRepublish::RespectPrivate if facts.owner_withdrew_after_embed => {
            EmbedOpening::NotAvailable
        }
        AutoRepublish::RespectPrivate => EmbedOpening::RepublishAndPlay,
    }
}

/// Whether embedding an entry publishes it to the course's `InContext`: only when its
/// owner embeds it, since only the owner may decide to put it in front of the course.
pub fn embed_publishes(embedder_is_owner: bool) -> bool {
    embedder_is_owner
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(published: bool, withdrew: bool) -> EmbedFacts {
        EmbedFacts {
            published_in_course: published,
            viewer_in_course: true,
            owner_withdrew_after_embed: withdrew,
            entry_exists: true,
        }
    }

    #[test]
    fn an_entry_published_in_the_course_plays_whatever_the_setting() {
        for setting in [
            AutoRepublish::Yes,
            AutoRepublish::No,
            AutoRepublish::RespectPrivate,
        ] {
            assert_eq!(open_embed(setting, facts(true, true)), EmbedOpening::Play);
        }
    }

    #[test]
    fn yes_republishes_even_what_the_owner_made_private() {
        assert_eq!(
            open_embed(AutoRepublish::Yes, facts(false, true)),
            EmbedOpening::RepublishAndPlay
        );
    }

    #[test]
    fn no_shows_that_the_entry_is_not_available() {
        assert_eq!(
            open_embed(AutoRepublish::No, facts(false, false)),
            EmbedOpening::NotAvailable
        );
    }

    #[test]
    fn respect_private_republishes_unless_the_owner_withdrew_it_after_the_embed() {
        let rule = AutoRepublish::RespectPrivate;
        assert_eq!(
            open_embed(rule, facts(false, false)),
            EmbedOpening::RepublishAndPlay
        );
        assert_eq!(
            open_embed(rule, facts(false, true)),
            EmbedOpening::NotAvailable
        );
    }

    #[test]
    fn only_the_owners_embed_publishes() {
        assert!(embed_publishes(true));
        assert!(!embed_publishes(false));
    }

    proptest! {
        #[test]
        fn nothing_plays_for_someone_outside_the_course_or_after_deletion(
            published: bool, withdrew: bool, member: bool, exists: bool,
            setting in prop_oneof![
                Just(AutoRepublish::Yes),
                Just(AutoRepublish::No),
                Just(AutoRepublish::RespectPrivate),
            ],
        ) {
            let f = EmbedFacts {
                published_in_course: published,
                viewer_in_course: member,
                owner_withdrew_after_embed: withdrew,
                entry_exists: exists,
            };
            let opening = open_embed(setting, f);
            if !member || !exists {
                prop_assert_eq!(opening, EmbedOpening::NotAvailable);
            }
            // Re-publishing happens only where the entry was not published already.
            if opening == EmbedOpening::RepublishAndPlay {
                prop_assert!(!published);
                prop_assert!(setting != AutoRepublish::No);
            }
        }
    }
}
