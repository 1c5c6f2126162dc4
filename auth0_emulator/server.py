"""Serving the emulator: in the foreground (the CLI) or on a background thread (the tests)."""

import threading
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from auth0_emulator import create_app, set_base_url
from auth0_emulator.client import EmulatorClient


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1, so clients keep their connections open as they do with Auth0 (a sync makes
    thousands of calls; a new TCP connection for each would dominate its time)."""

    protocol_version = "HTTP/1.1"


class _QuietHandler(_KeepAliveHandler):
    """No access log line per request (a test session makes thousands)."""

    def log_request(self, code="-", size="-") -> None:
        pass


def bind(
    host: str, port: int, seed: str | Path | None = None, quiet: bool = False
) -> BaseWSGIServer:
    """A threaded server for a new emulator app, bound (port 0: any free port), not yet serving.

    The tenant's URL (and so the token issuer) is fixed to the bound address.
    """
    app = create_app(seed)
    handler = _QuietHandler if quiet else _KeepAliveHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    set_base_url(app, base_url(server))
    return server


def base_url(server: BaseWSGIServer) -> str:
    return f"http://{server.host}:{server.server_port}"


class BackgroundEmulator(EmulatorClient):
    """An emulator serving on a daemon thread, driven through its control API."""

    def __init__(self, seed: str | Path | None = None, host: str = "127.0.0.1") -> None:
        self._server = bind(host, 0, seed, quiet=True)
        super().__init__(base_url(self._server))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
