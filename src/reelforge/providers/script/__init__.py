"""Script writers: a template writer offline, OpenAI-compatible chat remote."""
