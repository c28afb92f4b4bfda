"""Incident reports exchanged between member organisations, under the sharing rule."""
