"""The 2+2 record: meetings, decisions, the commitments register, imported summaries."""
