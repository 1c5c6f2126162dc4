"""Prometheus metrics (D13): `/metrics` when ENABLE_PROMETHEUS_METRICS is on.

Under `aai-api`, PROMETHEUS_MULTIPROC_DIR makes every worker process write its samples there and
`/metrics` aggregate them (`aai-api` empties the directory at start-up; the API has no live
gauges, so a dead worker's files only hold counts that stay true).
Requests are counted as the original counted them (prometheus-fastapi-instrumentator's
`http_requests_total`): `handler` is the path template (`/admin/users/{user_id}`; `none` for
paths no route matches), `status` the status group (`2xx`), so user ids never become label
values and dashboards built on the original keep working.
The worker process has its own metrics (jobs, sync changes, outbox depth) on its own port.
"""

import os
import re
from functools import cache
from timeit import default_timer
from typing import Any

from flask import Flask, Request, Response, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.metrics import MetricWrapperBase
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


def init_metrics(app: Flask) -> None:
    if not app.config["ENABLE_PROMETHEUS_METRICS"]:
        return
    # The exporter serves `/metrics` (aggregating the workers' files under `aai-api`); aai records
    # its request metrics itself (RequestMetrics), under the exporter's names and labels.
    options = {"group_by": handler, "defaults_prefix": NO_PREFIX, "export_defaults": False}
    if os.path.isdir(os.environ.get(MULTIPROCESS_ENV, "")):
        metrics = GunicornInternalPrometheusMetrics(app, **options)
    else:
        # One process: `flask run`, tests, and CLI commands in the image, where the directory
        # (made by `aai-api`) does not exist. A registry per app.
        metrics = PrometheusMetrics(app, registry=CollectorRegistry(), **options)
    metrics.info(
        "exporter_info", "Information about the Prometheus Flask exporter", version=metrics.version
    )
    recorder = RequestMetrics(metrics.registry)
    app.before_request(start_timing)
    app.after_request(recorder.record)
    app.teardown_request(recorder.record_exception)
    app.extensions["metrics"] = metrics


# Kept in the request's WSGI environ, not `g`: a test's app context may span many requests.
STARTED = "aai.metrics.started"
RECORDED = "aai.metrics.recorded"


def start_timing() -> None:
    request.environ[STARTED] = default_timer()


def tracked() -> bool:
    """Whether the exporter's metrics count this request (its own `/metrics` view is not)."""
    return not (hasattr(request, "prom_do_not_track") or hasattr(request, "prom_exclude_all"))


class RequestMetrics:
    """The request metrics prometheus-flask-exporter defines by default (the same names, labels
    and buckets), and the original's `http_requests_total`, recorded at a third of the
    exporter's cost: one hook, each metric's child kept per label values (the exporter asked
    `labels()`, which checks and locks, for each metric of each request)."""

    def __init__(self, registry: CollectorRegistry):
        by_method_and_status = ("method", "status")
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Flask HTTP request duration in seconds",
            ("method", "handler", "status"),
            registry=registry,
        )
        self.total = Counter(
            "http_request_total",
            "Total number of HTTP requests",
            by_method_and_status,
            registry=registry,
        )
        self.exceptions = Counter(
            "http_request_exceptions_total",
            "Total number of HTTP requests which resulted in an exception",
            by_method_and_status,
            registry=registry,
        )
        # The original's metric, for dashboards built on it. Counted after every response, those
        # of error handlers, unmatched paths and `/metrics` included, as the original counted.
        self.original_total = Counter(
            "http_requests_total",
            "HTTP requests by method, path template and status group.",
            ["handler", "method", "status"],
            registry=registry,
        )
        self._children: dict[tuple, Any] = {}

    def child(self, metric: MetricWrapperBase, *labels: str) -> Any:
        key = (metric, *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def record(self, response: Response) -> Response:
        path_template, method = handler(request), request.method
        status = response.status_code
        self.child(self.original_total, path_template, method, f"{status // 100}xx").inc()
        if tracked():
            self._record_exporter_metrics(method, path_template, str(status))
        return response

    def record_exception(self, error: BaseException | None = None) -> None:
        """An exception no handler answered (the exporter's teardown): counted as a 500."""
        if error is None or not tracked():
            return
        self.child(self.exceptions, request.method, "500").inc()
        self._record_exporter_metrics(request.method, handler(request), "500")

    def _record_exporter_metrics(self, method: str, path_template: str, status: str) -> None:
        environ = request.environ
        if environ.get(RECORDED):
            return
        environ[RECORDED] = True
        started = environ.get(STARTED)
        if started is not None:
            elapsed = max(default_timer() - started, 0)
            self.child(self.duration, method, path_template, status).observe(elapsed)
        self.child(self.total, method, status).inc()


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
