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
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    try:
        descriptor = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


class Config:
    """Production-shaped defaults; every value can be set through the environment."""

    INSTANCE_PATH = str(INSTANCE_DIR)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'grants.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    """A pooled connection the server dropped is replaced before use, not failed on."""
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE", default=True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 12 * 60 * 60
    SESSION_IDLE_SECONDS = 30 * 60
    SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
    SECOND_FACTOR_ROLES = _env_list("SECOND_FACTOR_ROLES") or (
        "organizer", "finance", "auditor", "evaluator", "admin")
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_KEY_PREFIX = "grants"
    OBJECTION_LIMIT_PER_ADDRESS = os.environ.get("OBJECTION_LIMIT_PER_ADDRESS", "3/hour;10/day")
    OBJECTION_LIMIT_PER_NOTICE = os.environ.get("OBJECTION_LIMIT_PER_NOTICE", "30/hour")
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    LOGIN_MAX_FAILURES = 10
    LOGIN_MAX_ADDRESS_FAILURES = 100
    LOGIN_MAX_CODE_FAILURES = 10
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
    AUDIT_LOG_ORIGIN = os.environ.get("AUDIT_LOG_ORIGIN", "jindianzi.local/audit")
    AUDIT_LOG_KEY_FILE = os.environ.get("AUDIT_LOG_KEY_FILE") or None
    SITE_URL = os.environ.get("SITE_URL", "")
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT") or 25)
    SMTP_SENDER = os.environ.get("SMTP_SENDER", "")
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_flag("SMTP_STARTTLS")
    SMTP_SSL = _env_flag("SMTP_SSL")

    def __init__(self) -> None:
        self.SECRET_KEY = _secret_key(Path(self.INSTANCE_PATH))


class DevConfig(Config):
    """``make run`` on http://127.0.0.1: cookies without Secure, rate limits in memory."""

    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"


class TestConfig(Config):
    """Settings for the test suite: fast password hashing, a database URL given per test,
    plain-http cookies and rate limits in memory."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PDF_WORKERS = 0
    PDF_ON_PUBLISH = False
    REDIS_URL = None
    ARGON2_FAST = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"

    def __init__(self, database_url: str | None = None, **overrides) -> None:
        self.SECRET_KEY = "test-secret-key"  # noqa: S105 — a fixed key for tests only
        if database_url:
            self.SQLALCHEMY_DATABASE_URI = database_url
        for key, value in overrides.items():
            setattr(self, key, value)


def config_from_environment() -> Config:
    """The configuration ``GRANTS_ENV`` names: ``development`` (``make run``) or production."""
    if os.environ.get("GRANTS_ENV", "").strip().lower() == "development":
        return DevConfig()
    return Config()
