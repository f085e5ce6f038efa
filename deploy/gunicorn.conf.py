"""gunicorn settings for an app host: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be set from the environment, so the same file serves one small host or several
behind a proxy. The app keeps no state in its processes: the database holds the records,
uploads and login throttling; Redis holds the job queue (and rate limits); the PDF cache and
finished job files live in folders that all hosts share (see docs/deploy.md).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
