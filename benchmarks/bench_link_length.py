"""Share-link length vs Streamlit's ``bind="query-params"`` URLs and plain JSON-in-URL.

Run: ``python -m benchmarks.bench_link_length`` (prints a markdown table).

Streamlit 1.67 writes bound widgets with ``urllib.parse.urlencode(params, doseq=True)``
(``QueryParams._send_query_param_msg``): one ``key=value`` per scalar, a repeated key per list
item (``string_array_value``), booleans as ``true``/``false``, floats without a trailing ``.0``
(``_format_number_for_query_url``), ``quote_plus`` escaping.
"""

from __future__ import annotations

import json
import math
import secrets
from typing import Any, Literal
from urllib.parse import quote, urlencode

from streamlit_persist import _crypto, _links

BASE = "http://localhost:8501/"
CTX = _links.link_context("app", "page")
KEYRING = _crypto.Keyring(secrets.token_urlsafe(32))

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "streamlit",
    "apps",
    "share",
    "filters",
    "and",
    "views",
]
TEXT_1KB = " ".join(WORDS[i % len(WORDS)] for i in range(200))[:1024]

STATES: dict[str, dict[str, Any]] = {
    "5 filters": {"region": "EMEA", "year": 2024, "min_price": 10.5, "in_stock": True, "category": "Books"},
    "50-item selection": {"selection": [f"item-{i:03d}" for i in range(50)]},
    "1 KB text": {"notes": TEXT_1KB},
}


def _streamlit_value(value: Any) -> str | list[str]:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    if isinstance(value, list):
        return [str(_streamlit_value(v)) for v in value]
    return str(value)


def streamlit_bind_url(state: dict[str, Any]) -> str:
    return BASE + "?" + urlencode({k: _streamlit_value(v) for k, v in state.items()}, doseq=True)


def json_url(state: dict[str, Any]) -> str:
    return BASE + "?state=" + quote(json.dumps(state, separators=(",", ":")), safe="")


def link_url(state: dict[str, Any], mode: Literal["plain", "signed", "encrypted"]) -> str:
    protector = None if mode == "plain" else KEYRING.protector("link", mode)
    return BASE + "?" + urlencode({"state": _links.encode_link(state, CTX, protector=protector)})


def main() -> None:
    cols = ["state", "Streamlit bind", "JSON in URL", "link (no secret)", "link (signed)", "link (encrypted)"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for name, state in STATES.items():
        row = [
            len(streamlit_bind_url(state)),
            len(json_url(state)),
            len(link_url(state, "plain")),
            len(link_url(state, "signed")),
            len(link_url(state, "encrypted")),
        ]
        print(f"| {name} | " + " | ".join(f"{n:,}" for n in row) + " |")
    print(f"\nURL characters, base `{BASE}` ({len(BASE)} chars) included; links carry a 7-day expiry.")


if __name__ == "__main__":
    main()
