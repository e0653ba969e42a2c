"""category service (reference §4.5)."""

from KalturaClient.Plugins.Core import *  # noqa: F401,F403


def contexts(category):
    return set(filter(None, (category.privacyContexts or "").split(",")))


def rename(name):
    change = KalturaCategory()
    change.name = name
    return change


def reparent(parent_id):
    change = KalturaCategory()
    change.parentId = parent_id
    return change


# --- add / get -----------------------------------------------------------------------


def test_category_add_at_the_root_has_depth_zero_and_kaltura_defaults(api, admin):
    name = api.uid("Root")

    category = api.add_category(admin, name)

    assert isinstance(category, KalturaCategory)
    assert category.id > 0
    assert category.partnerId == api.partner.id
    assert category.name == name
    assert category.parentId == 0
    assert category.depth == 0
    assert category.fullName == name
    assert category.fullIds == str(category.id)
    assert category.status.getValue() == KalturaCategoryStatus.ACTIVE
    assert category.appearInList.getValue() == KalturaAppearInListType.PARTNER_ONLY
    assert category.privacy.getValue() == KalturaPrivacyType.ALL
    assert category.inheritanceType.getValue() == KalturaInheritanceType.MANUAL
    assert category.userJoinPolicy.getValue() == KalturaUserJoinPolicyType.NOT_ALLOWED
    assert category.defaultPermissionLevel.getValue() == KalturaCategoryUserPermissionLevel.MEMBER
    assert category.contributionPolicy.getValue() == KalturaContributionPolicyType.ALL
    assert category.entriesCount == 0
    assert category.directEntriesCount == 0
    assert category.directSubCategoriesCount == 0


def test_category_add_under_a_parent_builds_full_name_full_ids_and_depth(api, admin):
    root = api.add_category(admin, api.uid("Site"))
    child = api.add_category(admin, "channels", root.id)

    grandchild = api.add_category(admin, "Math", child.id)

    assert grandchild.parentId == child.id
    assert grandchild.depth == 2
    assert grandchild.fullName == f"{root.name}>channels>Math"
    assert grandchild.fullIds == f"{root.id}>{child.id}>{grandchild.id}"


def test_category_add_trims_the_name(api, admin):
    name = api.uid("padded")

    category = api.add_category(admin, f"  {name}  ")

    assert category.name == name
    assert category.fullName == name


def test_category_get_returns_the_stored_category(api, admin):
    created = api.add_category(admin, description="about", tags="t1")

    fetched = admin.category.get(created.id)

    assert fetched.id == created.id
    assert fetched.fullName == created.fullName
    assert fetched.description == "about"
    assert fetched.tags == "t1"


def test_category_get_of_an_unknown_id_is_category_not_found(api, admin):
    with api.error("CATEGORY_NOT_FOUND", 'Category id "987654321" not found'):
        admin.category.get(987654321)


def test_category_add_under_a_missing_parent_is_parent_category_not_found(api, admin):
    with api.error("PARENT_CATEGORY_NOT_FOUND"):
        api.add_category(admin, parent_id=987654321)


def test_category_name_with_a_greater_than_sign_is_refused(api, admin):
    with api.error("CATEGORY_NAME_CONTAINS_INVALID_CHARS"):
        api.add_category(admin, "a>b")


def test_category_name_with_a_comma_is_refused(api, admin):
    with api.error("CATEGORY_NAME_CONTAINS_INVALID_CHARS"):
        api.add_category(admin, "a,b")


def test_category_rename_to_a_name_with_invalid_chars_is_refused(api, admin):
    created = api.add_category(admin)

    with api.error("CATEGORY_NAME_CONTAINS_INVALID_CHARS"):
        admin.category.update(created.id, rename("x>y"))
    assert admin.category.get(created.id).name == created.name


def test_category_with_an_existing_full_name_is_duplicate_category(api, admin):
    root = api.add_category(admin)
    api.add_category(admin, "Twin", root.id)

    with api.error("DUPLICATE_CATEGORY", f'The category "{root.name}>Twin" already exists'):
        api.add_category(admin, "Twin", root.id)


def test_category_same_name_under_different_parents_is_allowed(api, admin):
    first, second = api.add_category(admin), api.add_category(admin)

    a = api.add_category(admin, "Shared", first.id)
    b = api.add_category(admin, "Shared", second.id)

    assert a.id != b.id
    assert a.fullName == f"{first.name}>Shared"
    assert b.fullName == f"{second.name}>Shared"


