"""Configuration read from the environment, with safe defaults for a laptop demo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("GRANTS_INSTANCE", REPO_ROOT / "instance"))


def _env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> tuple[str, ...]:
    """Read a comma-separated environment variable as a tuple of stripped items."""
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def _secret_key(instance: Path) -> str:
    """Use SECRET_KEY from the environment, else a random key kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    return key_file.read_text().strip()


class Config:
    """Production-shaped defaults; every value can be set through the environment."""

    INSTANCE_PATH = str(INSTANCE_DIR)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'grants.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    LOGIN_MAX_FAILURES = 10
    LOGIN_WINDOW_SECONDS = 15 * 60
    PDF_CACHE_DIR = os.environ.get("PDF_CACHE_DIR") or None
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOB_QUEUE = os.environ.get("JOB_QUEUE", "grants")
    JOB_RESULTS_DIR = os.environ.get("JOB_RESULTS_DIR") or None
    JOB_TIMEOUT_SECONDS = int(os.environ.get("JOB_TIMEOUT_SECONDS", "3600"))
    PDF_WARM_ON_START = _env_flag("PDF_WARM_ON_START", True)
    PDF_WORKERS = int(os.environ["PDF_WORKERS"]) if os.environ.get("PDF_WORKERS") else None
    """Worker processes laying out a batch of documents (None: the cores, at most 2; 0: none)."""
    PDF_ON_PUBLISH = _env_flag("PDF_ON_PUBLISH", True)
    """Make a public document's PDF right when it is published or changed (else on first read)."""
    NOTICE_HOLIDAYS = _env_list("NOTICE_HOLIDAYS")
    NOTICE_WORKDAYS = _env_list("NOTICE_WORKDAYS")

    def __init__(self) -> None:
        self.SECRET_KEY = _secret_key(Path(self.INSTANCE_PATH))


class TestConfig(Config):
    """Settings for the test suite: fast password hashing, a database URL given per test."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PDF_WORKERS = 0
    PDF_ON_PUBLISH = False
    REDIS_URL = None
    ARGON2_FAST = True

    def __init__(self, database_url: str | None = None, **overrides) -> None:
        self.SECRET_KEY = "test-secret-key"
        if database_url:
            self.SQLALCHEMY_DATABASE_URI = database_url
        for key, value in overrides.items():
            setattr(self, key, value)
