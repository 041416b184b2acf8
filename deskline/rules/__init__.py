"""Pure policy of the engine (assignment, SLA, similarity, mentions, templates): no I/O."""
