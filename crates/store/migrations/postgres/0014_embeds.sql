-- Entries embedded into LMS course pages: one row per LTI resource link, so that opening
-- the embed knows its entry and course even after the entry left the course.
CREATE TABLE embed (
    app_id BIGINT NOT NULL REFERENCES app (id),
    resource_link_id TEXT NOT NULL,
    context_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    embedded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, resource_link_id)
);

-- Publications removed on purpose (unpublished, or removed from a category), by whom and
-- when: the RespectPrivate rule of embeds asks whether the owner withdrew an entry.
CREATE TABLE publication_removal (
    category_id BIGINT NOT NULL,
    entry_id TEXT NOT NULL,
    removed_by TEXT,
    removed_at BIGINT NOT NULL
);
CREATE INDEX publication_removal_by_entry ON publication_removal (entry_id, category_id);
