"""The font used for titles and burned subtitles: configured, else Noto Sans from PyPI."""

from __future__ import annotations

from pathlib import Path

from reelforge.errors import DependencyMissing


def font_file(configured: Path | None = None) -> Path:
    """A TTF/OTF file readable by both Pillow and libass."""
    if configured is not None:
        if not Path(configured).is_file():
            raise DependencyMissing(
                f"REELFORGE_FONT_FILE points at {configured}, which does not exist",
                hint="unset it to use the bundled Noto Sans",
            )
        return Path(configured)
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


def font_family(path: Path) -> str:
    """The family name libass must be told to pick ``path`` from its fonts directory."""
    from PIL import ImageFont

    family, _style = ImageFont.truetype(str(path), 20).getname()
    return family or "Sans"
