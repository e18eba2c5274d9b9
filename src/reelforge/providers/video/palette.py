"""Colours for a scene: from its mood, nudged by colour words in its prompt, varied by seed."""

from __future__ import annotations

import colorsys
import random

# Four colours per mood, dark to light, chosen to keep white titles readable.
MOOD_PALETTES: dict[str, tuple[str, ...]] = {
    "calm": ("#0f2027", "#203a43", "#2c5364", "#6fa3b5"),
    "energetic": ("#3a0ca3", "#f72585", "#ff7b00", "#ffd000"),
    "happy": ("#ff7e5f", "#feb47b", "#ffd452", "#5ec8e5"),
    "nostalgic": ("#3e2723", "#8d6e63", "#d7a86e", "#f2d0a4"),
    "tender": ("#4a306d", "#a86ba3", "#f2b5d4", "#fde2e4"),
    "mysterious": ("#0b0c2a", "#2e1760", "#3d5a80", "#48bfe3"),
    "serious": ("#1b1b1b", "#2f3e46", "#52796f", "#84a98c"),
    "dramatic": ("#10002b", "#5a189a", "#9d0208", "#e85d04"),
}

# Words in a visual prompt that pull the palette toward a colour.
COLOR_WORDS: dict[str, str] = {
    "ocean": "#0077b6",
    "sea": "#0096c7",
    "water": "#48cae4",
    "underwater": "#023e8a",
    "sky": "#4cc9f0",
    "night": "#10002b",
    "space": "#0b0c2a",
    "star": "#3a0ca3",
    "fire": "#e85d04",
    "sun": "#ffba08",
    "sunset": "#f48c06",
    "gold": "#d4a017",
    "forest": "#2d6a4f",
    "tree": "#40916c",
    "green": "#52b788",
    "grass": "#74c69d",
    "desert": "#e9c46a",
    "sand": "#f4a261",
    "snow": "#caf0f8",
    "ice": "#90e0ef",
    "blood": "#9d0208",
    "red": "#d00000",
    "love": "#ff4d6d",
    "heart": "#c9184a",
    "city": "#5c677d",
    "tech": "#00b4d8",
    "robot": "#7d8597",
    "money": "#2a9d8f",
    "coffee": "#6f4518",
    "purple": "#7b2cbf",
    "blue": "#0077b6",
    "orange": "#fb8500",
}


def _hex_to_rgb(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _rgb_to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c * 255))):02x}" for c in rgb)


def _shift_hue(color: str, amount: float) -> str:
    hue, light, sat = colorsys.rgb_to_hls(*_hex_to_rgb(color))
    return _rgb_to_hex(colorsys.hls_to_rgb((hue + amount) % 1.0, light, sat))


def scene_palette(mood: str, visual_prompt: str, seed: int) -> list[str]:
    """Four hex colours for the scene; deterministic for (mood, prompt, seed)."""
    base = list(MOOD_PALETTES.get(mood, MOOD_PALETTES["calm"]))
    words = [w.strip(".,;:!?").lower() for w in visual_prompt.split()]
    accents = [COLOR_WORDS[w] for w in words if w in COLOR_WORDS]
    for i, accent in enumerate(accents[:2]):
        base[1 + i] = accent
    rng = random.Random(f"{mood}|{visual_prompt}|{seed}")
    shift = rng.uniform(-0.04, 0.04)
    return [_shift_hue(c, shift) for c in base]


def ffmpeg_color(hex_color: str) -> str:
    return "0x" + hex_color.lstrip("#")
