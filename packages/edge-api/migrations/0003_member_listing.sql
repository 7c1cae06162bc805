-- GET /v1/members pages by (created_at, id) and analytics counts a program's members before a date:
-- both scanned the program's whole member list without this index.
CREATE INDEX members_program_time ON members(program_id, created_at);
