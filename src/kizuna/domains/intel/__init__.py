"""Bilateral Information Analysis Cell: reports, assessments, observations and joint
analytic products released only when both nations' releasing officers approve."""
