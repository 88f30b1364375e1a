"""The alliance's mechanisms, one package per domain (DESIGN §3)."""