def test_category_add_is_forbidden_for_a_user_ks(api):
    with api.error("SERVICE_FORBIDDEN", "The access to service [category->add] is forbidden"):
        api.add_category(api.user(api.uid("user")))


# --- update: rename and move -------------------------------------------------------


def test_category_rename_updates_full_names_of_all_descendants(api, admin):
    root = api.add_category(admin)
    child = api.add_category(admin, "child", root.id)
    grandchild = api.add_category(admin, "grandchild", child.id)
    new_root_name = api.uid("Renamed")

    updated = admin.category.update(root.id, rename(new_root_name))

    assert updated.name == new_root_name
    assert updated.fullName == new_root_name
    assert admin.category.get(child.id).fullName == f"{new_root_name}>child"
    assert admin.category.get(grandchild.id).fullName == f"{new_root_name}>child>grandchild"
    assert admin.category.get(grandchild.id).fullIds == grandchild.fullIds


def test_category_rename_onto_a_sibling_name_is_duplicate_category(api, admin):
    root = api.add_category(admin)
    api.add_category(admin, "left", root.id)
    right = api.add_category(admin, "right", root.id)

    with api.error("DUPLICATE_CATEGORY"):
        admin.category.update(right.id, rename("left"))
    assert admin.category.get(right.id).name == "right"


def test_category_move_updates_full_ids_full_name_and_depth_of_the_subtree(api, admin):
    old_parent, new_root = api.add_category(admin), api.add_category(admin)
    new_parent = api.add_category(admin, "deeper", new_root.id)
    moved = api.add_category(admin, "moved", old_parent.id)
    below = api.add_category(admin, "below", moved.id)

    updated = admin.category.update(moved.id, reparent(new_parent.id))

    assert updated.parentId == new_parent.id
    assert updated.depth == 2
    assert updated.fullName == f"{new_root.name}>deeper>moved"
    assert updated.fullIds == f"{new_root.id}>{new_parent.id}>{moved.id}"
    below_now = admin.category.get(below.id)
    assert below_now.depth == 3
    assert below_now.fullName == f"{new_root.name}>deeper>moved>below"
    assert below_now.fullIds == f"{new_root.id}>{new_parent.id}>{moved.id}>{below.id}"


def test_category_move_to_the_root_makes_it_depth_zero(api, admin):
    parent = api.add_category(admin)
    child = api.add_category(admin, api.uid("solo"), parent.id)

    updated = admin.category.update(child.id, reparent(0))

    assert updated.depth == 0
    assert updated.fullName == child.name
    assert updated.fullIds == str(child.id)


def test_category_move_under_its_own_descendant_is_parent_category_is_child(api, admin):
    root = api.add_category(admin)
    child = api.add_category(admin, "child", root.id)
    grandchild = api.add_category(admin, "grandchild", child.id)

    with api.error("PARENT_CATEGORY_IS_CHILD"):
        admin.category.update(root.id, reparent(grandchild.id))
    assert admin.category.get(root.id).parentId == 0
    assert admin.category.get(grandchild.id).fullIds == grandchild.fullIds


def test_category_move_under_itself_is_parent_category_is_child(api, admin):
    category = api.add_category(admin)

    with api.error("PARENT_CATEGORY_IS_CHILD"):
        admin.category.update(category.id, reparent(category.id))


# --- privacy context -------------------------------------------------------------------


def test_category_privacy_context_is_inherited_by_descendants(api, admin):
    context = api.token("ctx")
    root = api.add_category(admin, privacyContext=context)
    child = api.add_category(admin, "child", root.id)
    grandchild = api.add_category(admin, "grandchild", child.id)

    assert root.privacyContext == context
    assert contexts(root) == {context}
    assert contexts(admin.category.get(child.id)) == {context}
    assert contexts(admin.category.get(grandchild.id)) == {context}


def test_category_own_privacy_context_adds_to_the_inherited_ones(api, admin):
    outer, inner = api.token("outer"), api.token("inner")
    root = api.add_category(admin, privacyContext=outer)

    child = api.add_category(admin, "child", root.id, privacyContext=inner)

    assert child.privacyContext == inner
    assert contexts(child) == {outer, inner}


def test_category_moved_under_a_context_takes_on_that_context(api, admin):
    context = api.token("ctx")
    target = api.add_category(admin, privacyContext=context)
    loose = api.add_category(admin)
    below = api.add_category(admin, "below", loose.id)

    admin.category.update(loose.id, reparent(target.id))

    assert contexts(admin.category.get(loose.id)) == {context}
    assert contexts(admin.category.get(below.id)) == {context}


