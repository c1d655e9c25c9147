"""Outputs: static PNG maps, interactive HTML maps and atomic file writing."""
