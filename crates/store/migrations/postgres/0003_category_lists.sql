-- Indexes for category.list under entitlement (BENCHMARKS.md, "The other calls").
--
-- The default order, by depth then id, comes straight from the first, so a page reads only
-- its own rows instead of sorting the partner's whole tree. The second covers what the
-- visibility rule reads of each category, so counting the visible ones reads no rows.
-- Both rely on the planner's statistics (PRAGMA optimize at start) to be used only where
-- they help.
CREATE INDEX category_by_depth ON category (partner_id, depth, id);
CREATE INDEX category_visibility ON category (partner_id, status, appear_in_list, privacy_contexts, inherited_parent_id);
