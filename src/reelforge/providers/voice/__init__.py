"""Voice engines: Piper and espeak-ng offline; Hume and OpenAI-compatible speech remote."""
