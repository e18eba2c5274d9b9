"""The ``reelforge`` command line: one module per command group, all over the service layer."""
