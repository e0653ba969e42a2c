"""media and baseEntry services (reference §4.2, §4.4)."""

import time

from KalturaClient.Plugins.Core import *  # noqa: F401,F403

NOT_OWNER = 'Invalid KS "", Error "-4,INVALID_TYPE"'


def owner_filter(owner, **fields):
    flt = KalturaMediaEntryFilter()
    flt.userIdEqual = owner
    for key, value in fields.items():
        setattr(flt, key, value)
    return flt


def ids(result):
    return [entry.id for entry in result.objects]


# --- add / get ------------------------------------------------------------------------


def test_media_add_returns_an_entry_without_content_owned_by_the_session_user(api):
    user_id = api.uid("uploader")
    client = api.user(user_id)
    before = int(time.time())

    entry = api.add_entry(client, "My lecture", description="Week 1", tags="lecture")

    assert isinstance(entry, KalturaMediaEntry)
    assert entry.id
    assert entry.name == "My lecture"
    assert entry.description == "Week 1"
    assert entry.tags == "lecture"
    assert entry.partnerId == api.partner.id
    assert entry.userId == user_id
    assert entry.creatorId == user_id
    assert entry.status.getValue() == KalturaEntryStatus.NO_CONTENT
    assert entry.type.getValue() == KalturaEntryType.MEDIA_CLIP
    assert entry.mediaType.getValue() == KalturaMediaType.VIDEO
    assert before - 2 <= entry.createdAt <= int(time.time()) + 2


def test_media_add_without_media_type_is_refused_as_null_property(api, admin):
    entry = KalturaMediaEntry()
    entry.name = "no type"

    with api.error("PROPERTY_VALIDATION_CANNOT_BE_NULL",
                   'The property "KalturaMediaEntry::mediaType" cannot be null'):
        admin.media.add(entry)


def test_media_get_returns_the_stored_entry(api, admin):
    created = api.add_entry(admin, tags="one")

    fetched = admin.media.get(created.id)

    assert isinstance(fetched, KalturaMediaEntry)
    assert fetched.id == created.id
    assert fetched.name == created.name
    assert fetched.tags == "one"
    assert fetched.createdAt == created.createdAt


def test_base_entry_get_returns_a_media_entry_object(api, admin):
    created = api.add_entry(admin)

    fetched = admin.baseEntry.get(created.id)

    assert isinstance(fetched, KalturaMediaEntry)
    assert fetched.id == created.id


def test_media_get_of_an_unknown_id_is_entry_id_not_found(api, admin):
    with api.error("ENTRY_ID_NOT_FOUND", 'Entry id "0_nosuch00" not found'):
        admin.media.get("0_nosuch00")


def test_entries_of_one_partner_are_invisible_to_another(api, admin, new_partner_api):
    created = api.add_entry(admin)
    other = new_partner_api().admin()

    with api.error("ENTRY_ID_NOT_FOUND"):
        other.media.get(created.id)
    flt = KalturaMediaEntryFilter()
    flt.idIn = created.id
    assert other.media.list(flt).totalCount == 0


# --- update / delete ------------------------------------------------------------------


def test_media_update_changes_the_fields_sent_and_keeps_the_others(api, admin):
    created = api.add_entry(admin, "Old", description="keep me", tags="old")
    change = KalturaMediaEntry()
    change.name = "New"
    change.tags = "new"

    updated = admin.media.update(created.id, change)

    assert updated.name == "New"
    assert updated.tags == "new"
    assert updated.description == "keep me"
    assert updated.updatedAt >= created.updatedAt
    assert admin.media.get(created.id).name == "New"


def test_media_update_with_none_clears_the_field(api, admin):
    created = api.add_entry(admin, description="to be cleared")
    change = KalturaMediaEntry()
    change.description = None

    admin.media.update(created.id, change)

    # A cleared string is null on the server, which the XML omits or leaves empty.
    assert admin.media.get(created.id).description in (NotImplemented, "", None)


def test_media_update_accepts_a_fetched_entry_sent_back_with_its_insert_only_fields(api, admin):
    created = api.add_entry(admin)
    fetched = admin.media.get(created.id)
    fetched.name = "Sent back"

    updated = admin.media.update(created.id, fetched)

    assert updated.name == "Sent back"
    assert updated.mediaType.getValue() == KalturaMediaType.VIDEO


def test_media_update_changing_the_insert_only_media_type_is_refused(api, admin):
    created = api.add_entry(admin)
    change = KalturaMediaEntry()
    change.mediaType = KalturaMediaType.AUDIO

    with api.error("PROPERTY_VALIDATION_NOT_UPDATABLE"):
        admin.media.update(created.id, change)
    assert admin.media.get(created.id).mediaType.getValue() == KalturaMediaType.VIDEO


