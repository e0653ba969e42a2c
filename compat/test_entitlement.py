"""Entitlement: what a session may see, by privacy context and membership (reference §4.8).

One partner holds a small MediaSpace-like tree, built once for the module:

    Site (privacy context MediaSpace)
      Public         privacy ALL
      Authenticated  privacy AUTHENTICATED_USERS
      Members        privacy MEMBERS_ONLY, listed to members only; member1 is a member
      Moderated      moderation on
    Plain            no privacy context

No test here creates entries, so list results can be compared with exact sets.
"""

from types import SimpleNamespace

import pytest

from KalturaClient.Plugins.Core import *  # noqa: F401,F403

CONTEXT = "MediaSpace"
IN_CONTEXT = f"privacycontext:{CONTEXT},enableentitlement,list:*"
OWNER, MEMBER, VIEWER, STRANGER = "owner", "member1", "viewer1", "stranger"


@pytest.fixture(scope="module")
def world(api):
    admin = api.admin()
    site = api.add_category(admin, "Site", privacyContext=CONTEXT)
    public = api.add_category(admin, "Public", site.id)
    authenticated = api.add_category(admin, "Authenticated", site.id,
                                     privacy=KalturaPrivacyType.AUTHENTICATED_USERS)
    members = api.add_category(admin, "Members", site.id,
                               privacy=KalturaPrivacyType.MEMBERS_ONLY,
                               appearInList=KalturaAppearInListType.CATEGORY_MEMBERS_ONLY)
    moderated = api.add_category(admin, "Moderated", site.id,
                                 moderation=KalturaNullableBoolean.TRUE_VALUE)
    plain = api.add_category(admin, "Plain")
    member = KalturaCategoryUser()
    member.categoryId = members.id
    member.userId = MEMBER
    admin.categoryUser.add(member)

    def entry(name, category=None, owner=OWNER, **fields):
        created = api.add_entry(admin, name, userId=owner, **fields)
        if category is not None:
            api.publish(admin, created.id, category.id)
        return created.id

    entries = SimpleNamespace(
        public=entry("in Public", public),
        authenticated=entry("in Authenticated", authenticated),
        members=entry("in Members", members),
        plain=entry("in Plain", plain),
        nowhere=entry("in no category"),
        collab=entry("in Members, viewer1 may view", members, entitledUsersView=VIEWER),
        own=entry("in Members, owned by stranger", members, owner=STRANGER),
    )
    pending = api.add_entry(admin, "pending in Moderated", userId=OWNER)
    moderating = api.admin(privileges="disableentitlement,enablecategorymoderation")
    link = api.publish(moderating, pending.id, moderated.id)
    assert link.status.getValue() == KalturaCategoryEntryStatus.PENDING
    entries.pending = pending.id
    categories = SimpleNamespace(site=site.id, public=public.id,
                                 authenticated=authenticated.id, members=members.id,
                                 moderated=moderated.id, plain=plain.id)
    return SimpleNamespace(e=entries, c=categories)


def listed(client, **fields):
    flt = KalturaMediaEntryFilter()
    for key, value in fields.items():
        setattr(flt, key, value)
    pager = KalturaFilterPager()
    pager.pageSize = 100
    return {e.id for e in client.media.list(flt, pager).objects}


def listed_categories(client, world):
    flt = KalturaCategoryFilter()
    flt.idIn = ",".join(str(i) for i in vars(world.c).values())
    return {c.id for c in client.category.list(flt).objects}


def without_pending(world):
    # Whether a pending-only entry counts as "in no category" is left open, so the
    # default-context checks leave it out.
    return ",".join(i for name, i in vars(world.e).items() if name != "pending")


# --- media.list under a privacy context --------------------------------------------------


def test_stranger_in_context_lists_public_authenticated_and_own_entries(api, world):
    seen = listed(api.user(STRANGER, IN_CONTEXT))

    assert seen == {world.e.public, world.e.authenticated, world.e.own}


def test_member_in_context_also_lists_members_only_entries(api, world):
    seen = listed(api.user(MEMBER, IN_CONTEXT))

    assert seen == {world.e.public, world.e.authenticated, world.e.members, world.e.collab,
                    world.e.own}


def test_co_viewer_in_context_lists_the_members_only_entry_it_may_view(api, world):
    seen = listed(api.user(VIEWER, IN_CONTEXT))

    assert seen == {world.e.public, world.e.authenticated, world.e.collab}


def test_owner_in_context_lists_all_its_entries_wherever_they_are(api, world):
    seen = listed(api.user(OWNER, IN_CONTEXT))

    assert seen == {world.e.public, world.e.authenticated, world.e.members, world.e.plain,
                    world.e.nowhere, world.e.collab, world.e.pending}


def test_anonymous_session_in_context_lists_only_entries_open_to_all(api, world):
    seen = listed(api.user("", IN_CONTEXT))

    assert seen == {world.e.public}


def test_client_generated_ks_v2_in_context_sees_the_same_as_session_start(api, world):
    ks = api.ks_v2(STRANGER, KalturaSessionType.USER, IN_CONTEXT)

    seen = listed(api.client(ks))

    assert seen == {world.e.public, world.e.authenticated, world.e.own}


def test_media_count_in_context_counts_only_visible_entries(api, world):
    count = api.user(STRANGER, IN_CONTEXT).media.count(KalturaMediaEntryFilter())

    assert count == 3


# --- sessions without a privacy context ----------------------------------------------------


def test_user_without_context_lists_entries_in_no_context_categories_or_none(api, world):
    seen = listed(api.user(STRANGER, "list:*"), idIn=without_pending(world))

    assert seen == {world.e.plain, world.e.nowhere, world.e.own}


