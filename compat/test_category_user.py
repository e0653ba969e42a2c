"""categoryUser service: category members (reference §4.7)."""

from KalturaClient.Plugins.Core import *  # noqa: F401,F403

Level = KalturaCategoryUserPermissionLevel
Status = KalturaCategoryUserStatus


def names(member):
    return set(filter(None, (member.permissionNames or "").split(",")))


def membership(category_id, user_id, level=None):
    member = KalturaCategoryUser()
    member.categoryId = category_id
    member.userId = user_id
    if level is not None:
        member.permissionLevel = level
    return member


def level_change(level):
    change = KalturaCategoryUser()
    change.permissionLevel = level
    return change


def private_category(api, admin, **fields):
    return api.add_category(admin, privacyContext=api.token("ctx"), **fields)


# --- add / get ----------------------------------------------------------------------


def test_category_user_add_returns_an_active_manual_member_with_its_permissions(api, admin):
    category = private_category(api, admin)
    user_id = api.uid("contrib")

    member = admin.categoryUser.add(membership(category.id, user_id, Level.CONTRIBUTOR))

    assert isinstance(member, KalturaCategoryUser)
    assert member.categoryId == category.id
    assert member.userId == user_id
    assert member.partnerId == api.partner.id
    assert member.permissionLevel.getValue() == Level.CONTRIBUTOR
    assert member.status.getValue() == Status.ACTIVE
    assert member.updateMethod.getValue() == KalturaUpdateMethodType.MANUAL
    assert member.categoryFullIds == category.fullIds
    assert names(member) == {"CATEGORY_CONTRIBUTE", "CATEGORY_VIEW"}


def test_category_user_add_without_level_uses_the_category_default_member(api, admin):
    category = private_category(api, admin)

    member = admin.categoryUser.add(membership(category.id, api.uid("plain")))

    assert member.permissionLevel.getValue() == Level.MEMBER
    assert names(member) == {"CATEGORY_VIEW"}


def test_category_user_manager_gets_all_four_category_permissions(api, admin):
    category = private_category(api, admin)

    member = admin.categoryUser.add(membership(category.id, api.uid("mgr"), Level.MANAGER))

    assert names(member) == {
        "CATEGORY_EDIT", "CATEGORY_MODERATE", "CATEGORY_CONTRIBUTE", "CATEGORY_VIEW"
    }


def test_category_user_moderator_gets_moderate_and_view(api, admin):
    category = private_category(api, admin)

    member = admin.categoryUser.add(membership(category.id, api.uid("mod"), Level.MODERATOR))

    assert names(member) == {"CATEGORY_MODERATE", "CATEGORY_VIEW"}


def test_category_user_add_twice_is_category_user_already_exists(api, admin):
    category, user_id = private_category(api, admin), api.uid("twice")
    admin.categoryUser.add(membership(category.id, user_id))

    with api.error("CATEGORY_USER_ALREADY_EXISTS"):
        admin.categoryUser.add(membership(category.id, user_id))


def test_category_user_add_to_an_unknown_category_is_category_not_found(api, admin):
    with api.error("CATEGORY_NOT_FOUND"):
        admin.categoryUser.add(membership(987654321, api.uid("lost")))


def test_category_user_add_of_user_zero_is_invalid_user_id(api, admin):
    category = private_category(api, admin)

    with api.error("INVALID_USER_ID"):
        admin.categoryUser.add(membership(category.id, "0"))


def test_category_user_add_creates_an_unknown_user(api, admin):
    category, user_id = private_category(api, admin), api.uid("fresh")

    admin.categoryUser.add(membership(category.id, user_id))

    assert admin.user.get(user_id).id == user_id


def test_category_user_add_to_a_category_that_inherits_members_is_refused(api, admin):
    parent = private_category(api, admin)
    child = api.add_category(admin, "inherits", parent.id,
                             inheritanceType=KalturaInheritanceType.INHERIT)

    with api.error("CATEGORY_INHERIT_MEMBERS"):
        admin.categoryUser.add(membership(child.id, api.uid("member")))


def test_category_user_get_returns_the_membership(api, admin):
    category, user_id = private_category(api, admin), api.uid("getme")
    admin.categoryUser.add(membership(category.id, user_id, Level.MODERATOR))

    member = admin.categoryUser.get(category.id, user_id)

    assert member.userId == user_id
    assert member.categoryId == category.id
    assert member.permissionLevel.getValue() == Level.MODERATOR


def test_category_user_get_of_a_user_who_is_not_a_member_is_invalid_category_user_id(
    api, admin
):
    category, user_id = private_category(api, admin), api.uid("outsider")
    admin.user.add(KalturaUser(id=user_id))

    with api.error(
        "INVALID_CATEGORY_USER_ID",
        f'Invalid CategoryUser for category ["{category.id}"] and for user ["{user_id}"]',
    ):
        admin.categoryUser.get(category.id, user_id)


def test_category_user_get_of_an_unknown_user_is_invalid_user_id(api, admin):
    category = private_category(api, admin)

    with api.error("INVALID_USER_ID"):
        admin.categoryUser.get(category.id, api.uid("ghost"))


# --- update ---------------------------------------------------------------------------


def test_category_user_update_without_override_is_refused_on_a_manual_member(api, admin):
    category, user_id = private_category(api, admin), api.uid("manual")
    admin.categoryUser.add(membership(category.id, user_id))

    with api.error("CANNOT_OVERRIDE_MANUAL_CHANGES"):
        admin.categoryUser.update(category.id, user_id, level_change(Level.MANAGER))
    assert admin.categoryUser.get(category.id, user_id).permissionLevel.getValue() == Level.MEMBER


