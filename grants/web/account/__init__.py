"""A person's own account: the second-factor steps of signing in, and the security page."""
