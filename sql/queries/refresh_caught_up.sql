-- An incremental run found nothing queued and nothing due ($1 = the run's pinned as_of or
-- NULL): the table is exact as of now. Such a run records no run; freshness reads this.
UPDATE analytics_control SET caught_up_at = coalesce($1::timestamptz, now());
