"""categoryEntry service: publishing entries to categories (reference §4.6)."""

from KalturaClient.Plugins.Core import *  # noqa: F401,F403

PENDING = KalturaCategoryEntryStatus.PENDING
ACTIVE = KalturaCategoryEntryStatus.ACTIVE
REJECTED = KalturaCategoryEntryStatus.REJECTED


def links_of(client, entry_id=None, category_id=None, **fields):
    flt = KalturaCategoryEntryFilter()
    if entry_id is not None:
        flt.entryIdEqual = entry_id
    if category_id is not None:
        flt.categoryIdEqual = category_id
    for key, value in fields.items():
        setattr(flt, key, value)
    return client.categoryEntry.list(flt)


def statuses(result):
    return [(l.entryId, l.categoryId, l.status.getValue()) for l in result.objects]


def moderated_category(api, admin, **fields):
    return api.add_category(admin, moderation=KalturaNullableBoolean.TRUE_VALUE, **fields)


# --- add -----------------------------------------------------------------------------


def test_category_entry_add_returns_an_active_link_with_the_category_full_ids(api, admin):
    root = api.add_category(admin)
    category = api.add_category(admin, "child", root.id)
    entry = api.add_entry(admin)

    link = api.publish(admin, entry.id, category.id)

    assert isinstance(link, KalturaCategoryEntry)
    assert link.entryId == entry.id
    assert link.categoryId == category.id
    assert link.status.getValue() == ACTIVE
    assert link.categoryFullIds == f"{root.id}>{category.id}"
    assert link.creatorUserId == api.ADMIN_USER
    assert link.createdAt > 0


def test_published_entry_lists_the_category_in_categories_and_categories_ids(api, admin):
    category = api.add_category(admin)
    entry = api.add_entry(admin)

    api.publish(admin, entry.id, category.id)

    fetched = admin.media.get(entry.id)
    assert fetched.categoriesIds == str(category.id)
    assert fetched.categories == category.fullName


def test_entry_categories_ids_leave_out_categories_with_a_privacy_context(api, admin):
    plain = api.add_category(admin)
    private = api.add_category(admin, privacyContext=api.token("ctx"))
    entry = api.add_entry(admin)
    api.publish(admin, entry.id, plain.id)

    api.publish(admin, entry.id, private.id)

    fetched = admin.media.get(entry.id)
    assert fetched.categoriesIds == str(plain.id)
    assert fetched.categories == plain.fullName
    assert sorted(l.categoryId for l in links_of(admin, entry.id).objects) == sorted(
        [plain.id, private.id]
    )


def test_category_entry_add_twice_is_category_entry_already_exists(api, admin):
    category, entry = api.add_category(admin), api.add_entry(admin)
    api.publish(admin, entry.id, category.id)

    with api.error("CATEGORY_ENTRY_ALREADY_EXISTS"):
        api.publish(admin, entry.id, category.id)
    assert links_of(admin, entry.id).totalCount == 1


def test_category_entry_add_of_an_unknown_entry_is_invalid_entry_id(api, admin):
    category = api.add_category(admin)

    with api.error("INVALID_ENTRY_ID", 'Invalid entry id ["0_nosuch00"]'):
        api.publish(admin, "0_nosuch00", category.id)


def test_category_entry_add_to_an_unknown_category_is_category_not_found(api, admin):
    entry = api.add_entry(admin)

    with api.error("CATEGORY_NOT_FOUND", 'Category id "987654321" not found'):
        api.publish(admin, entry.id, 987654321)


# --- list ----------------------------------------------------------------------------


def test_category_entry_list_without_entry_or_category_filter_is_refused_for_a_user(api):
    with api.error("MUST_FILTER_ON_ENTRY_OR_CATEGORY"):
        api.user(api.uid("user")).categoryEntry.list(KalturaCategoryEntryFilter())


def test_category_entry_list_without_filter_is_refused_under_enforced_entitlement(api):
    with api.error("MUST_FILTER_ON_ENTRY_OR_CATEGORY"):
        api.admin(privileges="").categoryEntry.list(KalturaCategoryEntryFilter())


def test_category_entry_list_by_category_returns_its_links(api, admin):
    category = api.add_category(admin)
    entries = [api.add_entry(admin) for _ in range(2)]
    for entry in entries:
        api.publish(admin, entry.id, category.id)

    result = links_of(admin, category_id=category.id)

    assert isinstance(result, KalturaCategoryEntryListResponse)
    assert result.totalCount == 2
    assert sorted(statuses(result)) == sorted((e.id, category.id, ACTIVE) for e in entries)


def test_category_entry_list_by_category_id_in_spans_categories(api, admin):
    first, second, third = (api.add_category(admin) for _ in range(3))
    entry = api.add_entry(admin)
    for category in (first, second, third):
        api.publish(admin, entry.id, category.id)
    flt = KalturaCategoryEntryFilter()
    flt.categoryIdIn = f"{first.id},{third.id}"

    result = admin.categoryEntry.list(flt)

    assert sorted(l.categoryId for l in result.objects) == sorted([first.id, third.id])


