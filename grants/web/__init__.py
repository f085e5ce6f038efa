"""Thin blueprints, one package per area of the site."""

from __future__ import annotations

import importlib
import importlib.util

from flask import Flask

BLUEPRINT_MODULES = (
    "grants.web.main.views",
    "grants.web.auth.views",
    "grants.web.admin.views",
    "grants.web.audit.views",
    "grants.web.rounds.views",
    "grants.web.needs.views",
    "grants.web.proposals.views",
    "grants.web.screening.views",
    "grants.web.notifications.views",
    "grants.web.judging.views",
    "grants.web.awards.views",
    "grants.web.notices.views",
)


def register_blueprints(app: Flask) -> None:
    """Mount every area's blueprint (each module exposes ``bp``)."""
    for name in BLUEPRINT_MODULES:
        if importlib.util.find_spec(name.rsplit(".", 1)[0]) is None:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        app.register_blueprint(importlib.import_module(name).bp)
