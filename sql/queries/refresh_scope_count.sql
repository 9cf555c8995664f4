-- What an incremental run found to do: keys in scope (the rows due by the clock among them)
-- and queue entries read.
SELECT (SELECT count(*) FROM ca_scope) AS keys,
       (SELECT count(*) FROM ca_queue) AS entries;
