"""The user interface: commands, their rendering, the demo and the starter config."""
