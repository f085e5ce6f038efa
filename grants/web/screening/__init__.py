"""The organizer's eligibility screening pages."""
