"""Entry point for `flask` commands run from the repository root and for gunicorn (`wsgi:app`)."""

from grants import create_app

app = create_app()
