"""The Alliance Coordination Mechanism: coordination items between counterpart bodies,
the partner nation's answers, deadlines that follow the alliance phase, and escalation
up the tiers of the ladder (DESIGN §1)."""
