"""Prometheus metrics (D13): `/metrics` when ENABLE_PROMETHEUS_METRICS is on.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes every worker process write its samples there and
`/metrics` aggregate them (the gunicorn config prepares the directory and marks dead workers).
Requests are counted as the original counted them (prometheus-fastapi-instrumentator's
`http_requests_total`): `handler` is the path template (`/admin/users/{user_id}`; `none` for
paths no route matches), `status` the status group (`2xx`), so user ids never become label
values and dashboards built on the original keep working.
The worker process has its own metrics (jobs, sync changes, outbox depth) on its own port.
"""

import os
import re
from functools import cache

from flask import Flask, Request, Response, request
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server
from prometheus_flask_exporter import NO_PREFIX, PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
ROUTE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def handler(request: Request) -> str:
    """The request's path template as the original (FastAPI) writes it, `none` without one."""
    if request.url_rule is None:
        return "none"
    return path_template(request.url_rule.rule)


@cache  # one entry per route; asked twice per request
def path_template(rule: str) -> str:
    return ROUTE_VARIABLE.sub(r"{\1}", rule)


def status_group(response: Response) -> str:
    return f"{response.status_code // 100}xx"


def init_metrics(app: Flask) -> None:
    if not app.config["ENABLE_PROMETHEUS_METRICS"]:
        return
    options = {"group_by": handler, "defaults_prefix": NO_PREFIX}
    if os.path.isdir(os.environ.get(MULTIPROCESS_ENV, "")):
        metrics = GunicornInternalPrometheusMetrics(app, **options)
    else:
        # One process: `flask run`, tests, and CLI commands in the image, where the directory
        # (made by gunicorn's on_starting) does not exist. A registry per app.
        metrics = PrometheusMetrics(app, registry=CollectorRegistry(), **options)
    # The original's metric, for dashboards built on it. Counted after every response, those of
    # error handlers and unmatched paths included, as the original's middleware counted them.
    requests_total = Counter(
        "http_requests_total",
        "HTTP requests by method, path template and status group.",
        ["handler", "method", "status"],
        registry=metrics.registry,
    )

    # The counter's child per label values, kept here: `labels()` checks and locks each call.
    children: dict[tuple[str, str, str], Counter] = {}

    @app.after_request
    def count_request(response):
        labels = (handler(request), request.method, status_group(response))
        child = children.get(labels)
        if child is None:
            child = children[labels] = requests_total.labels(*labels)
        child.inc()
        return response

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
