"""Resident needs (点单): lists, a need page, posting, supporting and merging."""
