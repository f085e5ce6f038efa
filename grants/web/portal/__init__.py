"""The public transparency portal (``/open/``), its open data and read-only JSON API (``/api/v1``)."""
