-- The captured queue entries are usually few or none: say so to the planner before it
-- expands them (refresh_queue_keys.sql), or it assumes a default size and reads the
-- bookings of every organization whole to find nothing.
ANALYZE ca_queue;
