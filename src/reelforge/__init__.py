"""reelforge: a prompt becomes a finished short video; a creator's library becomes searchable."""

__version__ = "0.1.0"
