"""Operators' commands for the server-side store: ``python -m streamlit_persist <command>``.

    inspect                 what the store holds: entries per app, scope and owner
    export --user ID        every value of one user, as JSON (a user's right to their data)
    purge --user ID         remove every value of one user (the right to erasure)
    purge --expired         remove expired values and old deletion markers

``--store URL`` names the store (default: ``STREAMLIT_PERSIST_STORE``, then
``.streamlit/persist.sqlite3`` in the current directory). A user's id is ``<issuer>|<sub>``
as ``inspect`` lists it. Values stored with a ``secret=`` stay sealed unless the secret is
given through ``--secret-env NAME`` (the name of an environment variable holding it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from streamlit_persist import _envelope
from streamlit_persist._options import keyring_for
from streamlit_persist._store import Space
from streamlit_persist._stores import open_store
from streamlit_persist.exceptions import PersistError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streamlit_persist", description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="the store URL, e.g. sqlite:///path/to/persist.sqlite3")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("inspect", help="entries per app, scope and owner")
    export = commands.add_parser("export", help="every value of one user, as JSON")
    export.add_argument("--user", required=True, help="<issuer>|<sub>, as inspect lists it")
    export.add_argument("--secret-env", help="environment variable holding the app's secret")
    purge = commands.add_parser("purge", help="remove a user's values, or expired ones")
    target = purge.add_mutually_exclusive_group(required=True)
    target.add_argument("--user", help="<issuer>|<sub>, as inspect lists it")
    target.add_argument("--expired", action="store_true", help="expired values and old deletion markers")
    args = parser.parse_args(argv)
    try:
        store = open_store(args.store)
        if args.command == "inspect":
            rows = [
                {"namespace": ns, "scope": scope, "owner": owner, "entries": count}
                for (ns, scope, owner), count in sorted(store.owners().items())
            ]
            print(json.dumps({"store": store.url, "owners": rows}, indent=2))
        elif args.command == "export":
            print(json.dumps(_export(store.export(args.user), args.user, args.secret_env), indent=2, default=str))
        else:
            removed = store.purge(args.user, expired=bool(args.expired))
            print(json.dumps({"store": store.url, "removed": removed}))
    except PersistError as error:
        print(f"streamlit-persist: {error}", file=sys.stderr)
        return 1
    return 0


def _export(entries: list[tuple[Space, str, str]], user: str, secret_env: str | None) -> dict[str, Any]:
    secret = os.environ.get(secret_env) if secret_env else None
    keyring = keyring_for(secret)
    values: dict[str, dict[str, Any]] = {}
    for space, key, token in entries:
        context = _envelope.Context("store", f"{space.namespace}/{space.scope}", key, user)
        mode = {"e": "encrypted", "s": "signed"}.get(token.split(".")[1] if token.count(".") >= 1 else "")
        protector = None if keyring is None or mode is None else keyring.protector("store", mode)  # type: ignore[arg-type]
        try:
            value: Any = _envelope.open_token(token, context, protector=protector).value()
        except PersistError as error:
            value = {"sealed": token, "note": error.message}
        values.setdefault(space.namespace, {})[key] = value
    return {"user": user, "apps": values}


if __name__ == "__main__":
    sys.exit(main())
