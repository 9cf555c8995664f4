-- Per-run settings, local to the run's transaction. $1 = refresh.work_mem.
SELECT set_config('work_mem', $1, true),
       set_config('TimeZone', 'UTC', true);
