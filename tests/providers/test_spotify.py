"""SpotifyCatalog against the Spotify fake: token cache, paging, 403 features, metadata only."""

from __future__ import annotations

import pytest

from reelforge.errors import InputError, ProviderError
from reelforge.fakes.server import RunningFakes
from reelforge.providers.base import MusicRequest
from reelforge.providers.music.spotify import SpotifyCatalog
from reelforge.settings import Settings

TOKEN, SEARCH = "POST /api/token", "GET /v1/search"


@pytest.fixture
def spotify(remote_settings: Settings) -> SpotifyCatalog:
    return SpotifyCatalog.from_settings(remote_settings)


def test_spotify_search_pages_through_next_within_the_dev_mode_limit(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    tracks = spotify.search_tracks("piano", limit=15)
    assert len(tracks) == 15 and len({t.id for t in tracks}) == 15
    assert fakes["spotify"].state.requests[SEARCH] == 2  # pages of 10 (the 2026 maximum)
    assert all(t.source == "spotify" and not t.usable_as_audio for t in tracks)
    assert all("forbid" in t.licence and t.uri and t.uri.startswith("spotify:track:")
               for t in tracks)


def test_spotify_search_asking_above_the_fakes_limit_is_rejected_with_400(
    remote_settings: Settings, fakes: RunningFakes
) -> None:
    greedy = SpotifyCatalog.from_settings(
        remote_settings.model_copy(update={"spotify_search_max_limit": 50}))
    with pytest.raises(ProviderError, match="Invalid limit") as caught:
        greedy.search_tracks("piano", limit=20)
    assert caught.value.status == 400


def test_spotify_token_is_cached_across_calls(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    first = spotify.search_tracks("calm", limit=3)
    spotify.track(first[0].id)
    spotify.search_tracks("ambient", limit=3)
    assert fakes["spotify"].state.requests[TOKEN] == 1 and spotify.token_requests == 1


def test_spotify_token_is_renewed_before_it_expires(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    fakes["spotify"].state.config.token_expires_in_s = 30  # inside the 60 s safety margin
    spotify.search_tracks("calm", limit=2)
    spotify.search_tracks("calm", limit=2)
    assert fakes["spotify"].state.requests[TOKEN] == 2


def test_spotify_renews_the_token_once_after_a_401(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    track_id = spotify.search_tracks("piano", limit=1)[0].id
    fakes["spotify"].state.inject("GET /v1/tracks", "expired-token", times=1)
    assert spotify.track(track_id).id == track_id
    assert fakes["spotify"].state.requests[TOKEN] == 2


def test_spotify_audio_features_403_means_not_available(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    track_id = spotify.search_tracks("piano", limit=1)[0].id
    assert spotify.audio_features(track_id) is None
    fakes["spotify"].state.config.audio_features_status = 200
    features = spotify.audio_features(track_id)
    assert features is not None and features["tempo"] > 0


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "drop", "malformed", "slow"])
def test_spotify_search_retries_each_transient_fault_then_succeeds(
    fault: str, impatient_settings: Settings, fakes: RunningFakes
) -> None:
    spotify = SpotifyCatalog.from_settings(impatient_settings)
    fakes["spotify"].state.inject(SEARCH, fault, times=1)
    assert len(spotify.search_tracks("piano", limit=3)) == 3
    assert fakes["spotify"].state.requests[SEARCH] == 2


def test_spotify_retries_after_429_with_retry_after(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    fakes["spotify"].state.inject(SEARCH, "429", times=2)
    assert spotify.search_tracks("piano", limit=2)
    assert fakes["spotify"].state.requests[SEARCH] == 3


def test_spotify_music_source_gives_nothing_when_usable_audio_is_needed(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    assert spotify.search(MusicRequest(query="calm piano")) == []
    assert sum(fakes["spotify"].state.requests.values()) == 0
    scored = spotify.search(MusicRequest(query="calm piano", usable_only=False, limit=4))
    assert len(scored) == 4 and scored[0].score > scored[-1].score
    assert all(not s.track.usable_as_audio for s in scored)


def test_spotify_bad_credentials_name_the_settings_to_fix(
    remote_settings: Settings, fakes: RunningFakes
) -> None:
    from pydantic import SecretStr

    bad = remote_settings.model_copy(update={"spotify_client_secret": SecretStr("nope-123456")})
    with pytest.raises(ProviderError, match="SPOTIFY_CLIENT_SECRET") as caught:
        SpotifyCatalog.from_settings(bad).search_tracks("piano")
    assert "Invalid client" in str(caught.value)


def test_spotify_without_credentials_is_an_input_error(settings: Settings) -> None:
    with pytest.raises(InputError, match="SPOTIFY_CLIENT_ID"):
        SpotifyCatalog.from_settings(settings)


def test_spotify_gives_up_after_the_retry_budget_with_a_clear_error(
    spotify: SpotifyCatalog, fakes: RunningFakes
) -> None:
    fakes["spotify"].state.inject(SEARCH, "503", times=10)
    with pytest.raises(ProviderError, match="gave up after 4 attempts") as caught:
        spotify.search_tracks("piano")
    assert caught.value.status == 503 and caught.value.retryable
    assert fakes["spotify"].state.requests[SEARCH] == 4
