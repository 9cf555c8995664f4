-- Temp tables have no statistics until analysed; the compute joins on this.
ANALYZE ca_scope;
