-- Per-run settings, local to the run's transaction. $1 = refresh.work_mem.
-- JIT compilation costs more than it saves on the compute statement, on small data and
-- large (docs/BENCHMARKS.md, "Design measurements").
SELECT set_config('work_mem', $1, true),
       set_config('TimeZone', 'UTC', true),
       set_config('jit', 'off', true);
