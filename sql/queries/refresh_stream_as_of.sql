-- The run's as_of, for the daemon's part of the compute (daemon/compute.c).
SELECT as_of FROM ca_run;
