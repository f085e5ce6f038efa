"""Satisfaction follow-up pages: beneficiary lists, samples, callers' lists, the league table."""
