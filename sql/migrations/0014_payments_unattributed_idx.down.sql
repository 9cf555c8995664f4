-- Revert 0014.
DROP INDEX IF EXISTS payments_unattributed_booking_idx;
