-- peel schema version 12: a case review's cited complaint may be a stored
-- ASB report, and a report keeps the media link an Open311 app sent. Keep in step with ../sqlite/0012_report_links_and_media.sql:
-- a test checks both create the same tables and columns. Empty for
-- complaints typed in from the applicant's account.
ALTER TABLE trigger_complaints ADD COLUMN report_id BIGINT REFERENCES asb_reports(id);
CREATE INDEX trigger_complaints_report ON trigger_complaints (report_id);

-- A link to a photo or video sent with the report (Open311's media_url),
-- shown to the recording organisation's staff; never fetched, never public.
ALTER TABLE asb_reports ADD COLUMN media_url TEXT;
