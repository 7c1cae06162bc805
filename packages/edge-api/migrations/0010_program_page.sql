-- The hosted program page, GET /p/<slug> (src/program-page): what the vendor writes for it through
-- PATCH /v1/program. NULL means "the defaults": generated questions and terms, and the visitor's language.

-- JSON array of { "q": …, "a": … }; '[]' shows no questions at all.
ALTER TABLE programs ADD COLUMN page_faq TEXT;
-- Plain text; blank lines separate paragraphs.
ALTER TABLE programs ADD COLUMN page_terms TEXT;
-- An https image shown in the page's header and link previews.
ALTER TABLE programs ADD COLUMN logo_url TEXT;
-- 'en' or 'de': the page's language whatever the visitor's browser asks for (?lang= still wins).
ALTER TABLE programs ADD COLUMN page_language TEXT CHECK (page_language IN ('en', 'de'));
