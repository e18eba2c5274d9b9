"""Faithful local fakes of OpenAI, Hume, Runware and Spotify (one ASGI app each), with fault
injection and request counters; ``reelforge fakes serve`` runs them (see docs/providers.md)."""
