"""Web interfaces: the REST API, the pages, and what they share."""
