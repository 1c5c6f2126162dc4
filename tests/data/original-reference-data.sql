-- Reference copy kept with the tests (tests/test_migrations.py): the FastAPI original's migration-inserted rows, copied verbatim from the project's shared reference (produced as the lines below say).
-- Rows that the original aai-backend's migrations themselves insert into a new database
-- (alembic head 038392d88518). Load after original-schema.sql to get exactly what a freshly
-- migrated original database holds, before any user or sync data.
INSERT INTO public.alembic_version (version_num) VALUES ('038392d88518');
INSERT INTO public.platform (id, name, is_deleted, role_id) VALUES
    ('GALAXY', 'Galaxy Australia', false, NULL),
    ('BPA_DATA_PORTAL', 'Bioplatforms Australia Data Portal', false, NULL),
    ('SBP', 'Structural Biology Platform', false, NULL);
