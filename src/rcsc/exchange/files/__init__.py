"""Importing and exporting files: STIX 2.1 bundles, MISP events and feeds, CSV, value lists.

Framework-free: `cli.files` and `web.api.exchange_files` only route to it. Every import
goes through `exchange.taxii.add_objects`, the one write path for STIX objects.
"""
