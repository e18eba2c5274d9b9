"""`reelforge keys`: create (shown once), list and revoke API keys of a tenant."""

from __future__ import annotations

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table

app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


@app.command("create")
def create(
    tenant: str = typer.Option(..., "--tenant", help="Tenant name (created if new), e.g. acme."),
    role: str = typer.Option("editor", "--role", help="admin, editor or viewer."),
    name: str = typer.Option("", "--name", help="A label to recognise the key by."),
    rate: float | None = typer.Option(None, "--rate", help="Requests a minute."),
) -> None:
    """Create a key. It is printed once, here; only its hash is stored."""
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import create_key

    with open_database(Settings()).session() as session:
        made = create_key(session, tenant, role, name=name, rate_per_minute=rate)
    Console(stderr=True).print(f"created {made.role} key {made.prefix} for tenant {made.tenant}; "
                               "store it now, it will not be shown again")
    print(made.secret)


@app.command("list")
def list_command(tenant: str = typer.Option(..., "--tenant")) -> None:
    """The tenant's keys (prefixes only)."""
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import list_keys, tenant_by_name

    with open_database(Settings()).session() as session:
        found = tenant_by_name(session, tenant)
        table = compact_table("prefix", "role", "name", "created", "revoked",
                              title=f"keys of {found.name}", whole=("prefix",))
        for key in list_keys(session, found.id):
            table.add_row(key.prefix, key.role, key.name, f"{key.created_at:%Y-%m-%d %H:%M}",
                          "yes" if key.revoked else "")
    Console().print(table)


@app.command("revoke")
def revoke(prefix: str = typer.Argument(..., help="The key's prefix (from `keys list`)."),
           tenant: str = typer.Option(..., "--tenant")) -> None:
    """Revoke a key; servers stop accepting it within seconds."""
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import revoke_key, tenant_by_name

    with open_database(Settings()).session() as session:
        revoke_key(session, tenant_by_name(session, tenant).id, prefix)
    Console(stderr=True).print(f"revoked {prefix}")


@app.command("rotate")
def rotate(prefix: str = typer.Argument(..., help="The key's prefix (from `keys list`)."),
           tenant: str = typer.Option(..., "--tenant"),
           overlap_h: float | None = typer.Option(
               None, "--overlap-hours",
               help="How long the old key keeps working (default REELFORGE_KEY_ROTATION_OVERLAP_H"
                    ", 24).")) -> None:
    """Replace a key: prints the new one once; the old one works until the overlap ends."""
    from reelforge.security.key_rotation import rotate_key
    from reelforge.settings import Settings
    from reelforge.store.db import open_database
    from reelforge.store.tenants import tenant_by_name

    settings = Settings()
    with open_database(settings).session() as session:
        made, old = rotate_key(session, tenant_by_name(session, tenant).id, prefix,
                               overlap_h=settings.key_rotation_overlap_h if overlap_h is None
                               else overlap_h)
        until = f"{old.expires_at:%Y-%m-%d %H:%M} UTC" if old.expires_at else "?"
    Console(stderr=True).print(f"rotated {prefix} → {made.prefix}; the old key works until "
                               f"{until}. Store the new key now, it will not be shown again")
    print(made.secret)
