"""The boot cookie: bound to host and prefix, authenticated with a server-side key, budgeted."""

from __future__ import annotations

import orjson
import pytest

from streamlit_persist import _boot
from streamlit_persist._encoding import b64encode, deflate

KEY = _boot.cookie_key(b"server secret for tests")
HERE = _boot.Binding("sp:app:", "localhost:8501")
ENTRIES = {f"k{i}": f"sp1.p.-.1.[1,null,\"j\",\"value {i}\"]" for i in range(5)}


def forged(payload: bytes, mac: bytes = b"\x00" * 16) -> str:
    """A value in the cookie's format whose MAC is made up."""
    return f"b1.{b64encode(mac)}.{b64encode(deflate(payload))}"


class TestBinding:
    def test_name_depends_on_host_and_prefix(self) -> None:
        """Two ports of one host, or two namespaces, never share a cookie name."""
        names = {
            HERE.name(),
            _boot.Binding("sp:app:", "localhost:8502").name(),
            _boot.Binding("sp:other:", "localhost:8501").name(),
        }
        assert len(names) == 3
        assert all(name.startswith("sp_") and len(name) == 11 for name in names)

    def test_a_cookie_opens_only_where_it_was_made(self) -> None:
        """Another host, port or namespace reads someone else's cookie as foreign."""
        value = _boot.seal(ENTRIES, KEY, HERE, 2048)
        assert _boot.read(value, KEY, HERE) == _boot.Snapshot(ENTRIES)
        assert _boot.read(value, KEY, _boot.Binding("sp:app:", "localhost:8502")) is None
        assert _boot.read(value, KEY, _boot.Binding("sp:other:", "localhost:8501")) is None

    def test_another_deployments_key_is_refused(self) -> None:
        """A cookie made with another server secret (another app, a restart) is not trusted."""
        value = _boot.seal(ENTRIES, _boot.cookie_key(b"someone else"), HERE, 2048)
        assert _boot.read(value, KEY, HERE) is None


class TestRoundTrip:
    def test_round_trip_and_marker(self) -> None:
        """What fits comes back; what does not becomes the authenticated "too large" marker."""
        assert _boot.read(_boot.seal(ENTRIES, KEY, HERE, 2048), KEY, HERE) == _boot.Snapshot(ENTRIES)
        marker = _boot.seal(ENTRIES, KEY, HERE, 60)
        assert len(marker) <= 80
        assert _boot.read(marker, KEY, HERE) == _boot.Snapshot(None)

    def test_first_run_wrote_flag_round_trips(self) -> None:
        """``"w": true``: the page load that wrote the cookie changed a restored value in its first run."""
        flagged = _boot.seal(ENTRIES, KEY, HERE, 2048, first_run_wrote=True)
        assert _boot.read(flagged, KEY, HERE) == _boot.Snapshot(ENTRIES, first_run_wrote=True)

    def test_nothing_stored_deletes_the_cookie(self) -> None:
        """No entries: an empty value (the browser deletes the cookie); no cookie reads as empty."""
        assert _boot.seal({}, KEY, HERE, 2048) == ""
        assert _boot.read(None, KEY, HERE) == _boot.EMPTY

    def test_twenty_values_of_a_hundred_bytes_fit_the_default_budget(self) -> None:
        """The README's claim: 20 x 100 B restore from the cookie on the first run."""
        entries = {f"k{i}": f"sp1.p.-.1.[1795493012,null,\"j\",\"{(f'{i:x}' * 100)[:100]}\"]" for i in range(20)}
        value = _boot.seal(entries, KEY, HERE, 2048)
        assert _boot.read(value, KEY, HERE) == _boot.Snapshot(entries)


class TestHostile:
    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "%%%",
            "b1..",
            "b2." + _boot.seal(ENTRIES, KEY, HERE, 2048)[3:],
            _boot.seal(ENTRIES, KEY, HERE, 2048)[:-3],
            _boot.seal(ENTRIES, KEY, HERE, 2048) + "A",
            forged(b'{"e":{"is_admin":"sp1.p.-.1.[1,null,\\"j\\",true]"}}'),
            forged(b'{"e":{}}'),
            "a" * 9000,
        ],
    )
    def test_rejected_without_raising(self, raw: str) -> None:
        """Anything that is not exactly a cookie this deployment made is ignored (storage is asked)."""
        assert _boot.read(raw, KEY, HERE) is None

    def test_every_single_character_edit_is_refused(self) -> None:
        """Flip each character of a real cookie to another cookie-safe one: none opens."""
        value = _boot.seal({"a": "x"}, KEY, HERE, 2048)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
        tried = 0
        for index, char in enumerate(value):
            for other in alphabet[(alphabet.index(char) + 1) % len(alphabet)], alphabet[(alphabet.index(char) + 7) % 65]:
                tried += 1
                assert _boot.read(value[:index] + other + value[index + 1 :], KEY, HERE) is None
        print(f"\nboot cookie: {tried} character edits tried, 0 accepted")

    def test_authentic_but_malformed_payloads_are_refused(self) -> None:
        """Even under a valid MAC, only the exact payload shape is accepted."""
        import hashlib
        import hmac

        for payload in [b'{"e":[]}', b'{"e":{"a":1}}', b'{"e":null,"x":1}', b'{"e":null,"w":1}', b"[]", b"{"]:
            compressed = deflate(payload)
            mac = hmac.new(KEY, HERE.encoded() + compressed, hashlib.sha256).digest()[:16]
            assert _boot.read(f"b1.{b64encode(mac)}.{b64encode(compressed)}", KEY, HERE) is None

    def test_decompression_bomb_is_capped(self) -> None:
        """A small authentic cookie that inflates past the cap is refused without inflating it all."""
        import hashlib
        import hmac

        compressed = deflate(orjson.dumps({"e": {"a": "0" * (_boot.MAX_PAYLOAD_BYTES * 4)}}))
        mac = hmac.new(KEY, HERE.encoded() + compressed, hashlib.sha256).digest()[:16]
        raw = f"b1.{b64encode(mac)}.{b64encode(compressed)}"
        assert len(raw) < _boot.MAX_COOKIE_BYTES
        assert _boot.read(raw, KEY, HERE) is None
