"""National nodes: peers, the collection each peer pulls, the pull loop and the guard
that judges every arriving object (DESIGN §5)."""
