"""STIX 2.1 bundles in and out of the store: above it, so that every object that comes
in or goes out passes the store's rules and visibility like any other write or read."""
