"""Assembly: a timeline becomes one FFmpeg filter graph → final MP4, SRT captions, thumbnail."""
