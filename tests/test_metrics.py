"""Prometheus metrics: off by default, request counts by endpoint, the worker's job metrics."""

import pytest
from flask import request

from aai import create_app
from aai.metrics import WORKER_REGISTRY
from aai.worker.jobs import Job, run_job
from aai.worker.report import SyncReport
from tests.settings import settings


def test_metrics_are_off_by_default():
    response = create_app(settings(DB_URL="sqlite://")).test_client().get("/metrics")
    assert response.status_code == 404
    assert response.json == {"detail": "Not Found"}


def test_requests_are_counted_as_the_original_counted_them():
    """`http_requests_total` by path template and status group, never by a path's values."""
    client = create_app(
        settings(DB_URL="sqlite://", ENABLE_PROMETHEUS_METRICS="true")
    ).test_client()
    for _ in range(3):
        client.get("/health")
    client.get("/admin/users/auth0|someone")  # no token: 401
    client.get("/no/such/page")
    exposition = client.get("/metrics").get_data(as_text=True)
    assert 'http_requests_total{handler="/health",method="GET",status="2xx"} 3.0' in exposition
    assert (
        'http_requests_total{handler="/admin/users/{user_id}",method="GET",status="4xx"} 1.0'
        in exposition
    )
    assert 'http_requests_total{handler="none",method="GET",status="4xx"} 1.0' in exposition
    assert 'http_request_duration_seconds_count{handler="/health",method="GET"' in exposition
    assert "someone" not in exposition
    assert "/no/such/page" not in exposition


def sample(name: str, **labels) -> float:
    return WORKER_REGISTRY.get_sample_value(name, labels) or 0.0


def test_job_runs_and_sync_changes_are_recorded():
    app = create_app(settings(DB_URL="sqlite://"))
    report = SyncReport("metrics_probe", created=2, soft_deleted=1)
    before = sample("aai_worker_job_runs_total", job="probe", outcome="ok")
    run_job(app, Job("probe", lambda: report, 60, 0))
    assert sample("aai_worker_job_runs_total", job="probe", outcome="ok") == before + 1
    assert sample("aai_sync_changes_total", step="metrics_probe", kind="created") >= 2

    def failing():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_job(app, Job("probe", failing, 60, 0))
    assert sample("aai_worker_job_runs_total", job="probe", outcome="failed") >= 1


def test_the_exporters_request_metrics_keep_their_names_and_leave_out_metrics_scrapes():
    """Dashboards built on prometheus-flask-exporter's metrics keep working: latency by method,
    path template and status, totals by method and status; a scrape counts only in the
    original's counter."""
    client = create_app(
        settings(DB_URL="sqlite://", ENABLE_PROMETHEUS_METRICS="true")
    ).test_client()
    for _ in range(2):
        client.get("/health")
    client.get("/admin/users/auth0|someone")
    client.get("/metrics")
    exposition = client.get("/metrics").get_data(as_text=True)
    assert (
        'http_request_duration_seconds_count{handler="/health",method="GET",status="200"} 2.0'
        in exposition
    )
    assert (
        'http_request_duration_seconds_bucket{handler="/admin/users/{user_id}",le="+Inf",'
        'method="GET",status="401"} 1.0' in exposition
    )
    assert 'http_request_total{method="GET",status="200"} 2.0' in exposition
    assert 'http_request_total{method="GET",status="401"} 1.0' in exposition
    assert 'http_requests_total{handler="/metrics",method="GET",status="2xx"} 1.0' in exposition
    assert 'handler="/metrics",method="GET",status="200"' not in exposition
    assert 'exporter_info{version="' in exposition


def test_an_exception_no_handler_answered_is_counted_as_a_500():
    app = create_app(settings(DB_URL="sqlite://", ENABLE_PROMETHEUS_METRICS="true", TESTING=None))

    @app.get("/_probe/fails-late")
    def fails_late():
        return {"status": "ok"}

    @app.after_request
    def break_the_answer(response):
        if request.path == "/_probe/fails-late":
            raise RuntimeError("an after-request hook failed")
        return response

    client = app.test_client()
    assert client.get("/_probe/fails-late").status_code == 500
    exposition = client.get("/metrics").get_data(as_text=True)
    assert 'http_request_exceptions_total{method="GET",status="500"} 1.0' in exposition
    assert 'http_request_total{method="GET",status="500"} 1.0' in exposition
    assert (
        'http_request_duration_seconds_count{handler="/_probe/fails-late",method="GET",'
        'status="500"} 1.0' in exposition
    )


def test_each_request_is_counted_inside_one_app_context():
    """As in a test or a shell, where requests share the app context (and its `g`)."""
    app = create_app(settings(DB_URL="sqlite://", ENABLE_PROMETHEUS_METRICS="true"))
    client = app.test_client()
    with app.app_context():
        for _ in range(3):
            client.get("/health")
        exposition = client.get("/metrics").get_data(as_text=True)
    assert 'http_request_total{method="GET",status="200"} 3.0' in exposition
