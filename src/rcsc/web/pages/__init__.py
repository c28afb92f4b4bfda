"""Server-rendered HTML pages (Jinja2), readable without JavaScript."""
