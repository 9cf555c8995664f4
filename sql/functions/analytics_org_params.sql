-- analytics_org_params: an organization's settings (analytics_org_settings), a missing row
-- or a NULL column meaning the default (analytics_org_defaults, migration 0013, which the
-- view customer_analytics reads too). Repeatable, as analytics_scores.sql.
--
-- PL/pgSQL, called once per organization of a run: on Citus, where analytics_org_settings
-- is distributed, a SQL function that takes a parameter and reads it cannot be planned
-- (docs/SCALE-OUT.md); PL/pgSQL runs its query as one with the organization bound.
CREATE OR REPLACE FUNCTION analytics_org_params(org uuid)
    RETURNS TABLE (phone_country_code text, default_interval_days integer,
                   lost_after_days integer, r_days integer[], f_visits integer[],
                   m_cents bigint[])
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = public, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT coalesce(s.phone_country_code, d.phone_country_code),
           coalesce(s.default_interval_days, d.default_interval_days),
           coalesce(s.lost_after_days, d.lost_after_days),
           coalesce(s.rfm_r_days, d.rfm_r_days),
           coalesce(s.rfm_f_visits, d.rfm_f_visits),
           coalesce(s.rfm_m_cents, d.rfm_m_cents)
      FROM analytics_org_defaults d
      LEFT JOIN analytics_org_settings s ON s.organization_id = org;
END
$$;
