"""Each role's own page after login: what needs me."""