def test_base_entry_update_takes_a_base_entry_object(api, admin):
    created = api.add_entry(admin)
    change = KalturaBaseEntry()
    change.name = "Renamed through baseEntry"

    updated = admin.baseEntry.update(created.id, change)

    assert updated.name == "Renamed through baseEntry"
    assert admin.media.get(created.id).name == "Renamed through baseEntry"


def test_media_delete_hides_the_entry_from_get_and_list(api, admin):
    owner = api.uid("deleter")
    created = api.add_entry(admin, userId=owner)

    admin.media.delete(created.id)

    with api.error("ENTRY_ID_NOT_FOUND"):
        admin.media.get(created.id)
    assert admin.media.list(owner_filter(owner)).totalCount == 0


def test_media_delete_of_a_deleted_entry_is_entry_id_not_found(api, admin):
    created = api.add_entry(admin)
    admin.media.delete(created.id)

    with api.error("ENTRY_ID_NOT_FOUND"):
        admin.media.delete(created.id)


def test_base_entry_delete_hides_the_entry(api, admin):
    created = api.add_entry(admin)

    admin.baseEntry.delete(created.id)

    with api.error("ENTRY_ID_NOT_FOUND"):
        admin.baseEntry.get(created.id)


# --- list / count / getByIds ---------------------------------------------------------


def test_media_list_returns_a_media_list_response_of_media_entries(api, admin):
    owner = api.uid("lister")
    created = [api.add_entry(admin, userId=owner) for _ in range(2)]

    result = admin.media.list(owner_filter(owner))

    assert isinstance(result, KalturaMediaListResponse)
    assert result.totalCount == 2
    assert all(isinstance(e, KalturaMediaEntry) for e in result.objects)
    assert sorted(ids(result)) == sorted(e.id for e in created)


def test_base_entry_list_returns_base_entry_list_response_holding_media_entries(api, admin):
    owner = api.uid("blister")
    created = api.add_entry(admin, userId=owner)
    flt = KalturaBaseEntryFilter()
    flt.userIdEqual = owner

    result = admin.baseEntry.list(flt)

    assert isinstance(result, KalturaBaseEntryListResponse)
    assert result.totalCount == 1
    assert isinstance(result.objects[0], KalturaMediaEntry)
    assert result.objects[0].id == created.id


def test_media_count_matches_the_list_total(api, admin):
    owner = api.uid("counter")
    for _ in range(3):
        api.add_entry(admin, userId=owner)

    count = admin.media.count(owner_filter(owner))

    assert count == 3
    assert admin.baseEntry.count(owner_filter(owner)) == 3


def test_media_list_of_an_owner_without_entries_is_empty(api, admin):
    result = admin.media.list(owner_filter(api.uid("nobody")))

    assert result.totalCount == 0
    assert list(result.objects) == []


def test_base_entry_get_by_ids_returns_the_existing_entries_only(api, admin):
    first, second, gone = (api.add_entry(admin) for _ in range(3))
    admin.media.delete(gone.id)

    found = admin.baseEntry.getByIds(",".join([first.id, "0_nosuch00", second.id, gone.id]))

    assert sorted(e.id for e in found) == sorted([first.id, second.id])
    assert all(isinstance(e, KalturaMediaEntry) for e in found)


def test_media_list_filters_by_id_in(api, admin):
    first, _, third = (api.add_entry(admin) for _ in range(3))
    flt = KalturaMediaEntryFilter()
    flt.idIn = f"{first.id},{third.id}"

    result = admin.media.list(flt)

    assert sorted(ids(result)) == sorted([first.id, third.id])


def test_media_list_filters_by_name_like(api, admin):
    owner = api.uid("namer")
    match = api.add_entry(admin, "Introduction to Algebra", userId=owner)
    api.add_entry(admin, "Organic Chemistry", userId=owner)

    result = admin.media.list(owner_filter(owner, nameLike="Algebra"))

    assert ids(result) == [match.id]


def test_media_list_filters_by_tags_like(api, admin):
    owner = api.uid("tagger")
    tag = api.token("tag")
    match = api.add_entry(admin, userId=owner, tags=f"{tag},other")
    api.add_entry(admin, userId=owner, tags="other")

    result = admin.media.list(owner_filter(owner, tagsLike=tag))

    assert ids(result) == [match.id]


def test_media_list_filters_by_status(api, admin):
    owner = api.uid("status")
    created = api.add_entry(admin, userId=owner)

    no_content = admin.media.list(owner_filter(owner, statusIn=KalturaEntryStatus.NO_CONTENT))
    ready = admin.media.list(owner_filter(owner, statusEqual=KalturaEntryStatus.READY))

    assert ids(no_content) == [created.id]
    assert ready.totalCount == 0


