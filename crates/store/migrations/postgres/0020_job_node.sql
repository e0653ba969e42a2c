-- Which node holds a running job, so that a node starting again resumes its own jobs at
-- once instead of waiting for their lease to run out.
ALTER TABLE job ADD COLUMN claimed_by TEXT;
