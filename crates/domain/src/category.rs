//! The category tree: names, paths, privacy settings and the rules that keep them coherent.

use std::fmt;

use crate::user::UserId;

/// `KalturaPrivacyType`: who may see the entries of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Privacy {
    All = 1,
    AuthenticatedUsers = 2,
    MembersOnly = 3,
}

impl Privacy {
    pub fn from_code(code: i64) -> Option<Privacy> {
        match code {
            1 => Some(Privacy::All),
            2 => Some(Privacy::AuthenticatedUsers),
            3 => Some(Privacy::MembersOnly),
            _ => None,
        }
    }
}

/// `KalturaAppearInListType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppearInList {
    PartnerOnly = 1,
    CategoryMembersOnly = 3,
}

impl AppearInList {
    pub fn from_code(code: i64) -> Option<AppearInList> {
        match code {
            1 => Some(AppearInList::PartnerOnly),
            3 => Some(AppearInList::CategoryMembersOnly),
            _ => None,
        }
    }
}

/// `KalturaInheritanceType`: whether members come from the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inheritance {
    Inherit = 1,
    Manual = 2,
}

impl Inheritance {
    pub fn from_code(code: i64) -> Option<Inheritance> {
        match code {
            1 => Some(Inheritance::Inherit),
            2 => Some(Inheritance::Manual),
            _ => None,
        }
    }
}

/// `KalturaUserJoinPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinPolicy {
    AutoJoin = 1,
    RequestToJoin = 2,
    NotAllowed = 3,
}

impl JoinPolicy {
    pub fn from_code(code: i64) -> Option<JoinPolicy> {
        match code {
            1 => Some(JoinPolicy::AutoJoin),
            2 => Some(JoinPolicy::RequestToJoin),
            3 => Some(JoinPolicy::NotAllowed),
            _ => None,
        }
    }
}

/// `KalturaContributionPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContributionPolicy {
    All = 1,
    MembersWithContributionPermission = 2,
}

impl ContributionPolicy {
    pub fn from_code(code: i64) -> Option<ContributionPolicy> {
        match code {
            1 => Some(ContributionPolicy::All),
            2 => Some(ContributionPolicy::MembersWithContributionPermission),
            _ => None,
        }
    }
}

/// Why a category change is refused. Each maps to one Kaltura error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryRuleError {
    #[error("category name is empty, longer than 200 characters or contains <, > or ,")]
    InvalidName,
    #[error("privacy context labels are letters and digits, at least 4 long")]
    InvalidPrivacyContext,
    #[error("a category cannot be moved below itself or one of its descendants")]
    ParentIsChild,
    #[error("members cannot be inherited without a parent category")]
    InheritWithoutParent,
    #[error("the field {0} needs a privacy context")]
    NeedsPrivacyContext(EntitlementField),
    #[error("the field {0} cannot be set on a category that inherits its members")]
    SetOnInheritingCategory(EntitlementField),
}

/// The category fields that only make sense where entitlement applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntitlementField {
    AppearInList,
    Inheritance,
    Privacy,
    Owner,
    UserJoinPolicy,
    ContributionPolicy,
    DefaultPermissionLevel,
}

impl fmt::Display for EntitlementField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            EntitlementField::AppearInList => "appearInList",
            EntitlementField::Inheritance => "inheritanceType",
            EntitlementField::Privacy => "privacy",
            EntitlementField::Owner => "owner",
            EntitlementField::UserJoinPolicy => "userJoinPolicy",
            EntitlementField::ContributionPolicy => "contributionPolicy",
            EntitlementField::DefaultPermissionLevel => "defaultPermissionLevel",
        };
        f.write_str(name)
    }
}

/// Trims and checks a category name: 1 to 200 characters, none of `<`, `>` or `,`, since
/// `>` separates the levels of a full name and `,` separates names in lists.
pub fn normalize_name(raw: &str) -> Result<String, CategoryRuleError> {
    let name = raw.trim();
    let len = name.chars().count();
    if len == 0 || len > 200 || name.contains(['<', '>', ',']) {
        return Err(CategoryRuleError::InvalidName);
    }
    Ok(name.to_owned())
}

/// Splits and checks a `privacyContext` value: comma-separated labels of ASCII letters and
/// digits, each at least 4 long. An empty value means "no context".
pub fn parse_privacy_contexts(raw: &str) -> Result<Vec<String>, CategoryRuleError> {
    let mut labels = Vec::new();
    for label in raw.split(',').map(str::trim).filter(|l| !l.is_empty()) {
        if label.len() < 4 || !label.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CategoryRuleError::InvalidPrivacyContext);
        }
        if !labels.iter().any(|l: &String| l == label) {
            labels.push(label.to_owned());
        }
    }
    Ok(labels)
}

