"""Jobs: the Huey queue, the worker that runs a job under a lease, the sweep, cancel and batch."""
