"""user service (reference §4.1)."""

from KalturaClient.Plugins.Core import *  # noqa: F401,F403


def make_user(api, client, user_id=None, **fields):
    user = KalturaUser()
    user.id = user_id or api.uid("user")
    for key, value in fields.items():
        setattr(user, key, value)
    return client.user.add(user)


def test_user_add_returns_the_user_active_in_the_partner(api, admin):
    user_id = api.uid("alice")

    user = make_user(api, admin, user_id, screenName="Alice", email="alice@example.edu",
                     firstName="Alice", lastName="Liddell")

    assert isinstance(user, KalturaUser)
    assert user.id == user_id
    assert user.partnerId == api.partner.id
    assert user.screenName == "Alice"
    assert user.email == "alice@example.edu"
    assert user.firstName == "Alice"
    assert user.lastName == "Liddell"
    assert user.status.getValue() == KalturaUserStatus.ACTIVE
    assert user.createdAt > 0


def test_user_get_returns_the_stored_user(api, admin):
    created = make_user(api, admin, screenName="Stored")

    fetched = admin.user.get(created.id)

    assert fetched.id == created.id
    assert fetched.screenName == "Stored"
    assert fetched.createdAt == created.createdAt


def test_user_get_of_an_unknown_user_is_invalid_user_id(api, admin):
    with api.error("INVALID_USER_ID", "Invalid user id"):
        admin.user.get(api.uid("nobody"))


def test_user_add_of_an_existing_id_is_duplicate_user_by_id(api, admin):
    created = make_user(api, admin)

    with api.error("DUPLICATE_USER_BY_ID",
                   f"User with id [{created.id}] already exists in system"):
        make_user(api, admin, created.id)


def test_user_add_with_an_id_holding_a_space_is_invalid_field_value(api, admin):
    with api.error("INVALID_FIELD_VALUE", "value in field [id] is not valid"):
        make_user(api, admin, "has space")


def test_user_update_changes_only_the_fields_sent(api, admin):
    created = make_user(api, admin, screenName="Before", email="keep@example.edu")
    change = KalturaUser()
    change.screenName = "After"

    updated = admin.user.update(created.id, change)

    assert updated.screenName == "After"
    assert updated.email == "keep@example.edu"
    assert admin.user.get(created.id).screenName == "After"


def test_user_delete_marks_deleted_and_hides_the_user(api, admin):
    created = make_user(api, admin)

    deleted = admin.user.delete(created.id)

    assert deleted.status.getValue() == KalturaUserStatus.DELETED
    with api.error("INVALID_USER_ID"):
        admin.user.get(created.id)
    flt = KalturaUserFilter()
    flt.idIn = created.id
    assert admin.user.list(flt).totalCount == 0


def test_user_list_filters_by_id_in_and_orders_by_id(api, admin):
    prefix = api.uid("lst")
    ids = [f"{prefix}-c", f"{prefix}-a", f"{prefix}-b"]
    for user_id in ids:
        make_user(api, admin, user_id)
    flt = KalturaUserFilter()
    flt.idIn = ",".join(ids)
    flt.orderBy = KalturaUserOrderBy.ID_ASC

    result = admin.user.list(flt)

    assert isinstance(result, KalturaUserListResponse)
    assert result.totalCount == 3
    assert [u.id for u in result.objects] == sorted(ids)


def test_user_list_pager_limits_the_page_but_not_the_total(api, admin):
    prefix = api.uid("pg")
    ids = [f"{prefix}-{i}" for i in range(3)]
    for user_id in ids:
        make_user(api, admin, user_id)
    flt = KalturaUserFilter()
    flt.idIn = ",".join(ids)
    flt.orderBy = KalturaUserOrderBy.ID_DESC
    pager = KalturaFilterPager()
    pager.pageSize = 2
    pager.pageIndex = 2

    result = admin.user.list(flt, pager)

    assert result.totalCount == 3
    assert [u.id for u in result.objects] == [ids[0]]


def test_user_ks_get_without_id_returns_the_session_user_created_on_demand(api):
    user_id = api.uid("self")

    me = api.user(user_id).user.get()

    assert me.id == user_id
    assert me.partnerId == api.partner.id


def test_user_ks_get_of_another_user_is_refused(api, admin):
    other = make_user(api, admin)

    with api.error("CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION"):
        api.user(api.uid("nosy")).user.get(other.id)


def test_user_ks_may_not_list_users(api):
    with api.error("SERVICE_FORBIDDEN", "The access to service [user->list] is forbidden"):
        api.user(api.uid("lister")).user.list()


def test_entry_owner_named_by_an_admin_is_created_as_a_user(api, admin):
    owner = api.uid("owner")

    api.add_entry(admin, userId=owner)

    assert admin.user.get(owner).id == owner


def test_collaborators_named_on_an_entry_are_created_as_users(api, admin):
    editor, publisher = api.uid("ed"), api.uid("pub")

    api.add_entry(admin, entitledUsersEdit=editor, entitledUsersPublish=publisher)

    assert admin.user.get(editor).id == editor
    assert admin.user.get(publisher).id == publisher


def test_users_of_one_partner_are_invisible_to_another(api, admin, new_partner_api):
    created = make_user(api, admin)
    other = new_partner_api()

    with api.error("INVALID_USER_ID"):
        other.admin().user.get(created.id)
