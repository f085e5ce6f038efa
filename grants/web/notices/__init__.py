"""The public notice (公示): notices, their PDF, objections and objection receipts."""