def test_category_privacy_context_set_while_entitlement_is_enforced_is_refused(api):
    enforced_admin = api.admin(privileges="")

    with api.error("CANNOT_UPDATE_CATEGORY_PRIVACY_CONTEXT"):
        api.add_category(enforced_admin, privacyContext=api.token("ctx"))


def test_category_privacy_context_update_while_entitlement_is_enforced_is_refused(api, admin):
    context, manager = api.token("ctx"), api.uid("manager")
    category = api.add_category(admin, privacyContext=context, owner=manager)
    enforced_manager = api.admin(privileges=f"privacycontext:{context}", user_id=manager)
    change = KalturaCategory()
    change.privacyContext = api.token("other")

    with api.error("CANNOT_UPDATE_CATEGORY_PRIVACY_CONTEXT"):
        enforced_manager.category.update(category.id, change)
    assert admin.category.get(category.id).privacyContext == context


def test_category_privacy_context_shorter_than_four_chars_is_refused(api, admin):
    with api.error("PRIVACY_CONTEXT_INVALID_STRING"):
        api.add_category(admin, privacyContext="abc")


def test_category_privacy_context_with_punctuation_is_refused(api, admin):
    with api.error("PRIVACY_CONTEXT_INVALID_STRING"):
        api.add_category(admin, privacyContext="media-space")


def test_category_privacy_field_without_a_privacy_context_is_refused(api, admin):
    with api.error("CANNOT_SET_PRIVACY_FIELD_WITH_NO_PRIVACY_CONTEXT"):
        api.add_category(admin, privacy=KalturaPrivacyType.MEMBERS_ONLY)


def test_category_owner_without_a_privacy_context_is_refused(api, admin):
    with api.error("CANNOT_SET_OWNER_FIELD_WITH_NO_PRIVACY_CONTEXT"):
        api.add_category(admin, owner=api.uid("owner"))


# --- owner and members ---------------------------------------------------------------


def test_category_owner_becomes_an_active_manager_member(api, admin):
    owner = api.uid("owner")

    category = api.add_category(admin, privacyContext=api.token("ctx"), owner=owner)

    assert category.owner == owner
    member = admin.categoryUser.get(category.id, owner)
    assert member.permissionLevel.getValue() == KalturaCategoryUserPermissionLevel.MANAGER
    assert member.status.getValue() == KalturaCategoryUserStatus.ACTIVE
    assert admin.category.get(category.id).membersCount == 1


def test_category_with_a_context_and_no_owner_is_owned_by_the_session_user(api, admin):
    category = api.add_category(admin, privacyContext=api.token("ctx"))

    assert category.owner == api.ADMIN_USER
    member = admin.categoryUser.get(category.id, api.ADMIN_USER)
    assert member.permissionLevel.getValue() == KalturaCategoryUserPermissionLevel.MANAGER


def test_category_update_under_enforced_entitlement_by_a_non_manager_is_refused(api, admin):
    category = api.add_category(admin)

    with api.error("NOT_ENTITLED_TO_UPDATE_CATEGORY"):
        api.admin(privileges="").category.update(category.id, rename(api.uid("nope")))
    assert admin.category.get(category.id).name == category.name


def test_category_update_under_enforced_entitlement_by_its_manager_is_allowed(api, admin):
    context, manager = api.token("ctx"), api.uid("manager")
    category = api.add_category(admin, privacyContext=context, owner=manager)
    new_name = api.uid("managed")

    updated = api.admin(privileges=f"privacycontext:{context}", user_id=manager).category.update(
        category.id, rename(new_name)
    )

    assert updated.name == new_name


# --- counters -------------------------------------------------------------------------


def test_category_counters_count_direct_and_descendant_entries_and_subcategories(api, admin):
    root = api.add_category(admin)
    child = api.add_category(admin, "child", root.id)
    api.add_category(admin, "other", root.id)
    for _ in range(2):
        api.publish(admin, api.add_entry(admin).id, child.id)
    api.publish(admin, api.add_entry(admin).id, root.id)

    root_now, child_now = admin.category.get(root.id), admin.category.get(child.id)

    assert root_now.directSubCategoriesCount == 2
    assert root_now.directEntriesCount == 1
    assert root_now.entriesCount == 3
    assert child_now.directEntriesCount == 2
    assert child_now.entriesCount == 2
    assert child_now.directSubCategoriesCount == 0


