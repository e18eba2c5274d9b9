"""Music sources: the built-in catalog, the user's folders, Spotify metadata."""
