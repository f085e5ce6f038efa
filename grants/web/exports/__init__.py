"""Spreadsheet exports for offices: ranking, proposals, objections and the audit log."""