/// The effective privacy contexts of a category: the parent's effective ones plus its own.
pub fn effective_contexts(parent: &[String], own: &[String]) -> Vec<String> {
    let mut all = parent.to_vec();
    for label in own {
        if !all.contains(label) {
            all.push(label.clone());
        }
    }
    all
}

/// Where a category sits in the tree: the names and ids from the root down to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CategoryPath {
    pub names: Vec<String>,
    pub ids: Vec<i64>,
}

impl CategoryPath {
    /// The path of a child named `name` with id `id` under this path.
    pub fn child(&self, id: i64, name: &str) -> CategoryPath {
        let mut path = self.clone();
        path.names.push(name.to_owned());
        path.ids.push(id);
        path
    }

    pub fn parse(full_name: &str, full_ids: &str) -> CategoryPath {
        let names = full_name.split('>').map(str::to_owned).collect();
        let ids = full_ids.split('>').filter_map(|i| i.parse().ok()).collect();
        CategoryPath { names, ids }
    }

    pub fn full_name(&self) -> String {
        self.names.join(">")
    }

    pub fn full_ids(&self) -> String {
        let ids: Vec<String> = self.ids.iter().map(i64::to_string).collect();
        ids.join(">")
    }

    /// Depth as Kaltura counts it: a root category has depth 0.
    pub fn depth(&self) -> i64 {
        self.ids.len() as i64 - 1
    }

    /// The ids above this category, nearest last.
    pub fn ancestors(&self) -> &[i64] {
        &self.ids[..self.ids.len().saturating_sub(1)]
    }
}

/// Refuses to move `category` under `new_parent` when the new parent is the category itself
/// or one of its descendants, which would make a loop.
pub fn check_move(category: i64, new_parent: &CategoryPath) -> Result<(), CategoryRuleError> {
    if new_parent.ids.contains(&category) {
        return Err(CategoryRuleError::ParentIsChild);
    }
    Ok(())
}

/// The entitlement settings of a category, as they would be after an add or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitlementSettings {
    pub has_context: bool,
    pub has_parent: bool,
    pub appear_in_list: AppearInList,
    pub inheritance: Inheritance,
    pub privacy: Privacy,
    pub owner_set: bool,
    pub join_policy: JoinPolicy,
    pub contribution: ContributionPolicy,
    pub default_level_is_member: bool,
}

/// Checks that entitlement settings other than the defaults only appear where a privacy
/// context applies, and that inheritance has a parent to inherit from.
pub fn check_entitlement_settings(s: &EntitlementSettings) -> Result<(), CategoryRuleError> {
    use EntitlementField as F;
    if s.inheritance == Inheritance::Inherit && !s.has_parent {
        return Err(CategoryRuleError::InheritWithoutParent);
    }
    if !s.has_context {
        let violations = [
            (
                s.appear_in_list != AppearInList::PartnerOnly,
                F::AppearInList,
            ),
            (s.inheritance != Inheritance::Manual, F::Inheritance),
            (s.privacy != Privacy::All, F::Privacy),
            (s.owner_set, F::Owner),
            (s.join_policy != JoinPolicy::NotAllowed, F::UserJoinPolicy),
            (
                s.contribution != ContributionPolicy::All,
                F::ContributionPolicy,
            ),
            (!s.default_level_is_member, F::DefaultPermissionLevel),
        ];
        if let Some((_, field)) = violations.into_iter().find(|(bad, _)| *bad) {
            return Err(CategoryRuleError::NeedsPrivacyContext(field));
        }
    }
    Ok(())
}

/// Refuses member-related fields sent for a category that inherits its members: its owner,
/// join policy and default level are those of the category it inherits them from.
pub fn check_inheriting_fields(
    inheritance: Inheritance,
    owner_set: bool,
    join_policy_set: bool,
    default_level_set: bool,
) -> Result<(), CategoryRuleError> {
    use EntitlementField as F;
    if inheritance != Inheritance::Inherit {
        return Ok(());
    }
    let sent = [
        (owner_set, F::Owner),
        (join_policy_set, F::UserJoinPolicy),
        (default_level_set, F::DefaultPermissionLevel),
    ];
    match sent.into_iter().find(|(set, _)| *set) {
        Some((_, field)) => Err(CategoryRuleError::SetOnInheritingCategory(field)),
        None => Ok(()),
    }
}

