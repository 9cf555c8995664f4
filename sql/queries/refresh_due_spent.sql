-- After an incremental run has written its rows ($1 = the run's pinned as_of or NULL):
-- every row due by now was in its scope and has moved on or gone, so the entries of
-- analytics_due due by now are spent (migration 0015). They were listed together, in order
-- of due_at, so this touches few pages.
DELETE FROM analytics_due WHERE due_at <= coalesce($1::timestamptz, now());
