"""The font used for titles and burned captions: configured, else Noto Sans from PyPI."""

from __future__ import annotations

import warnings
from pathlib import Path

from reelforge.errors import DependencyMissing


def font_file(configured: Path | None = None) -> Path:
    """A TTF/OTF file readable by both Pillow and libass. A configured font that is missing or
    unreadable falls back to the bundled one with a warning: captions never stop a video."""
    if configured is not None:
        problem = _unreadable(Path(configured))
        if problem is None:
            return Path(configured)
        warnings.warn(f"the caption font {configured} {problem}: using the bundled font",
                      UserWarning, stacklevel=2)
    try:
        import fontpkg_noto_sans

        files = sorted(Path(fontpkg_noto_sans.ROOT, "files").glob("NotoSans[[]*.ttf"))
        if files:
            return files[0]
    except ImportError:
        pass
    for candidate in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",):
        if Path(candidate).is_file():
            return Path(candidate)
    raise DependencyMissing(
        "no font found for titles and subtitles",
        hint="reinstall with `make install` (fontpkg-noto-sans) or set REELFORGE_FONT_FILE",
    )


def _unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be used as a font, or None when FreeType reads it."""
    if not path.is_file():
        return "does not exist"
    from PIL import ImageFont

    try:
        ImageFont.truetype(str(path), 20)
    except OSError as exc:
        return f"is not a font FreeType can read ({exc})"
    return None


def font_family(path: Path) -> str:
    """The family name libass must be told to pick ``path`` from its fonts directory."""
    from PIL import ImageFont

    family, _style = ImageFont.truetype(str(path), 20).getname()
    return family or "Sans"
