-- Rows in the FastAPI original's layout (enum labels by NAME), for the adoption test.
SET search_path = public;
INSERT INTO auth0role (id, name, description) VALUES ('rol_galaxy_admin', 'biocommons/role/galaxy/admin', '');
INSERT INTO platformrolelink (platform_id, role_id) VALUES ('GALAXY', 'rol_galaxy_admin');
INSERT INTO biocommons_user (id, email, username, created_at, email_verified)
    VALUES ('auth0|legacy1', 'legacy@example.org', 'legacy_user', '2025-06-01T10:00:00+10:00', true);
INSERT INTO biocommonsgroup (group_id, name, short_name)
    VALUES ('biocommons/group/tsi', 'Threatened Species Initiative', 'TSI');
INSERT INTO platformmembership (id, platform_id, user_id, approval_status, updated_at, request_reason)
    VALUES ('6f1b2c3d-0000-4000-8000-000000000001', 'GALAXY', 'auth0|legacy1', 'APPROVED',
            '2025-06-02T00:00:00+00:00', 'research');
INSERT INTO platformmembershiphistory (id, platform_id, user_id, approval_status, updated_at)
    VALUES ('6f1b2c3d-0000-4000-8000-000000000002', 'GALAXY', 'auth0|legacy1', 'APPROVED',
            '2025-06-02T00:00:00+00:00');
INSERT INTO groupmembership (id, group_id, user_id, approval_status, updated_at, request_reason)
    VALUES ('6f1b2c3d-0000-4000-8000-000000000003', 'biocommons/group/tsi', 'auth0|legacy1',
            'PENDING', '2025-06-03T00:00:00+00:00', 'genomics of quolls');
INSERT INTO groupmembershiphistory (id, group_id, user_id, approval_status, updated_at)
    VALUES ('6f1b2c3d-0000-4000-8000-000000000004', 'biocommons/group/tsi', 'auth0|legacy1',
            'PENDING', '2025-06-03T00:00:00+00:00');
INSERT INTO biocommonsuserhistory (id, user_id, updated_at, email, username, change)
    VALUES ('6f1b2c3d-0000-4000-8000-000000000005', 'auth0|legacy1', '2025-06-04T00:00:00+00:00',
            'old@example.org', 'legacy_user', 'email_update');
INSERT INTO emailnotification (id, to_address, from_address, subject, body_html, status, attempts,
                               created_at, updated_at)
    VALUES ('6f1b2c3d-0000-4000-8000-000000000006', 'legacy@example.org', 'no-reply@example.org',
            'Welcome', '<p>Hi</p>', 'SENT', 1, '2025-06-01T00:00:00+00:00', '2025-06-01T00:00:05+00:00');
