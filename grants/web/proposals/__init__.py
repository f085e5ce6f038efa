"""Applicants' proposal pages: their list, the editing form, submission and attachments."""
