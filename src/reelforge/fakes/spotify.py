"""A faithful local Spotify Web API: client-credentials token, search, tracks, audio features.

Basic-auth ``POST /api/token`` (OAuth error bodies), Bearer-checked ``/v1/search`` with the 2026
dev-mode ``limit`` maximum and ``next`` URLs that point back here, ``/v1/tracks/{id}``, and
``/v1/audio-features`` answering 403 (as it does for new apps) unless configured otherwise.
The catalogue is a fixed, made-up set of tracks.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from reelforge.fakes.common import (
    FakeConfig,
    FakeState,
    add_admin_routes,
    http_fault,
    key_matches,
    service_fault,
)
from reelforge.settings import Settings

GENRES = ("piano", "ambient", "acoustic", "electronic", "orchestral", "lofi")
ADJECTIVES = ("Calm", "Hopeful", "Quiet", "Bright", "Golden", "Distant", "Gentle", "Rising",
              "Tender", "Electric", "Nostalgic", "Happy", "Energetic", "Silver", "Slow")
NOUNS = ("Morning", "Tide", "Horizon", "Letters", "Rooftops", "Garden", "Signal", "River")
ARTISTS = ("Mira Holt", "The Paper Lanterns", "Jonas Brandt", "Aiko Mori", "Low Harbour",
           "Celeste Vane")
SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _spotify_id(seed: str) -> str:
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:16], "big")
    out = ""
    for _ in range(22):
        number, digit = divmod(number, 62)
        out += BASE62[digit]
    return out


def catalogue() -> list[dict[str, Any]]:
    """90 made-up tracks, 15 per genre, deterministic."""
    tracks = []
    for i in range(90):
        genre = GENRES[i % len(GENRES)]
        name = f"{ADJECTIVES[i % len(ADJECTIVES)]} {NOUNS[i % len(NOUNS)]}"
        artist = ARTISTS[(i // 3) % len(ARTISTS)]
        track_id, album_id = _spotify_id(f"track{i}"), _spotify_id(f"album{i // 2}")
        artist_id = _spotify_id(artist)
        artist_obj = {"id": artist_id, "name": artist, "type": "artist",
                      "uri": f"spotify:artist:{artist_id}",
                      "href": f"https://api.spotify.com/v1/artists/{artist_id}",
                      "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"}}
        tracks.append({
            "album": {"album_type": "album", "total_tracks": 2, "id": album_id,
                      "name": f"{genre.title()} Sessions Vol. {i // 12 + 1}",
                      "release_date": f"20{10 + i % 15:02d}-0{1 + i % 9}-1{i % 9}",
                      "release_date_precision": "day", "images": [], "artists": [artist_obj],
                      "uri": f"spotify:album:{album_id}",
                      "href": f"https://api.spotify.com/v1/albums/{album_id}",
                      "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"}},
            "artists": [artist_obj], "disc_number": 1, "duration_ms": 120_000 + 7_919 * i,
            "explicit": False, "external_ids": {"isrc": f"QZFAK26{i:05d}"},
            "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
            "href": f"https://api.spotify.com/v1/tracks/{track_id}", "id": track_id,
            "is_playable": True, "restrictions": None, "name": name, "track_number": 1 + i % 2,
            "type": "track", "uri": f"spotify:track:{track_id}", "is_local": False,
            "popularity": None, "available_markets": None, "linked_from": None,
            "preview_url": None, "_genre": genre,
        })
    return tracks


def api_error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def _public(track: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in track.items() if not k.startswith("_")}


def create_app(settings: Settings, config: FakeConfig | None = None) -> FastAPI:
    """The Spotify fake as an ASGI app; its FakeState is ``app.state.fake``."""
    state = FakeState(config or FakeConfig.from_settings(settings))
    tokens: dict[str, float] = {}
    state.data["tokens"] = tokens
    tracks = catalogue()
    by_id = {t["id"]: t for t in tracks}
    app = FastAPI(title="fake Spotify", docs_url=None, redoc_url=None,
                  redirect_slashes=False)
    app.state.fake = state
    add_admin_routes(app, state, "spotify")

    def oauth_error(error: str, description: str, status: int = 400) -> Response:
        return JSONResponse({"error": error, "error_description": description},
                            status_code=status)

    @app.post("/api/token")
    async def token(request: Request) -> Response:
        if (fault := await http_fault(state, "POST /api/token", request, api_error)) is not None:
            return fault
        form = await request.form()
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return oauth_error("invalid_client", "Invalid client")
        if form.get("grant_type") != "client_credentials":
            return oauth_error("unsupported_grant_type",
                               "grant_type parameter is missing or unsupported")
        if not client_id or not key_matches(state, str(secret or "")):
            return oauth_error("invalid_client", "Invalid client")
        access = secrets.token_urlsafe(40)
        tokens[access] = time.time() + state.config.token_expires_in_s
        state.pay("token")
        return JSONResponse({"access_token": access, "token_type": "Bearer",
                             "expires_in": state.config.token_expires_in_s})

    def bearer_failure(request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return JSONResponse(api_error(401, "No token provided"), status_code=401)
        expiry = tokens.get(header[7:].strip())
        if expiry is None:
            return JSONResponse(api_error(401, "Invalid access token"), status_code=401)
        if expiry < time.time() or service_fault(request) == "expired-token":
            return JSONResponse(api_error(401, "The access token expired"), status_code=401)
        return None

    @app.get("/v1/search")
    async def search(request: Request) -> Response:
        if (fault := await http_fault(state, "GET /v1/search", request, api_error)) is not None:
            return fault
        if (denied := bearer_failure(request)) is not None:
            return denied
        query = request.query_params
        q, types = query.get("q", "").strip(), query.get("type", "")
        if not q:
            return JSONResponse(api_error(400, "No search query"), status_code=400)
        kinds = [k.strip() for k in types.split(",") if k.strip()]
        if not kinds or any(k not in SEARCH_TYPES for k in kinds):
            return JSONResponse(api_error(400, "Missing or invalid parameter type"),
                                status_code=400)
        try:
            limit, offset = int(query.get("limit", 5)), int(query.get("offset", 0))
        except ValueError:
            return JSONResponse(api_error(400, "Invalid limit or offset"), status_code=400)
        if not 1 <= limit <= state.config.spotify_search_max_limit:
            return JSONResponse(api_error(
                400, f"Invalid limit: must be 1-{state.config.spotify_search_max_limit}"),
                status_code=400)
        if not 0 <= offset <= 1000:
            return JSONResponse(api_error(400, "Invalid offset"), status_code=400)
        words = {w.lower() for w in q.replace(",", " ").split()}

        def score(track: dict[str, Any]) -> int:
            text = f"{track['name']} {track['artists'][0]['name']} {track['album']['name']}"
            return len(words & set(text.lower().split()))

        matches = sorted((t for t in tracks if score(t) > 0), key=lambda t: -score(t))
        base = str(request.base_url).rstrip("/") + "/v1/search"

        def page_url(at: int) -> str:
            params = {**dict(query), "offset": at, "limit": limit}
            return f"{base}?{urlencode(params)}"

        out: dict[str, Any] = {}
        for kind in kinds:
            items = [_public(t) for t in matches] if kind == "track" else []
            out[f"{kind}s"] = {
                "href": page_url(offset), "items": items[offset:offset + limit], "limit": limit,
                "next": page_url(offset + limit) if offset + limit < len(items) else None,
                "offset": offset,
                "previous": page_url(max(0, offset - limit)) if offset > 0 else None,
                "total": len(items),
            }
        return JSONResponse(out)

    @app.get("/v1/tracks/{track_id}")
    async def track(track_id: str, request: Request) -> Response:
        if (fault := await http_fault(state, "GET /v1/tracks", request, api_error)) is not None:
            return fault
        if (denied := bearer_failure(request)) is not None:
            return denied
        if len(track_id) != 22 or any(c not in BASE62 for c in track_id):
            return JSONResponse(api_error(400, "Invalid base62 id"), status_code=400)
        if track_id not in by_id:
            return JSONResponse(api_error(404, "Non existing id"), status_code=404)
        return JSONResponse(_public(by_id[track_id]))

    async def features(request: Request, ids: list[str]) -> Response:
        if (denied := bearer_failure(request)) is not None:
            return denied
        status = state.config.audio_features_status
        if status != 200:
            return JSONResponse(api_error(status, "Forbidden" if status == 403 else "Error"),
                                status_code=status)
        return JSONResponse({"audio_features": [
            {"id": i, "type": "audio_features", "uri": f"spotify:track:{i}", "tempo": 96.0,
             "energy": 0.4, "valence": 0.6, "danceability": 0.5, "acousticness": 0.7,
             "instrumentalness": 0.8, "liveness": 0.1, "loudness": -12.0, "speechiness": 0.03,
             "key": 5, "mode": 1, "time_signature": 4,
             "duration_ms": by_id[i]["duration_ms"], "track_href": by_id[i]["href"],
             "analysis_url": f"https://api.spotify.com/v1/audio-analysis/{i}"}
            if i in by_id else None for i in ids]})

    @app.get("/v1/audio-features/{track_id}")
    async def audio_features_one(track_id: str, request: Request) -> Response:
        route = "GET /v1/audio-features"
        if (fault := await http_fault(state, route, request, api_error)) is not None:
            return fault
        response = await features(request, [track_id])
        if response.status_code != 200:
            return response
        import json

        item = json.loads(bytes(response.body))["audio_features"][0]
        if item is None:
            return JSONResponse(api_error(404, "analysis not found"), status_code=404)
        return JSONResponse(item)

    @app.get("/v1/audio-features")
    async def audio_features_many(request: Request) -> Response:
        route = "GET /v1/audio-features"
        if (fault := await http_fault(state, route, request, api_error)) is not None:
            return fault
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            return JSONResponse(api_error(400, "ids must list 1-100 ids"), status_code=400)
        return await features(request, ids)

    return app
