-- What an incremental run found to do: keys in scope, queue entries captured.
SELECT (SELECT count(*) FROM ca_scope) AS keys,
       (SELECT count(*) FROM ca_queue) AS entries;
