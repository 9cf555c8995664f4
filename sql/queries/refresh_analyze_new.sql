-- Before the computed rows are compared with customer_analytics (delete, update, insert):
-- temp tables have no statistics until analysed, and without them the planner may join
-- ca_new to the table by a nested loop over a sequential scan of it. For the insert that
-- is quadratic: the scan reads, for every computed row, every row the same statement has
-- inserted so far (a full refresh into an emptied table was cancelled by statement_timeout
-- after 944 s in make bench, where the same refresh takes 53 s with a hash join).
ANALYZE ca_new;
