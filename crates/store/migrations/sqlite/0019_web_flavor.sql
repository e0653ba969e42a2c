-- The copy of an entry's source that browsers can play, made when the source is not
-- playable as uploaded, and why processing left the entry in an error status.
ALTER TABLE entry ADD COLUMN web_flavor_key TEXT;
ALTER TABLE entry ADD COLUMN status_reason TEXT;