def test_media_list_by_categories_ids_match_or_finds_direct_members_only(api, admin):
    parent = api.add_category(admin)
    child = api.add_category(admin, "child", parent.id)
    direct, nested = api.add_entry(admin), api.add_entry(admin)
    api.publish(admin, direct.id, parent.id)
    api.publish(admin, nested.id, child.id)
    flt = KalturaMediaEntryFilter()
    flt.categoriesIdsMatchOr = str(parent.id)

    result = admin.media.list(flt)

    assert [e.id for e in result.objects] == [direct.id]


def test_media_list_by_category_ancestor_includes_descendant_categories(api, admin):
    parent = api.add_category(admin)
    child = api.add_category(admin, "child", parent.id)
    direct, nested = api.add_entry(admin), api.add_entry(admin)
    api.publish(admin, direct.id, parent.id)
    api.publish(admin, nested.id, child.id)
    flt = KalturaMediaEntryFilter()
    flt.categoryAncestorIdIn = str(parent.id)

    result = admin.media.list(flt)

    assert sorted(e.id for e in result.objects) == sorted([direct.id, nested.id])


def test_media_list_by_categories_full_name_includes_child_categories(api, admin):
    parent = api.add_category(admin)
    child = api.add_category(admin, "child", parent.id)
    direct, nested = api.add_entry(admin), api.add_entry(admin)
    api.publish(admin, direct.id, parent.id)
    api.publish(admin, nested.id, child.id)
    flt = KalturaMediaEntryFilter()
    flt.categoriesMatchOr = parent.fullName

    result = admin.media.list(flt)

    assert sorted(e.id for e in result.objects) == sorted([direct.id, nested.id])


# --- delete --------------------------------------------------------------------------


def test_category_entry_delete_unpublishes_the_entry(api, admin):
    category, entry = api.add_category(admin), api.add_entry(admin)
    api.publish(admin, entry.id, category.id)

    admin.categoryEntry.delete(entry.id, category.id)

    assert links_of(admin, entry.id).totalCount == 0
    assert admin.media.get(entry.id).categoriesIds in (NotImplemented, "", None)


def test_category_entry_delete_of_a_missing_link_is_entry_is_not_assigned(api, admin):
    category, entry = api.add_category(admin), api.add_entry(admin)

    with api.error("ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY"):
        admin.categoryEntry.delete(entry.id, category.id)


# --- who may publish and unpublish ------------------------------------------------------


def test_owner_with_a_user_ks_may_publish_its_entry(api, admin):
    owner = api.uid("owner")
    client = api.user(owner)
    category, entry = api.add_category(admin), api.add_entry(client)

    link = api.publish(client, entry.id, category.id)

    assert link.status.getValue() == ACTIVE
    assert link.creatorUserId == owner


def test_user_ks_of_a_stranger_may_not_publish_the_entry(api, admin):
    category = api.add_category(admin)
    entry = api.add_entry(admin, userId=api.uid("owner"))

    with api.error("CANNOT_ASSIGN_ENTRY_TO_CATEGORY"):
        api.publish(api.user(api.uid("stranger")), entry.id, category.id)
    assert links_of(admin, entry.id).totalCount == 0


def test_co_publisher_may_publish_the_entry(api, admin):
    publisher = api.uid("publisher")
    category = api.add_category(admin)
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersPublish=publisher)

    link = api.publish(api.user(publisher), entry.id, category.id)

    assert link.status.getValue() == ACTIVE


def test_co_editor_may_publish_the_entry(api, admin):
    editor = api.uid("editor")
    category = api.add_category(admin)
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersEdit=editor)

    link = api.publish(api.user(editor), entry.id, category.id)

    assert link.status.getValue() == ACTIVE


def test_co_viewer_may_not_publish_the_entry(api, admin):
    viewer = api.uid("viewer")
    category = api.add_category(admin)
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersView=viewer)

    with api.error("CANNOT_ASSIGN_ENTRY_TO_CATEGORY"):
        api.publish(api.user(viewer), entry.id, category.id)


def test_co_publisher_may_remove_the_entry_from_a_category(api, admin):
    publisher = api.uid("publisher")
    category = api.add_category(admin)
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersPublish=publisher)
    api.publish(admin, entry.id, category.id)

    api.user(publisher).categoryEntry.delete(entry.id, category.id)

    assert links_of(admin, entry.id).totalCount == 0


def test_co_viewer_may_not_remove_the_entry_from_a_category(api, admin):
    viewer = api.uid("viewer")
    category = api.add_category(admin)
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersView=viewer)
    api.publish(admin, entry.id, category.id)

    with api.error("CANNOT_REMOVE_ENTRY_FROM_CATEGORY"):
        api.user(viewer).categoryEntry.delete(entry.id, category.id)
    assert links_of(admin, entry.id).totalCount == 1


