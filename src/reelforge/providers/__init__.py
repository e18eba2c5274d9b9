"""Engines behind one Protocol per capability: script, voice, video, music (see ``base.py``)."""
