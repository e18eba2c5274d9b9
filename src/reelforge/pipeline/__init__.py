"""Orchestration: a job is ordered steps (plan → narrate → visualize → score → assemble → analyze),
each cached by (step, engine, engine version, inputs) so no finished step is paid for twice."""
