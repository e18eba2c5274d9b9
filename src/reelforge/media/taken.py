"""When and where a picture or clip was taken, in words a search can match.

Cameras and phones write the capture time and GPS position into a file: EXIF in pictures (read by
``media/image_files.py``), container tags in videos (``creation_time`` and an ISO 6709 location,
``+38.7223-009.1393/``, read here). Coordinates become the nearest town and its country, fully
offline: ``reverse_geocoder`` ships GeoNames' table of towns over 1,000 people (CC BY) inside its
package and ``pytz`` ships the ISO 3166 country names. Only the name is kept, never the
coordinates. The town table takes a few seconds to load, so it is loaded once per process and
only when a file has a position.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Container tags that carry a video's position (QuickTime/iPhone, Android/FFmpeg).
LOCATION_TAGS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
#: Further than this from the nearest town, a position is described as "near" it.
NEAR_KM = 25.0
#: Further than this (open sea, wilderness), no place is named.
FAR_KM = 150.0
#: ISO 3166 short names that read oddly in a sentence.
COUNTRY_NAMES = {"GB": "United Kingdom", "US": "United States", "KR": "South Korea",
                 "KP": "North Korea", "RU": "Russia", "IR": "Iran", "SY": "Syria",
                 "VN": "Vietnam", "LA": "Laos", "BO": "Bolivia", "VE": "Venezuela",
                 "TZ": "Tanzania", "MD": "Moldova", "TW": "Taiwan"}
_ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Taken:
    """A file's capture time (ISO 8601, or None) and position (degrees, or None)."""

    at: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def parse_iso6709(text: str) -> tuple[float, float] | None:
    """``+38.7223-009.1393+010.000/`` → (38.7223, -9.1393); None when it is not a position."""
    match = _ISO6709.match(text or "")
    if match is None:
        return None
    latitude, longitude = float(match.group(1)), float(match.group(2))
    return (latitude, longitude) if valid_position(latitude, longitude) else None


def valid_position(latitude: float, longitude: float) -> bool:
    """Inside the globe and not the (0, 0) a broken GPS writes."""
    return (-90 <= latitude <= 90 and -180 <= longitude <= 180
            and not (latitude == 0 and longitude == 0))


def capture_time(value: str | None) -> str | None:
    """A container's ``creation_time`` as ISO 8601 (seconds), or None for a missing or clearly
    unset one (the 1904/1970 epochs muxers write when they know no date)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.year < 1990:
        return None
    return when.replace(tzinfo=None, microsecond=0).isoformat()


def video_taken(path: Path) -> Taken:
    """The capture time and position a video's container tags carry (empty when none)."""
    import av

    try:
        with av.open(str(path)) as container:
            tags: dict[str, Any] = dict(container.metadata)
            for stream in container.streams:
                tags.setdefault("creation_time", stream.metadata.get("creation_time"))
    except Exception:  # unreadable tags cost the clip its date, never its analysis
        return Taken()
    position = None
    for tag in LOCATION_TAGS:
        if tags.get(tag):
            position = parse_iso6709(str(tags[tag]))
            if position is not None:
                break
    at = capture_time(str(tags.get("creation_time") or ""))
    if position is None:
        return Taken(at=at)
    return Taken(at=at, latitude=position[0], longitude=position[1])


def place_name(latitude: float, longitude: float) -> str:
    """The nearest town, its region when named otherwise, and its country ("Lisbon,
    Portugal"; "Vanves, Ile-de-France, France"), "near …" when the position is some way out of
    town; "" far from any town or when unknown. The nearest town centre is not
    always the town people would name (the Eiffel Tower is nearer Vanves' centre than Paris'),
    so the region is kept for search to match too."""
    if not valid_position(latitude, longitude):
        return ""
    try:
        row = _towns().query([(latitude, longitude)])[0]
    except ImportError:
        return ""
    country = country_name(str(row.get("cc", "")))
    town, region = str(row.get("name", "")), str(row.get("admin1", ""))
    km = distance_km(latitude, longitude, float(row["lat"]), float(row["lon"]))
    if km > FAR_KM:  # at sea, or far from any town: a country would often be the wrong one
        return ""
    place = ", ".join(dict.fromkeys(p for p in (town, region, country) if p))
    return f"near {place}" if km > NEAR_KM else place


def country_name(code: str) -> str:
    if not code:
        return ""
    if code.upper() in COUNTRY_NAMES:
        return COUNTRY_NAMES[code.upper()]
    try:
        import pytz
    except ImportError:
        return code.upper()
    return str(pytz.country_names.get(code.lower(), code.upper()))


def when_words(iso: str | None) -> str:
    """"in June 2023, in the morning" from an ISO time; "" when there is none."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    hour = when.hour
    part = ("at night" if hour < 5 or hour >= 22 else "in the morning" if hour < 12
            else "in the afternoon" if hour < 18 else "in the evening")
    # a date-only value (midnight exactly) says nothing about the time of day
    if (when.hour, when.minute, when.second) == (0, 0, 0):
        return f"in {when:%B %Y}"
    return f"in {when:%B %Y}, {part}"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=1)
def _towns() -> Any:
    import reverse_geocoder

    # mode 1: one process (the default forks a pool per query batch)
    return reverse_geocoder.RGeocoder(mode=1, verbose=False)
