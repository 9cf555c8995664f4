-- Revert 0007.
DROP INDEX IF EXISTS bookings_start_at_idx;
