"""Spotify Web API as a metadata-only MusicSource: search and track details.

Spotify's terms forbid syncing its recordings to video, so every track it returns is marked
``usable_as_audio=False`` and a request for usable audio gets nothing from here. The
client-credentials token is cached and renewed a minute before it expires (or once after a 401);
search pages through ``next`` with the 2026 dev-mode ``limit`` maximum; audio features answered
403 (the norm for new apps since 2024-11-27) mean "not available", never a crash.
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

import httpx
import structlog

from reelforge.domain import Track
from reelforge.errors import InputError
from reelforge.providers.base import MusicRequest, ScoredTrack
from reelforge.providers.http import HttpPolicy, ProviderHttp, ProviderHttpError, run_sync
from reelforge.settings import Settings

PROVIDER = "spotify"
LICENCE = "Spotify metadata only: its terms forbid syncing recordings to video"
TOKEN_MARGIN_S = 60.0
log = structlog.get_logger("reelforge.providers.spotify")


class SpotifyCatalog:
    """Looks tracks up on Spotify (client-credentials flow; no user login)."""

    name = "spotify"
    version = "1"

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        api_url: str = "https://api.spotify.com/v1",
        accounts_url: str = "https://accounts.spotify.com",
        policy: HttpPolicy | None = None,
        max_limit: int = 10,
        market: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self.api_url = api_url
        self.accounts_url = accounts_url
        self.policy = policy or HttpPolicy()
        self.max_limit = max_limit
        self.market = market
        self._transport = transport
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.token_requests = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> SpotifyCatalog:
        if not settings.spotify_client_id or settings.spotify_client_secret is None:
            raise InputError(
                "the Spotify catalogue needs app credentials",
                hint="set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (from"
                " developer.spotify.com/dashboard)",
            )
        return cls(
            settings.spotify_client_id,
            settings.spotify_client_secret.get_secret_value(),
            api_url=settings.spotify_api_url,
            accounts_url=settings.spotify_accounts_url,
            policy=HttpPolicy.from_settings(settings),
            max_limit=settings.spotify_search_max_limit,
        )

    # --- MusicSource ------------------------------------------------------------------------

    def search(self, request: MusicRequest) -> list[ScoredTrack]:
        """Metadata matches; empty when the caller needs audio it may put under a video."""
        if request.usable_only:
            return []
        found = self.search_tracks(request.query, limit=request.limit)
        if request.min_duration_s:
            found = [t for t in found if t.duration_s >= request.min_duration_s]
        n = max(1, len(found))
        return [ScoredTrack(track=t, score=round(1 - i / n, 4),
                            reason="Spotify search match (metadata only, not usable as audio)")
                for i, t in enumerate(found)]

    def search_tracks(self, query: str, *, limit: int = 10) -> list[Track]:
        if not query.strip():
            raise InputError("the search query is empty", hint="say what to look for")
        return run_sync(self._search(query.strip(), max(1, limit)))

    def track(self, track_id: str) -> Track:
        data = run_sync(self._get(f"/tracks/{_bare_id(track_id)}", "get track",
                                  {"market": self.market} if self.market else None))
        return _track(data)

    def audio_features(self, track_id: str) -> dict[str, Any] | None:
        """Spotify's audio features, or None where the app may not use them (403/404)."""
        try:
            return run_sync(self._get(f"/audio-features/{_bare_id(track_id)}",
                                      "get audio features", None))
        except ProviderHttpError as exc:
            if exc.status in (403, 404):
                log.info("spotify.audio_features_unavailable", status=exc.status)
                return None
            raise

    # --- HTTP -------------------------------------------------------------------------------

    async def _search(self, query: str, limit: int) -> list[Track]:
        page_size = min(limit, self.max_limit)
        params: dict[str, Any] | None = {"q": query, "type": "track", "limit": page_size,
                                         "offset": 0}
        if self.market and params is not None:
            params["market"] = self.market
        url: str | None = "/search"
        tracks: list[Track] = []
        while url and len(tracks) < limit:
            data = await self._api("search", url, params)
            paging = data.get("tracks") or {}
            tracks += [_track(item) for item in paging.get("items") or [] if item]
            url, params = paging.get("next"), None  # ``next`` carries the query itself
        return tracks[:limit]

    async def _get(self, path: str, operation: str, params: dict[str, Any] | None) -> Any:
        return await self._api(operation, path, params)

    async def _api(self, operation: str, path: str, params: dict[str, Any] | None) -> Any:
        """One Web API GET with a valid token; a 401 renews the token once and tries again."""
        for renewed in (False, True):
            token = await self._access_token(force=renewed)
            http = ProviderHttp(
                PROVIDER, self.api_url, policy=self.policy, key_name="SPOTIFY_CLIENT_SECRET",
                headers={"Authorization": f"Bearer {token}"},
                secrets=[self._client_secret, token], transport=self._transport,
            )
            try:
                async with http:
                    return (await http.request(operation, "GET", path, params=params)).data
            except ProviderHttpError as exc:
                if exc.status != 401 or renewed:
                    raise
        raise AssertionError("unreachable")

    async def _access_token(self, *, force: bool = False) -> str:
        with self._lock:
            if not force and self._token and time.time() < self._expires_at - TOKEN_MARGIN_S:
                return self._token
        basic = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode()
        http = ProviderHttp(
            PROVIDER, self.accounts_url, policy=self.policy, key_name="SPOTIFY_CLIENT_SECRET",
            headers={"Authorization": f"Basic {basic}"}, secrets=[self._client_secret, basic],
            transport=self._transport,
        )
        try:
            async with http:
                reply = await http.request("get access token", "POST", "/api/token",
                                           form={"grant_type": "client_credentials"})
        except ProviderHttpError as exc:
            if exc.status in (400, 401):
                exc.hint = "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET"
            raise
        data = reply.data if isinstance(reply.data, dict) else {}
        token = data.get("access_token")
        if not token:
            raise ProviderHttpError("the token reply has no access_token", provider=PROVIDER,
                                    kind="malformed", hint="check SPOTIFY_ACCOUNTS_URL")
        with self._lock:
            self._token = str(token)
            self._expires_at = time.time() + float(data.get("expires_in") or 3600)
            self.token_requests += 1
        return self._token


def _bare_id(track_id: str) -> str:
    """Spotify's own id from ``spotify:track:<id>``, ``spotify:<id>`` or ``<id>``."""
    return track_id.removeprefix("spotify:track:").removeprefix("spotify:")


def _track(item: dict[str, Any]) -> Track:
    album = item.get("album") or {}
    artists = ", ".join(a.get("name", "") for a in item.get("artists") or [] if a.get("name"))
    return Track(
        id=f"spotify:{item.get('id', '')}", title=str(item.get("name", "")), artist=artists,
        source="spotify", uri=item.get("uri"),
        duration_s=float(item.get("duration_ms") or 0) / 1000,
        tags=[t for t in [album.get("name")] if t], licence=LICENCE, usable_as_audio=False,
    )
