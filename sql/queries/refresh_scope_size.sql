-- The customers a run recomputes (ca_scope), for its progress: computed of this many.
SELECT count(*) FROM ca_scope;
