"""金点子 公益创投 grant-competition platform: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from grants.config import REPO_ROOT, config_from_environment


def create_app(config: object | None = None) -> Flask:
    """Build the Flask application: configuration, extensions, blueprints, errors and CLI."""
    config = config or config_from_environment()
    instance_path = getattr(config, "INSTANCE_PATH", str(REPO_ROOT / "instance"))
    app = Flask(
        __name__,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
        instance_path=instance_path,
    )
    app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from grants.cli import register_cli
    from grants.services.delivery import register_delivery
    from grants.web import register_blueprints
    from grants.web.errors import register_errors
    from grants.web.guard import register_guard
    from grants.web.pdf_warmup import register_pdf_warmup
    from grants.wiring import register_extensions, register_security

    register_guard(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_pdf_warmup(app)
    register_delivery(app)
    return app
