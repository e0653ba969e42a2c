-- The copy of an entry's source that browsers can play, and its size, made when the
-- source is not playable as uploaded; where its HLS packaging is kept, when there is one; and why
-- processing left the entry in an error status.
ALTER TABLE entry ADD COLUMN web_flavor_key TEXT;
ALTER TABLE entry ADD COLUMN web_flavor_bytes BIGINT;
ALTER TABLE entry ADD COLUMN hls_key TEXT;
ALTER TABLE entry ADD COLUMN status_reason TEXT;
