"""Running a job: the pipeline, the enrichment scheduler, the run's state and its worker pool."""
