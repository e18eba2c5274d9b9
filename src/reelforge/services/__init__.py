"""The service layer: what the API and the CLI both call (routes and commands stay thin)."""
