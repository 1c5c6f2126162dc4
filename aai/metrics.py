"""Prometheus metrics (D13): `/metrics` when ENABLE_PROMETHEUS_METRICS is on.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes every worker process write its samples there and
`/metrics` aggregate them (the gunicorn config prepares the directory and marks dead workers).
Requests are grouped by endpoint name, not path, so user ids never become label values.
The worker process has its own metrics (jobs, sync changes, outbox depth) on its own port.
"""

import os

from flask import Flask, request
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server
from prometheus_flask_exporter import NO_PREFIX, PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def init_metrics(app: Flask) -> None:
    if not app.config["ENABLE_PROMETHEUS_METRICS"]:
        return
    options = {"group_by": "endpoint", "defaults_prefix": NO_PREFIX}
    if os.path.isdir(os.environ.get(MULTIPROCESS_ENV, "")):
        metrics = GunicornInternalPrometheusMetrics(app, **options)
    else:
        # One process: `flask run`, tests, and CLI commands in the image, where the directory
        # (made by gunicorn's on_starting) does not exist. A registry per app.
        metrics = PrometheusMetrics(app, registry=CollectorRegistry(), **options)
    # The original's metric name, kept for dashboards built on it.
    metrics.register_default(
        metrics.counter(
            "http_requests_total",
            "HTTP requests by method, endpoint and status.",
            labels={
                "method": lambda: request.method,
                "handler": lambda: request.endpoint,
                "status": lambda response: response.status_code,
            },
        )
    )
    app.extensions["metrics"] = metrics


# The worker's metrics, in its own process and registry.
WORKER_REGISTRY = CollectorRegistry()
JOB_RUNS = Counter(
    "aai_worker_job_runs",
    "Worker job runs by job and outcome.",
    ["job", "outcome"],
    registry=WORKER_REGISTRY,
)
SYNC_CHANGES = Counter(
    "aai_sync_changes",
    "Rows the Auth0 sync changed, by step and kind.",
    ["step", "kind"],
    registry=WORKER_REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "aai_outbox_emails", "Outbox emails by status.", ["status"], registry=WORKER_REGISTRY
)


def serve_worker_metrics(port: int) -> None:
    start_http_server(port, registry=WORKER_REGISTRY)
