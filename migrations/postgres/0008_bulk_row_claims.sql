-- Workers claim a job's pending rows in file order. With only (job_id, status)
-- the claim walked every pending row of the job for each batch: a 100,000-row
-- file slowed to a few hundred rows a second.
DROP INDEX bulk_job_rows_by_status;
CREATE INDEX bulk_job_rows_by_status ON bulk_job_rows(job_id, status, row_number);
