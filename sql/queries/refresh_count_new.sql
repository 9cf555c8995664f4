-- How many rows the run computed (unchanged = this - inserted - updated).
SELECT count(*) FROM ca_new;
