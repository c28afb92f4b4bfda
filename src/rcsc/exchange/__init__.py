"""Standards exchange: STIX 2.1 objects in TAXII collections, imports, exports, peers."""