def test_category_user_update_with_override_changes_the_level_and_permissions(api, admin):
    category, user_id = private_category(api, admin), api.uid("promoted")
    admin.categoryUser.add(membership(category.id, user_id))

    updated = admin.categoryUser.update(category.id, user_id, level_change(Level.CONTRIBUTOR),
                                        True)

    assert updated.permissionLevel.getValue() == Level.CONTRIBUTOR
    assert names(updated) == {"CATEGORY_CONTRIBUTE", "CATEGORY_VIEW"}
    assert admin.categoryUser.get(category.id, user_id).permissionLevel.getValue() == (
        Level.CONTRIBUTOR
    )


def test_category_user_update_of_a_non_member_is_invalid_category_user_id(api, admin):
    category, user_id = private_category(api, admin), api.uid("outsider")
    admin.user.add(KalturaUser(id=user_id))

    with api.error("INVALID_CATEGORY_USER_ID"):
        admin.categoryUser.update(category.id, user_id, level_change(Level.MEMBER), True)


# --- delete / activate / deactivate ------------------------------------------------------


def test_category_user_delete_removes_the_membership(api, admin):
    category, user_id = private_category(api, admin), api.uid("leaver")
    admin.categoryUser.add(membership(category.id, user_id))
    count_before = admin.category.get(category.id).membersCount

    admin.categoryUser.delete(category.id, user_id)

    with api.error("INVALID_CATEGORY_USER_ID"):
        admin.categoryUser.get(category.id, user_id)
    assert admin.category.get(category.id).membersCount == count_before - 1


def test_category_user_delete_of_a_non_member_is_invalid_category_user_id(api, admin):
    category, user_id = private_category(api, admin), api.uid("outsider")
    admin.user.add(KalturaUser(id=user_id))

    with api.error("INVALID_CATEGORY_USER_ID"):
        admin.categoryUser.delete(category.id, user_id)


def test_category_user_deactivate_then_activate_toggles_the_status(api, admin):
    category, user_id = private_category(api, admin), api.uid("toggle")
    admin.categoryUser.add(membership(category.id, user_id))

    deactivated = admin.categoryUser.deactivate(category.id, user_id)
    stored_inactive = admin.categoryUser.get(category.id, user_id)
    activated = admin.categoryUser.activate(category.id, user_id)

    assert deactivated.status.getValue() == Status.NOT_ACTIVE
    assert stored_inactive.status.getValue() == Status.NOT_ACTIVE
    assert activated.status.getValue() == Status.ACTIVE
    assert admin.categoryUser.get(category.id, user_id).status.getValue() == Status.ACTIVE


# --- list -------------------------------------------------------------------------------


def test_category_user_list_without_user_or_category_filter_is_refused(api, admin):
    with api.error("MUST_FILTER_USERS_OR_CATEGORY"):
        admin.categoryUser.list(KalturaCategoryUserFilter())


def test_category_user_list_by_category_returns_its_members_including_the_owner(api, admin):
    owner = api.uid("owner")
    category = private_category(api, admin, owner=owner)
    others = [api.uid("m") for _ in range(2)]
    for user_id in others:
        admin.categoryUser.add(membership(category.id, user_id))
    flt = KalturaCategoryUserFilter()
    flt.categoryIdEqual = category.id

    result = admin.categoryUser.list(flt)

    assert isinstance(result, KalturaCategoryUserListResponse)
    assert result.totalCount == 3
    assert sorted(m.userId for m in result.objects) == sorted([owner, *others])


def test_category_user_list_by_user_returns_its_memberships_across_categories(api, admin):
    user_id = api.uid("joiner")
    first, second = private_category(api, admin), private_category(api, admin)
    admin.categoryUser.add(membership(first.id, user_id))
    admin.categoryUser.add(membership(second.id, user_id, Level.MODERATOR))
    flt = KalturaCategoryUserFilter()
    flt.userIdEqual = user_id

    result = admin.categoryUser.list(flt)

    assert sorted((m.categoryId, m.permissionLevel.getValue()) for m in result.objects) == sorted(
        [(first.id, Level.MEMBER), (second.id, Level.MODERATOR)]
    )


def test_category_user_list_filters_by_permission_level(api, admin):
    category = private_category(api, admin)
    moderator = api.uid("mod")
    admin.categoryUser.add(membership(category.id, api.uid("mem")))
    admin.categoryUser.add(membership(category.id, moderator, Level.MODERATOR))
    flt = KalturaCategoryUserFilter()
    flt.categoryIdEqual = category.id
    flt.permissionLevelEqual = Level.MODERATOR

    result = admin.categoryUser.list(flt)

    assert [m.userId for m in result.objects] == [moderator]


# --- joining under entitlement ----------------------------------------------------------


def test_user_may_not_join_a_category_whose_join_policy_is_not_allowed(api, admin):
    context = api.token("ctx")
    category = api.add_category(admin, privacyContext=context)
    user_id = api.uid("joiner")

    with api.error("CATEGORY_USER_JOIN_NOT_ALLOWED"):
        api.user(user_id, f"privacycontext:{context}").categoryUser.add(
            membership(category.id, user_id)
        )


def test_category_manager_with_a_user_ks_may_add_an_active_member(api, admin):
    context, manager = api.token("ctx"), api.uid("manager")
    category = api.add_category(admin, privacyContext=context, owner=manager)
    newcomer = api.uid("newcomer")

    member = api.user(manager, f"privacycontext:{context}").categoryUser.add(
        membership(category.id, newcomer, Level.CONTRIBUTOR)
    )

    assert member.status.getValue() == Status.ACTIVE
    assert member.permissionLevel.getValue() == Level.CONTRIBUTOR