/// The owner of a new category: the one asked for; otherwise, when the category sets a
/// privacy context of its own (it opens an entitlement area, as a portal's or an LMS app's
/// root does) and manages its own members, the user creating it, so that someone can manage
/// it. As in Kaltura, a context inherited from above does not count: the categories below a
/// root are managed from the root.
pub fn default_owner(
    requested: Option<UserId>,
    sets_own_context: bool,
    inheritance: Inheritance,
    creator: Option<&UserId>,
) -> Option<UserId> {
    requested.or_else(|| {
        (sets_own_context && inheritance == Inheritance::Manual)
            .then(|| creator.cloned())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_separators_refused() {
        assert_eq!(normalize_name("  Biology "), Ok("Biology".to_owned()));
        assert_eq!(normalize_name("a>b"), Err(CategoryRuleError::InvalidName));
        assert_eq!(normalize_name("a,b"), Err(CategoryRuleError::InvalidName));
        assert_eq!(normalize_name("   "), Err(CategoryRuleError::InvalidName));
    }

    #[test]
    fn privacy_context_labels_need_four_alphanumerics() {
        assert_eq!(
            parse_privacy_contexts("MediaSpace,kaf1"),
            Ok(vec!["MediaSpace".into(), "kaf1".into()])
        );
        assert!(parse_privacy_contexts("abc").is_err());
        assert!(parse_privacy_contexts("with space").is_err());
        assert_eq!(parse_privacy_contexts(""), Ok(vec![]));
    }

    #[test]
    fn paths_join_names_and_ids_with_gt() {
        let root = CategoryPath::default().child(12, "MediaSpace");
        let site = root.child(34, "site");
        assert_eq!(site.full_name(), "MediaSpace>site");
        assert_eq!(site.full_ids(), "12>34");
        assert_eq!(site.depth(), 1);
        assert_eq!(site.ancestors(), &[12]);
        assert_eq!(CategoryPath::parse("MediaSpace>site", "12>34"), site);
    }

    #[test]
    fn moving_below_a_descendant_is_refused() {
        let path = CategoryPath::parse("a>b>c", "1>2>3");
        assert_eq!(check_move(2, &path), Err(CategoryRuleError::ParentIsChild));
        assert_eq!(check_move(9, &path), Ok(()));
    }

    #[test]
    fn privacy_needs_a_context() {
        let settings = EntitlementSettings {
            has_context: false,
            has_parent: false,
            appear_in_list: AppearInList::PartnerOnly,
            inheritance: Inheritance::Manual,
            privacy: Privacy::MembersOnly,
            owner_set: false,
            join_policy: JoinPolicy::NotAllowed,
            contribution: ContributionPolicy::All,
            default_level_is_member: true,
        };
        assert_eq!(
            check_entitlement_settings(&settings),
            Err(CategoryRuleError::NeedsPrivacyContext(
                EntitlementField::Privacy
            ))
        );
        let with_context = EntitlementSettings {
            has_context: true,
            ..settings
        };
        assert_eq!(check_entitlement_settings(&with_context), Ok(()));
    }

    #[test]
    fn inheriting_categories_take_no_member_fields() {
        assert_eq!(
            check_inheriting_fields(Inheritance::Inherit, false, true, true),
            Err(CategoryRuleError::SetOnInheritingCategory(
                EntitlementField::UserJoinPolicy
            ))
        );
        assert_eq!(
            check_inheriting_fields(Inheritance::Inherit, false, false, false),
            Ok(())
        );
        assert_eq!(
            check_inheriting_fields(Inheritance::Manual, true, true, true),
            Ok(())
        );
    }

    #[test]
    fn the_creator_owns_a_new_category_that_opens_a_context_of_its_own() {
        let creator = UserId::parse("admin").expect("valid id");
        let asked = UserId::parse("olga").expect("valid id");
        let owner = |requested: Option<UserId>, context, inheritance| {
            default_owner(requested, context, inheritance, Some(&creator))
        };
        assert_eq!(
            owner(None, true, Inheritance::Manual),
            Some(creator.clone())
        );
        assert_eq!(owner(None, false, Inheritance::Manual), None);
        assert_eq!(owner(None, true, Inheritance::Inherit), None);
        assert_eq!(
            owner(Some(asked.clone()), false, Inheritance::Manual),
            Some(asked)
        );
    }
}
