"""gunicorn settings for the API container: `gunicorn --config gunicorn.conf.py aai.wsgi:app`.

Every value can be set from the environment. Workers default to 2 × CPUs + 1 with one thread
each (sync workers: aai's requests are short and CPU-bound; more processes beat threads under
the GIL). The app writes its own JSON access log line per request (with the request id), so
gunicorn's access log is off unless GUNICORN_ACCESS_LOG is set.
"""

import multiprocessing
import os
import shutil
from pathlib import Path

# Workers share their Prometheus samples through this directory (set before they fork); only
# the API's gunicorn uses it, the migration and worker commands run without it.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/aai-prometheus")  # noqa: S108 - private to the container

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(
    os.environ.get("GUNICORN_TIMEOUT", "60")
)  # a request's Auth0 calls stop at AUTH0_REQUEST_BUDGET_SECONDS (20 s)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s"}'
)
errorlog = "-"
# gunicorn trusts no proxy: the app alone reads X-Forwarded-* headers, with its hop count
# (TRUSTED_PROXY_HOPS, aai.http_edge). Trusting a proxy here too would let gunicorn set the
# scheme from a header the app's hop count does not trust (0 hops: a forged X-Forwarded-Proto),
# or answer 400 where X-Forwarded-Proto and X-Forwarded-Ssl disagree. gunicorn itself never
# takes REMOTE_ADDR from X-Forwarded-For.
forwarded_allow_ips = ""


def on_starting(server):
    """Start Prometheus' multiprocess directory empty: old samples would be counted again."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """Tell Prometheus a worker is gone, so its live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

        GunicornInternalPrometheusMetrics.mark_process_dead_on_child_exit(worker.pid)
