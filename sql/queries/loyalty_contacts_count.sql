-- Loyalty rebuild: the distinct contacts in scope (the customers the rebuild wants).
SELECT count(*) FROM (SELECT DISTINCT organization_id, email_key, phone_key FROM lr_contacts) c;
