"""Intelligence: the correlation index of every observable value, and what it finds."""