def test_user_ks_without_list_privilege_lists_only_its_own_entries(api, world):
    seen = listed(api.user(STRANGER))

    assert seen == {world.e.own}


def test_user_ks_in_context_without_list_privilege_lists_only_its_own_entries(api, world):
    seen = listed(api.user(STRANGER, f"privacycontext:{CONTEXT},enableentitlement"))

    assert seen == {world.e.own}


# --- admin sessions ---------------------------------------------------------------------


def test_admin_with_disable_entitlement_lists_every_entry(api, world):
    seen = listed(api.admin())

    assert seen == set(vars(world.e).values())


def test_admin_without_disable_entitlement_is_enforced_like_a_user(api, world):
    seen = listed(api.admin(privileges=""), idIn=without_pending(world))

    assert seen == {world.e.plain, world.e.nowhere}


def test_admin_in_context_without_disable_entitlement_sees_only_that_context(api, world):
    seen = listed(api.admin(privileges=f"privacycontext:{CONTEXT}"))

    assert seen == {world.e.public, world.e.authenticated}


# --- baseEntry.get ------------------------------------------------------------------------


def test_stranger_in_context_gets_entry_id_not_found_for_a_members_only_entry(api, world):
    client = api.user(STRANGER, IN_CONTEXT)

    with api.error("ENTRY_ID_NOT_FOUND", f'Entry id "{world.e.members}" not found'):
        client.baseEntry.get(world.e.members)


def test_member_in_context_gets_the_members_only_entry(api, world):
    entry = api.user(MEMBER, IN_CONTEXT).baseEntry.get(world.e.members)

    assert entry.id == world.e.members


def test_co_viewer_gets_the_entry_it_may_view(api, world):
    entry = api.user(VIEWER, IN_CONTEXT).baseEntry.get(world.e.collab)

    assert entry.id == world.e.collab


def test_entry_in_no_category_is_hidden_from_a_session_with_a_context(api, world):
    with api.error("ENTRY_ID_NOT_FOUND"):
        api.user(STRANGER, IN_CONTEXT).baseEntry.get(world.e.nowhere)


def test_entry_in_no_category_is_visible_to_a_session_without_a_context(api, world):
    entry = api.user(STRANGER).baseEntry.get(world.e.nowhere)

    assert entry.id == world.e.nowhere


def test_entry_in_a_context_category_is_hidden_from_a_session_without_that_context(api, world):
    with api.error("ENTRY_ID_NOT_FOUND"):
        api.user(STRANGER).baseEntry.get(world.e.public)


def test_entry_in_a_no_context_category_is_hidden_from_a_session_with_a_context(api, world):
    with api.error("ENTRY_ID_NOT_FOUND"):
        api.user(STRANGER, IN_CONTEXT).baseEntry.get(world.e.plain)


def test_pending_publication_grants_no_visibility(api, world):
    with api.error("ENTRY_ID_NOT_FOUND"):
        api.user(STRANGER, IN_CONTEXT).baseEntry.get(world.e.pending)


def test_authenticated_only_entry_is_hidden_from_an_anonymous_session(api, world):
    with api.error("ENTRY_ID_NOT_FOUND"):
        api.user("", IN_CONTEXT).baseEntry.get(world.e.authenticated)


def test_owner_gets_its_entry_in_no_category_from_within_a_context(api, world):
    entry = api.user(OWNER, IN_CONTEXT).baseEntry.get(world.e.nowhere)

    assert entry.id == world.e.nowhere


def test_disable_entitlement_for_entry_privilege_opens_that_entry_only(api, world):
    client = api.user(STRANGER, f"{IN_CONTEXT},disableentitlementforentry:{world.e.members}")

    entry = client.baseEntry.get(world.e.members)

    assert entry.id == world.e.members
    with api.error("ENTRY_ID_NOT_FOUND"):
        client.baseEntry.get(world.e.collab)


# --- categories ---------------------------------------------------------------------------


def test_stranger_in_context_lists_the_context_categories_listed_to_the_partner(api, world):
    seen = listed_categories(api.user(STRANGER, IN_CONTEXT), world)

    assert seen == {world.c.site, world.c.public, world.c.authenticated, world.c.moderated}


def test_member_in_context_also_lists_the_members_only_category(api, world):
    seen = listed_categories(api.user(MEMBER, IN_CONTEXT), world)

    assert seen == {world.c.site, world.c.public, world.c.authenticated, world.c.moderated,
                    world.c.members}


def test_session_without_context_lists_only_categories_without_context(api, world):
    seen = listed_categories(api.user(STRANGER, "list:*"), world)

    assert seen == {world.c.plain}


def test_admin_with_disable_entitlement_lists_every_category(api, world):
    seen = listed_categories(api.admin(), world)

    assert seen == set(vars(world.c).values())


def test_category_hidden_by_entitlement_is_category_not_found_on_get(api, world):
    # The notes infer CATEGORY_NOT_FOUND for a category the session may not see.
    with api.error("CATEGORY_NOT_FOUND"):
        api.user(STRANGER, IN_CONTEXT).category.get(world.c.members)


def test_member_gets_the_members_only_category(api, world):
    category = api.user(MEMBER, IN_CONTEXT).category.get(world.c.members)

    assert category.id == world.c.members
    assert category.fullName == "Site>Members"


def test_category_entry_list_leaves_out_links_to_categories_the_user_may_not_see(api, world):
    flt = KalturaCategoryEntryFilter()
    flt.entryIdEqual = world.e.own
    own_links = api.user(STRANGER, IN_CONTEXT).categoryEntry.list(flt)

    assert [l.categoryId for l in own_links.objects] == []
    member_links = api.user(MEMBER, IN_CONTEXT).categoryEntry.list(flt)
    assert [l.categoryId for l in member_links.objects] == [world.c.members]
