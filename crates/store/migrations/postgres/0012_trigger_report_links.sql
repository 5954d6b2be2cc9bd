-- peel schema version 12: a case review's cited complaint may be a stored
-- ASB report. Keep in step with ../sqlite/0012_trigger_report_links.sql:
-- a test checks both create the same tables and columns. Empty for
-- complaints typed in from the applicant's account.
ALTER TABLE trigger_complaints ADD COLUMN report_id BIGINT REFERENCES asb_reports(id);
CREATE INDEX trigger_complaints_report ON trigger_complaints (report_id);
