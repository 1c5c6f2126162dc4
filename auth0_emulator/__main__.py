"""`python -m auth0_emulator [--host H] [--port P] [--seed FILE]` serves the emulator;
`python -m auth0_emulator token --base URL --user USER [--roles ...]` prints an access token."""

import argparse
import sys

from auth0_emulator.client import EmulatorClient
from auth0_emulator.server import base_url, bind


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "token":
        return _print_token(args)
    return _serve(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m auth0_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=5001, help="port (5001; 0 picks a free one)")
    parser.add_argument("--seed", help="seed JSON file (default: the demo seed)")
    commands = parser.add_subparsers(dest="command")
    token = commands.add_parser("token", help="print an access token for a user")
    token.add_argument("--base", default="http://127.0.0.1:5001", help="the emulator's URL")
    token.add_argument("--user", required=True, help="user id (auth0|...) or email")
    token.add_argument("--roles", nargs="*", help="role names (default: the user's roles)")
    token.add_argument("--audience", help="API audience (default: the seed's)")
    token.add_argument("--expires-in", type=int, help="lifetime in seconds (negative: expired)")
    return parser


def _serve(args: argparse.Namespace) -> int:
    server = bind(args.host, args.port, args.seed)
    url = base_url(server)
    print(url, flush=True)  # the first line of stdout is the base URL, for scripts
    print(f"Auth0 emulator serving at {url} (Ctrl+C stops it)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _print_token(args: argparse.Namespace) -> int:
    client = EmulatorClient(args.base)
    try:
        print(client.token(args.user, args.roles, args.audience, None, args.expires_in))
    except OSError as error:  # refused, timed out, or an HTTP error (urllib's are OSErrors)
        reason = getattr(error, "reason", None) or error
        print(
            f"No token: the Auth0 emulator at {args.base} failed ({reason}); is it running?",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
