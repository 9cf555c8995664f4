-- Is $1 an organization? A run for one that does not exist is refused, not recorded.
SELECT EXISTS (SELECT FROM organizations WHERE id = $1::uuid) AS found;