def test_category_manager_may_remove_any_entry_from_the_category(api, admin):
    context, manager = api.token("ctx"), api.uid("manager")
    category = api.add_category(admin, privacyContext=context, owner=manager)
    entry = api.add_entry(admin, userId=api.uid("owner"))
    api.publish(admin, entry.id, category.id)

    api.user(manager, f"privacycontext:{context}").categoryEntry.delete(entry.id, category.id)

    assert links_of(admin, entry.id).totalCount == 0


# --- moderation ----------------------------------------------------------------------


def test_publishing_to_a_moderated_category_by_a_plain_user_is_pending(api, admin):
    owner = api.uid("owner")
    client = api.user(owner)
    category, entry = moderated_category(api, admin), api.add_entry(client)

    link = api.publish(client, entry.id, category.id)

    assert link.status.getValue() == PENDING
    listed = links_of(admin, category_id=category.id, statusEqual=PENDING)
    assert statuses(listed) == [(entry.id, category.id, PENDING)]


def test_pending_entry_counts_as_pending_not_as_an_entry_of_the_category(api, admin):
    client = api.user(api.uid("owner"))
    category, entry = moderated_category(api, admin), api.add_entry(client)

    api.publish(client, entry.id, category.id)

    counted = admin.category.get(category.id)
    assert counted.pendingEntriesCount == 1
    assert counted.directEntriesCount == 0


def test_publishing_to_a_moderated_category_without_entitlement_is_active(api, admin):
    category, entry = moderated_category(api, admin), api.add_entry(admin)

    link = api.publish(admin, entry.id, category.id)

    assert link.status.getValue() == ACTIVE


def test_enable_category_moderation_privilege_makes_even_an_admin_link_pending(api, admin):
    category, entry = moderated_category(api, admin), api.add_entry(admin)
    moderated_admin = api.admin(privileges="disableentitlement,enablecategorymoderation")

    link = api.publish(moderated_admin, entry.id, category.id)

    assert link.status.getValue() == PENDING


def test_category_entry_activate_moves_a_pending_link_to_active(api, admin):
    client = api.user(api.uid("owner"))
    category, entry = moderated_category(api, admin), api.add_entry(client)
    api.publish(client, entry.id, category.id)

    admin.categoryEntry.activate(entry.id, category.id)

    assert statuses(links_of(admin, entry.id)) == [(entry.id, category.id, ACTIVE)]
    assert admin.media.get(entry.id).categoriesIds == str(category.id)


def test_category_entry_reject_moves_a_pending_link_to_rejected(api, admin):
    client = api.user(api.uid("owner"))
    category, entry = moderated_category(api, admin), api.add_entry(client)
    api.publish(client, entry.id, category.id)

    admin.categoryEntry.reject(entry.id, category.id)

    rejected = links_of(admin, entry.id, statusEqual=REJECTED)
    assert statuses(rejected) == [(entry.id, category.id, REJECTED)]


def test_category_entry_activate_of_an_active_link_is_refused(api, admin):
    category, entry = api.add_category(admin), api.add_entry(admin)
    api.publish(admin, entry.id, category.id)

    with api.error("CANNOT_ACTIVATE_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING"):
        admin.categoryEntry.activate(entry.id, category.id)


def test_category_entry_reject_of_an_active_link_is_refused(api, admin):
    category, entry = api.add_category(admin), api.add_entry(admin)
    api.publish(admin, entry.id, category.id)

    with api.error("CANNOT_REJECT_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING"):
        admin.categoryEntry.reject(entry.id, category.id)
    assert statuses(links_of(admin, entry.id)) == [(entry.id, category.id, ACTIVE)]


def test_entry_owner_who_does_not_moderate_may_not_activate_its_pending_link(api, admin):
    client = api.user(api.uid("owner"))
    category, entry = moderated_category(api, admin), api.add_entry(client)
    api.publish(client, entry.id, category.id)

    with api.error("CANNOT_ACTIVATE_CATEGORY_ENTRY"):
        client.categoryEntry.activate(entry.id, category.id)
    assert statuses(links_of(admin, entry.id)) == [(entry.id, category.id, PENDING)]


def test_category_moderator_may_activate_a_pending_link(api, admin):
    context, moderator, owner = api.token("ctx"), api.uid("moderator"), api.uid("owner")
    category = moderated_category(api, admin, privacyContext=context)
    member = KalturaCategoryUser()
    member.categoryId = category.id
    member.userId = moderator
    member.permissionLevel = KalturaCategoryUserPermissionLevel.MODERATOR
    admin.categoryUser.add(member)
    owner_client = api.user(owner, f"privacycontext:{context}")
    entry = api.add_entry(owner_client)
    assert api.publish(owner_client, entry.id, category.id).status.getValue() == PENDING

    api.user(moderator, f"privacycontext:{context}").categoryEntry.activate(entry.id, category.id)

    assert statuses(links_of(admin, entry.id)) == [(entry.id, category.id, ACTIVE)]
