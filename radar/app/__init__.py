"""Use cases: config, the poll cycle, delivery, the one-shot check and the daemon (no user interface)."""
