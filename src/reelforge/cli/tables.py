"""Tables that fit an 80-column terminal without cutting what a user must copy.

Rich shrinks every column of a too-wide table, and cuts a cell with "…" once it cannot wrap;
an id cut that way cannot be pasted into the next command. Here the columns a user copies
(ids, engine names) never wrap or shrink, and the others wrap inside what is left.
"""

from __future__ import annotations

from rich import box
from rich.table import Table


def compact_table(*columns: str, title: str | None = None, whole: tuple[str, ...] = (),
                  folded: tuple[str, ...] = ()) -> Table:
    """A table with light rules; ``whole`` columns are never wrapped or cut, ``folded`` ones
    (URLs) break anywhere rather than lose characters."""
    unknown = (set(whole) | set(folded)) - set(columns)
    if unknown:
        raise ValueError(f"no column named {sorted(unknown)}")
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  title_justify="left", collapse_padding=True)
    for name in columns:
        if name in whole:
            table.add_column(name, no_wrap=True, overflow="ignore")
        elif name in folded:
            table.add_column(name, overflow="fold")
        else:
            table.add_column(name)
    return table
