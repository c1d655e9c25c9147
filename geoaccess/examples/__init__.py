"""Worked examples and user stories: the demo steps, on the real shared data.

This package sits at the end of the data flow (network → snapped layers → travel times →
measure → output). It may import every domain package; no domain package imports it.
Each module is one story or one demo step.
"""
