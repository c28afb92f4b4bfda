"""REST API /api/v1 (OpenAPI at /api/docs)."""