def test_media_list_filters_by_media_type(api, admin):
    owner = api.uid("typer")
    video = api.add_entry(admin, userId=owner)
    api.add_entry(admin, userId=owner, mediaType=KalturaMediaType.AUDIO)

    result = admin.media.list(owner_filter(owner, mediaTypeEqual=KalturaMediaType.VIDEO))

    assert ids(result) == [video.id]


def test_media_list_reads_small_created_at_bounds_as_relative_to_now(api, admin):
    owner = api.uid("timer")
    created = api.add_entry(admin, userId=owner)

    recent = admin.media.list(owner_filter(owner, createdAtGreaterThanOrEqual=-600))
    older = admin.media.list(owner_filter(owner, createdAtLessThanOrEqual=-600))

    assert ids(recent) == [created.id]
    assert older.totalCount == 0


def test_media_list_orders_by_name_both_ways(api, admin):
    owner = api.uid("sorter")
    for name in ("banana", "apple", "cherry"):
        api.add_entry(admin, name, userId=owner)

    ascending = admin.media.list(owner_filter(owner, orderBy=KalturaMediaEntryOrderBy.NAME_ASC))
    descending = admin.media.list(owner_filter(owner, orderBy=KalturaMediaEntryOrderBy.NAME_DESC))

    assert [e.name for e in ascending.objects] == ["apple", "banana", "cherry"]
    assert [e.name for e in descending.objects] == ["cherry", "banana", "apple"]


def test_media_list_pager_pages_the_objects_and_keeps_the_total(api, admin):
    owner = api.uid("pager")
    names = [f"n{i}" for i in range(5)]
    for name in names:
        api.add_entry(admin, name, userId=owner)
    flt = owner_filter(owner, orderBy=KalturaMediaEntryOrderBy.NAME_ASC)

    def page(index, size=2):
        pager = KalturaFilterPager()
        pager.pageIndex = index
        pager.pageSize = size
        return admin.media.list(flt, pager)

    assert [e.name for e in page(1).objects] == ["n0", "n1"]
    assert [e.name for e in page(2).objects] == ["n2", "n3"]
    last = page(3)
    assert [e.name for e in last.objects] == ["n4"]
    assert last.totalCount == 5
    beyond = page(4)
    assert list(beyond.objects) == []
    assert beyond.totalCount == 5


def test_media_list_filters_by_collaborators(api, admin):
    owner, editor, publisher = api.uid("own"), api.uid("ed"), api.uid("pub")
    edited = api.add_entry(admin, userId=owner, entitledUsersEdit=editor)
    published = api.add_entry(admin, userId=owner, entitledUsersPublish=publisher)

    by_editor = admin.media.list(owner_filter(owner, entitledUsersEditMatchOr=editor))
    by_publisher = admin.media.list(owner_filter(owner, entitledUsersPublishMatchAnd=publisher))

    assert ids(by_editor) == [edited.id]
    assert ids(by_publisher) == [published.id]


# --- owner and collaborators --------------------------------------------------------


def test_collaborator_lists_are_stored_and_returned(api, admin):
    entry = api.add_entry(admin, entitledUsersEdit="ed1,ed2", entitledUsersPublish="pub1",
                          entitledUsersView="view1")

    fetched = admin.media.get(entry.id)

    assert set(fetched.entitledUsersEdit.split(",")) == {"ed1", "ed2"}
    assert fetched.entitledUsersPublish == "pub1"
    assert fetched.entitledUsersView == "view1"


def test_user_ks_may_not_add_an_entry_owned_by_someone_else(api):
    client = api.user(api.uid("sneaky"))

    with api.error("INVALID_KS", NOT_OWNER):
        api.add_entry(client, userId=api.uid("victim"))


def test_admin_ks_may_add_an_entry_owned_by_another_user(api, admin):
    owner = api.uid("owner")

    entry = api.add_entry(admin, userId=owner)

    assert entry.userId == owner


def test_user_ks_of_a_stranger_may_not_update_the_entry(api):
    entry = api.add_entry(api.user(api.uid("owner")), "Original")
    change = KalturaMediaEntry()
    change.name = "Hijacked"

    with api.error("INVALID_KS", NOT_OWNER):
        api.user(api.uid("stranger")).media.update(entry.id, change)
    assert api.admin().media.get(entry.id).name == "Original"


def test_user_ks_of_a_stranger_may_not_delete_the_entry(api):
    entry = api.add_entry(api.user(api.uid("owner")))

    with api.error("INVALID_KS", NOT_OWNER):
        api.user(api.uid("stranger")).media.delete(entry.id)
    assert api.admin().media.get(entry.id).id == entry.id


