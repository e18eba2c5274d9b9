"""`reelforge secrets`: a tenant's own provider credentials (set, list, delete) and the master
key that protects them (new-master-key, rotate-master). Values are read from a hidden prompt
or stdin, never from the command line (argv shows up in `ps` and shell history)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table
from reelforge.security.secret_names import PROVIDER_SECRETS

app = typer.Typer(help="Per-tenant provider credentials, encrypted at rest.",
                  no_args_is_help=True)
NAMES = ", ".join(sorted(PROVIDER_SECRETS))


@app.command("set")
def set_command(
    name: str = typer.Argument(..., help=f"One of {NAMES}."),
    tenant: str = typer.Option(..., "--tenant", help="Tenant name, e.g. acme."),
    stdin: bool = typer.Option(False, "--stdin", help="Read the value from stdin."),
) -> None:
    """Store (or replace) a credential for the tenant's jobs; shown back as its last four."""
    from reelforge.security.envelope import master_key_from
    from reelforge.security.secrets_store import set_secret
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import tenant_by_name

    value = sys.stdin.readline() if stdin else typer.prompt(f"{name.upper()}", hide_input=True)
    settings = Settings()
    master = master_key_from(settings)
    with open_database(settings).session() as session:
        info = set_secret(session, master, tenant_by_name(session, tenant).id, name, value)
    Console(stderr=True).print(f"stored {info.name} for {tenant} (…{info.last4})")


@app.command("list")
def list_command(tenant: str = typer.Option(..., "--tenant")) -> None:
    """The tenant's credentials: names and last four characters only."""
    from reelforge.security.envelope import master_key_from
    from reelforge.security.secrets_store import list_secrets
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import tenant_by_name

    settings = Settings()
    with open_database(settings).session() as session:
        found = list_secrets(session, master_key_from(settings),
                             tenant_by_name(session, tenant).id)
    table = compact_table("name", "ends with", "updated", title=f"provider credentials of {tenant}",
                          whole=("name",))
    for info in found:
        table.add_row(info.name, f"…{info.last4}", f"{info.updated_at:%Y-%m-%d %H:%M}")
    Console().print(table)


@app.command("delete")
def delete_command(name: str = typer.Argument(...),
                   tenant: str = typer.Option(..., "--tenant")) -> None:
    """Forget a credential; the tenant's jobs fall back to the server's own key, if any."""
    from reelforge.security.secrets_store import delete_secret
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import tenant_by_name

    with open_database(Settings()).session() as session:
        delete_secret(session, tenant_by_name(session, tenant).id, name)
    Console(stderr=True).print(f"deleted {name.upper()} of {tenant}")


@app.command("new-master-key")
def new_master_key() -> None:
    """Print a fresh random master key (base64) for REELFORGE_MASTER_KEY or a key file."""
    from reelforge.security.envelope import new_key_text

    print(new_key_text())


@app.command("rotate-master")
def rotate_master(
    new_key_file: Path = typer.Option(..., "--new-key-file", exists=True, dir_okay=False,
                                      help="File holding the new master key (base64)."),
) -> None:
    """Re-wrap every tenant's data key with the new master key (secrets stay as they are).
    The current key comes from REELFORGE_MASTER_KEY / _FILE; switch the servers to the new
    key afterwards. Safe to run again if interrupted."""
    from reelforge.security.envelope import master_key_from, parse_master_key
    from reelforge.security.secrets_store import rewrap_data_keys
    from reelforge.settings import Settings
    from reelforge.store.db import open_database

    settings = Settings()
    old, new = master_key_from(settings), parse_master_key(new_key_file.read_text())
    with open_database(settings).session() as session:
        count = rewrap_data_keys(session, old, new)
    Console(stderr=True).print(f"re-wrapped {count} data key(s) from {old.key_id} to "
                               f"{new.key_id}; now point REELFORGE_MASTER_KEY(_FILE) at the new "
                               "key and restart servers and workers")


@app.command("encrypt-artifacts")
def encrypt_artifacts(
    tenant: str = typer.Option(..., "--tenant"),
    on: bool = typer.Option(True, "--on/--off", help="Encrypt the tenant's new artifacts."),
) -> None:
    """Encrypt the tenant's new artifacts at rest (AES-GCM with a key derived from its data
    key); files already stored stay as they are and remain readable either way."""
    from reelforge.security.artifact_crypto import set_artifact_encryption
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import tenant_by_name

    settings = Settings()
    with open_database(settings).session() as session:
        set_artifact_encryption(session, settings, tenant_by_name(session, tenant).id, on)
    Console(stderr=True).print(f"artifact encryption for {tenant}: {'on' if on else 'off'} "
                               "(servers pick it up within 10 s)")
