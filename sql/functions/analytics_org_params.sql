-- analytics_org_params: an organization's settings (analytics_org_settings), a missing row
-- or a NULL column meaning docs/METRICS.md's default. Repeatable, as analytics_scores.sql.
CREATE OR REPLACE FUNCTION analytics_org_params(org uuid)
    RETURNS TABLE (phone_country_code text, default_interval_days integer,
                   lost_after_days integer, r_days integer[], f_visits integer[],
                   m_cents bigint[])
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(s.phone_country_code, '1'),
           coalesce(s.default_interval_days, 42),
           coalesce(s.lost_after_days, 365),
           coalesce(s.rfm_r_days, '{30,60,120,240}'::integer[]),
           coalesce(s.rfm_f_visits, '{12,6,3,2}'::integer[]),
           coalesce(s.rfm_m_cents, '{100000,50000,20000,5000}'::bigint[])
      FROM (SELECT org) k
      LEFT JOIN analytics_org_settings s ON s.organization_id = k.org
$$;