def test_owner_may_update_and_change_the_collaborators(api):
    owner = api.uid("owner")
    client = api.user(owner)
    entry = api.add_entry(client)
    change = KalturaMediaEntry()
    change.name = "Mine"
    change.entitledUsersEdit = "helper"
    change.entitledUsersPublish = "promoter"

    updated = client.media.update(entry.id, change)

    assert updated.name == "Mine"
    assert updated.entitledUsersEdit == "helper"
    assert updated.entitledUsersPublish == "promoter"


def test_co_editor_may_update_the_entry(api, admin):
    editor = api.uid("editor")
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersEdit=editor)
    change = KalturaMediaEntry()
    change.description = "edited by a co-editor"

    updated = api.user(editor).media.update(entry.id, change)

    assert updated.description == "edited by a co-editor"


def test_co_editor_may_not_change_the_co_editors(api, admin):
    editor = api.uid("editor")
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersEdit=editor)
    change = KalturaMediaEntry()
    change.entitledUsersEdit = f"{editor},friend"

    with api.error("INVALID_KS", NOT_OWNER):
        api.user(editor).media.update(entry.id, change)
    assert admin.media.get(entry.id).entitledUsersEdit == editor


def test_co_editor_may_not_change_the_co_publishers(api, admin):
    editor = api.uid("editor")
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersEdit=editor)
    change = KalturaMediaEntry()
    change.entitledUsersPublish = "friend"

    with api.error("INVALID_KS", NOT_OWNER):
        api.user(editor).media.update(entry.id, change)


def test_co_editor_may_delete_the_entry(api, admin):
    editor = api.uid("editor")
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersEdit=editor)

    api.user(editor).media.delete(entry.id)

    with api.error("ENTRY_ID_NOT_FOUND"):
        admin.media.get(entry.id)


def test_co_publisher_may_not_update_the_entry(api, admin):
    publisher = api.uid("publisher")
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersPublish=publisher)
    change = KalturaMediaEntry()
    change.name = "by publisher"

    with api.error("INVALID_KS", NOT_OWNER):
        api.user(publisher).media.update(entry.id, change)


def test_co_viewer_may_not_update_the_entry(api, admin):
    viewer = api.uid("viewer")
    entry = api.add_entry(admin, userId=api.uid("owner"), entitledUsersView=viewer)
    change = KalturaMediaEntry()
    change.name = "by viewer"

    with api.error("INVALID_KS", NOT_OWNER):
        api.user(viewer).media.update(entry.id, change)


def test_edit_privilege_for_the_entry_lets_a_user_ks_update_it(api, admin):
    entry = api.add_entry(admin, userId=api.uid("owner"))
    change = KalturaMediaEntry()
    change.name = "edited with edit privilege"

    updated = api.user(api.uid("helper"), f"edit:{entry.id}").media.update(entry.id, change)

    assert updated.name == "edited with edit privilege"


def test_user_ks_may_not_change_the_owner_of_its_own_entry(api):
    owner = api.uid("owner")
    client = api.user(owner)
    entry = api.add_entry(client)
    change = KalturaMediaEntry()
    change.userId = api.uid("newowner")

    with api.error("INVALID_KS", NOT_OWNER):
        client.media.update(entry.id, change)
    assert api.admin().media.get(entry.id).userId == owner


def test_admin_ks_may_change_the_owner(api, admin):
    entry = api.add_entry(admin, userId=api.uid("owner"))
    new_owner = api.uid("heir")
    change = KalturaMediaEntry()
    change.userId = new_owner

    updated = admin.media.update(entry.id, change)

    assert updated.userId == new_owner


# --- template entries --------------------------------------------------------------


def test_media_add_with_template_entry_copies_metadata_owner_collaborators_and_categories(
    api, admin
):
    owner, editor, publisher = api.uid("organizer"), api.uid("coed"), api.uid("copub")
    category = api.add_category(admin)
    template = api.add_entry(admin, "Weekly lecture", description="Recorded in room 101",
                             tags="lecture", userId=owner, entitledUsersEdit=editor,
                             entitledUsersPublish=publisher)
    api.publish(admin, template.id, category.id)
    recording = KalturaMediaEntry()
    recording.mediaType = KalturaMediaType.VIDEO
    recording.templateEntryId = template.id

    created = admin.media.add(recording)

    assert created.id != template.id
    assert created.templateEntryId == template.id
    assert created.name == "Weekly lecture"
    assert created.description == "Recorded in room 101"
    assert created.tags == "lecture"
    assert created.userId == owner
    assert created.entitledUsersEdit == editor
    assert created.entitledUsersPublish == publisher
    links = KalturaCategoryEntryFilter()
    links.entryIdEqual = created.id
    listed = admin.categoryEntry.list(links)
    assert [(l.categoryId, l.status.getValue()) for l in listed.objects] == [
        (category.id, KalturaCategoryEntryStatus.ACTIVE)
    ]
    assert admin.media.get(created.id).categoriesIds == str(category.id)
