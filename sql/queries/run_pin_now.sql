-- The run's instant for whatever its transaction reads through the view customer_analytics
-- (the columns evaluated when read, migration 0013): the run's as_of, not the statement's
-- clock, local to the transaction.
SELECT set_config('analytics.now', as_of::text, true) FROM ca_run;
