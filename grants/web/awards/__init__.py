"""Awards within the pool, objections and agreements for organizers; agreements for applicants."""
