"""Thin blueprints, one package per area of the site."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Mount every area's blueprint on the app."""
    from grants.web.admin.views import bp as admin_bp
    from grants.web.audit.views import bp as audit_bp
    from grants.web.auth.views import bp as auth_bp
    from grants.web.main.views import bp as main_bp

    for blueprint in (main_bp, auth_bp, admin_bp, audit_bp):
        app.register_blueprint(blueprint)
