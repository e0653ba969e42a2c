-- An index for a hot read, found by benchmarking a seeded partner (BENCHMARKS.md).
--
-- A user's own entries (My Media, and any list of a user session without `list:*`): with
-- the id and status in the index, counting them needs no row reads although deleted
-- entries are filtered out, and the newest-first order with its id tie-break comes
-- straight from the index, so a page reads only its own rows. It replaces the index on
-- (partner_id, owner_id, created_at), of which it is an extension.
DROP INDEX entry_by_owner;
CREATE INDEX entry_by_owner ON entry (partner_id, owner_id, created_at, id, status);