def test_category_entry_counters_drop_when_an_entry_is_removed(api, admin):
    root = api.add_category(admin)
    child = api.add_category(admin, "child", root.id)
    entry = api.add_entry(admin)
    api.publish(admin, entry.id, child.id)

    admin.categoryEntry.delete(entry.id, child.id)

    assert admin.category.get(child.id).directEntriesCount == 0
    assert admin.category.get(root.id).entriesCount == 0


def test_category_members_count_follows_category_users(api, admin):
    category = api.add_category(admin, privacyContext=api.token("ctx"))
    for _ in range(2):
        member = KalturaCategoryUser()
        member.categoryId = category.id
        member.userId = api.uid("member")
        admin.categoryUser.add(member)

    assert admin.category.get(category.id).membersCount == 3


# --- delete ---------------------------------------------------------------------------


def test_category_delete_hides_the_category_from_get_and_list(api, admin):
    category = api.add_category(admin)

    admin.category.delete(category.id)

    with api.error("CATEGORY_NOT_FOUND"):
        admin.category.get(category.id)
    flt = KalturaCategoryFilter()
    flt.idEqual = category.id
    assert admin.category.list(flt).totalCount == 0


def test_category_delete_moving_entries_to_parent_keeps_them_published_there(api, admin):
    parent = api.add_category(admin)
    child = api.add_category(admin, "child", parent.id)
    entry = api.add_entry(admin)
    api.publish(admin, entry.id, child.id)

    admin.category.delete(child.id, 1)

    links = KalturaCategoryEntryFilter()
    links.entryIdEqual = entry.id
    listed = admin.categoryEntry.list(links)
    assert [l.categoryId for l in listed.objects] == [parent.id]
    assert admin.media.get(entry.id).categoriesIds == str(parent.id)


def test_category_delete_without_moving_entries_unpublishes_them(api, admin):
    parent = api.add_category(admin)
    child = api.add_category(admin, "child", parent.id)
    entry = api.add_entry(admin)
    api.publish(admin, entry.id, child.id)

    admin.category.delete(child.id, 0)

    links = KalturaCategoryEntryFilter()
    links.entryIdEqual = entry.id
    assert admin.categoryEntry.list(links).totalCount == 0
    assert admin.media.get(entry.id).categoriesIds in (NotImplemented, "", None)


def test_category_delete_of_a_child_lowers_the_parent_sub_category_count(api, admin):
    parent = api.add_category(admin)
    child = api.add_category(admin, "child", parent.id)
    api.add_category(admin, "sibling", parent.id)

    admin.category.delete(child.id)

    assert admin.category.get(parent.id).directSubCategoriesCount == 1


# --- list -------------------------------------------------------------------------------


def test_category_list_filters_by_parent_and_orders_by_name(api, admin):
    parent = api.add_category(admin)
    for name in ("beta", "alpha", "gamma"):
        api.add_category(admin, name, parent.id)
    flt = KalturaCategoryFilter()
    flt.parentIdEqual = parent.id
    flt.orderBy = KalturaCategoryOrderBy.NAME_ASC

    result = admin.category.list(flt)

    assert isinstance(result, KalturaCategoryListResponse)
    assert result.totalCount == 3
    assert [c.name for c in result.objects] == ["alpha", "beta", "gamma"]


def test_category_list_default_order_is_by_depth(api, admin):
    root = api.add_category(admin)
    child = api.add_category(admin, "child", root.id)
    grandchild = api.add_category(admin, "grandchild", child.id)
    flt = KalturaCategoryFilter()
    flt.idIn = f"{grandchild.id},{root.id},{child.id}"

    result = admin.category.list(flt)

    assert [c.id for c in result.objects] == [root.id, child.id, grandchild.id]


def test_category_list_filters_by_full_name_starts_with(api, admin):
    root = api.add_category(admin)
    child = api.add_category(admin, "child", root.id)
    api.add_category(admin)
    flt = KalturaCategoryFilter()
    flt.fullNameStartsWith = root.name
    flt.orderBy = KalturaCategoryOrderBy.DEPTH_ASC

    result = admin.category.list(flt)

    assert [c.id for c in result.objects] == [root.id, child.id]


def test_category_list_filters_by_ancestor_id_to_descendants_only(api, admin):
    root = api.add_category(admin)
    child = api.add_category(admin, "child", root.id)
    grandchild = api.add_category(admin, "grandchild", child.id)
    flt = KalturaCategoryFilter()
    flt.ancestorIdIn = str(root.id)

    result = admin.category.list(flt)

    assert sorted(c.id for c in result.objects) == sorted([child.id, grandchild.id])
