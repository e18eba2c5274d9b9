"""The provider credentials a tenant may store, as a plain mapping.

Apart from ``secrets_store`` (SQLAlchemy, cryptography) so that `reelforge secrets --help` can
name them without loading either.
"""

from __future__ import annotations

#: Secret name → the Settings field it replaces for the tenant's jobs.
PROVIDER_SECRETS: dict[str, str] = {
    "OPENAI_API_KEY": "openai_api_key",
    "HUME_API_KEY": "hume_api_key",
    "RUNWARE_API_KEY": "runware_api_key",
    "SPOTIFY_CLIENT_ID": "spotify_client_id",
    "SPOTIFY_CLIENT_SECRET": "spotify_client_secret",
}
