"""Who acts: principals, users, passwords, API tokens, sessions, roles."""
