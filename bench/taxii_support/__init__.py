"""Helpers of bench/taxii.py: the generated bundle, the two servers, a TAXII 2.1 client."""
