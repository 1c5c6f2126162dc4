"""A database outage: 503 JSON while PostgreSQL is down, and service resumes by itself."""

import flask_migrate
import pytest

from aai import create_app
from aai.extensions import db
from tests.pg_cluster import PostgresCluster, find_bindir
from tests.settings import emulator_settings

DATABASE_DOWN = ("Database unreachable.", "Database unavailable. Please try again shortly.")


@pytest.fixture
def own_cluster(pg_cluster):
    """A cluster of its own (this test stops it), once the shared one proved binaries exist."""
    cluster = PostgresCluster(find_bindir())
    cluster.start()
    yield cluster
    cluster.stop()


def test_outage_answers_503_and_recovers_without_restart(own_cluster, emulator, make_token):
    app = create_app(emulator_settings(emulator, DB_URL=own_cluster.create_database("outage")))
    with app.app_context():
        flask_migrate.upgrade()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {make_token('auth0|someone', roles=[])}"}
    assert client.get("/health/ready").status_code == 200
    assert client.get("/me/platforms", headers=headers).json == []  # no such user yet: none

    own_cluster.pause()
    for path in ("/health/ready", "/me/platforms"):
        response = client.get(path, headers=headers)
        assert response.status_code == 503, response.data
        assert response.json["detail"] in DATABASE_DOWN
    assert client.get("/health").status_code == 200  # the process itself is fine

    own_cluster.start_server()
    assert client.get("/health/ready").status_code == 200
    assert client.get("/me/platforms", headers=headers).json == []
    with app.app_context():
        db.engine.dispose()
