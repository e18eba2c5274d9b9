"""Video engines: the local renderer (offline) and remote generators, behind VideoGenerator."""
