"""The boot cookie codec: shared vectors with component/cookie.ts, budgets, hostile values."""

from __future__ import annotations

import base64
import zlib

import orjson
import pytest

from streamlit_persist import _boot

# Produced by component/cookie.ts in Node (CompressionStream "deflate-raw").
BROWSER_COOKIE = "z.q1bKULJSSjZLTjUwMkpT0lFKVbKqVkpUslKqUKqtBQA"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


class TestVectors:
    def test_storage_hash_matches_the_browser(self) -> None:
        """Pinned in component/bridge.test.ts too: both sides must agree to the bit."""
        assert _boot.storage_hash({"name": 'sp1.p.-.1.[1,null,"j","Ann"]', "ü": "é😀"}) == "88885e05"
        assert _boot.storage_hash({}) == ""

    def test_reads_a_cookie_written_by_the_browser(self) -> None:
        """A compressed cookie from the real browser module decodes to its entries."""
        assert _boot.read(BROWSER_COOKIE) == _boot.Snapshot("c6ce022f", {"a": "x"})

    def test_cookie_name_is_stable(self) -> None:
        """The name is derived the same way on both sides (FNV-1a of the prefix)."""
        assert _boot.cookie_name("sp:demo_app:") == "sp_ed89494f"


class TestRoundTrip:
    def test_round_trip_and_marker(self) -> None:
        """What fits comes back; what does not becomes the "too large" marker."""
        entries = {f"k{i}": f"token-{i}-" + "ab" * 20 for i in range(5)}
        assert _boot.read(_boot.cookie_value(entries, 2048)) == _boot.Snapshot(_boot.storage_hash(entries), entries)
        marker = _boot.cookie_value(entries, 20)
        assert _boot.read(marker) == _boot.Snapshot(_boot.storage_hash(entries), None)

    def test_first_run_wrote_flag_round_trips(self) -> None:
        """``"w": true``: the page load that wrote the cookie wrote in its first run."""
        entries = {"a": "x"}
        flagged = _boot.read(_boot.cookie_value(entries, 2048, first_run_wrote=True))
        assert flagged == _boot.Snapshot(_boot.storage_hash(entries), entries, first_run_wrote=True)
        assert _boot.read(b64(b'{"h":"x","e":{},"w":false}')) == _boot.Snapshot("x", {}, first_run_wrote=False)
        assert _boot.read(_boot.cookie_value(entries, 2048)) == _boot.Snapshot(_boot.storage_hash(entries), entries)

    def test_no_cookie_means_nothing_stored(self) -> None:
        """The browser deletes the cookie when storage is empty."""
        assert _boot.read(None) == _boot.EMPTY


class TestHostile:
    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "%%%",
            "e30",  # {}
            b64(b'{"h":1,"e":null}'),
            b64(b'{"h":"x","e":[]}'),
            b64(b'{"h":"x","e":{"a":1}}'),
            b64(b'{"h":"x","e":null,"extra":1}'),
            b64(b'{"h":"x","e":null,"w":1}'),
            b64(b'{"h":"x","e":{},"w":"yes"}'),
            b64(b'{"h":"x","w":true}'),
            b64(b'{"h":"x","h":"y","e":null}')[:-1] + "!",
            "z." + b64(b"not deflate"),
            "z." + b64(deflate(b'{"h":"x","e":null}'))[:-2],  # truncated stream
            b64(b'{"h":"x","e":null}') + "=",
            "a" * 9000,
        ],
    )
    def test_rejected_without_raising(self, raw: str) -> None:
        """Anything that is not exactly our format is ignored (Python then asks storage)."""
        assert _boot.read(raw) is None

    def test_decompression_bomb_is_capped(self) -> None:
        """A small cookie that inflates past the cap is refused without inflating it all."""
        payload = orjson.dumps({"h": "x", "e": {"a": "0" * (_boot.MAX_PAYLOAD_BYTES * 4)}})
        raw = "z." + b64(deflate(payload))
        assert len(raw) < _boot.MAX_COOKIE_BYTES
        assert _boot.read(raw) is None

    def test_non_canonical_base64_is_refused(self) -> None:
        """Padding bits that a lax decoder ignores make the value foreign."""
        good = b64(b'{"h":"x","e":null}')
        assert _boot.read(good) is not None
        tail = good[-1]
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        bumped = alphabet[alphabet.index(tail) + 1]
        assert _boot.read(good[:-1] + bumped) is None
