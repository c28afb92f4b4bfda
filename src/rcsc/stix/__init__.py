"""STIX 2.1: RCSC's domain types as JSON-ready STIX objects, and markings read back.

Pure functions, no database and no framework: the `exchange` feature (TAXII, imports, exports,
federation) builds on them. Only this package imports stix2, stix2-patterns and the validator.
"""
