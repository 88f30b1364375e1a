"""The alliance's mechanisms, one package each, top to bottom (DESIGN §3)."""
