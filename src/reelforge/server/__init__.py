"""The REST API: FastAPI app, one thin router per resource, auth, limits, SSE, metrics."""
