"""Organisations, users, communities, tokens, authentication and the audit log."""
