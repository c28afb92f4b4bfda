"""Situational awareness: aggregates over what the viewer may see, trend tests, the
dashboard and the weekly situation report."""
