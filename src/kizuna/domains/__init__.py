"""Domain slices: each package holds its model, services, REST routes, pages and CLI."""
