-- refresh incremental --dry-run: the keys the change queue names (ca_queued,
-- refresh_queue_keys.sql).
SELECT count(*) AS keys_queued FROM ca_queued;
