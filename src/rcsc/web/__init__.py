"""HTTP: REST /api/v1, HTML pages, auth, and the one mapping of domain errors to HTTP."""
