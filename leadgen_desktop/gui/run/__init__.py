"""Running a campaign: the form, the run controller and worker, the overview, metrics, history and resume."""
