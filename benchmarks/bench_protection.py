"""Throughput of the codec and of each token protection, for 1 KB and 1 MB values.

Run ``python benchmarks/bench_protection.py``; prints a markdown table of MB/s (median of
several repetitions, ``time.perf_counter``). "encode+seal" is ``_codec.dumps`` + ``_envelope.seal``;
"open+decode" is ``_envelope.open_token`` + ``Opened.value()`` (``_codec.loads``). MB/s is computed
over the size of the value's JSON encoding (1 MB = 10**6 bytes).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit_persist import _codec, _envelope
from streamlit_persist._crypto import Keyring, Protector, generate_secret
from streamlit_persist._envelope import Context

CTX = Context("store", "bench-app", "slot", "alice")


def make_values() -> dict[str, object]:
    kb_str = "x" * 1000
    mb_str = "".join(chr(0x61 + i % 26) for i in range(1_000_000))
    row = {"id": 0, "name": "item-00000", "price": 12.5, "tags": ["a", "b"], "ok": True}
    one_row = len(_codec.dumps(row)[1]) + 1
    rows = [dict(row, id=i, name=f"item-{i:05d}") for i in range(1_000_000 // one_row)]
    return {"1 KB str": kb_str, "1 MB str": mb_str, "1 MB list of dicts": rows}


def timed(fn: Callable[[], object], repeat: int, min_time: float = 0.05) -> float:
    """Median seconds per call (each repetition loops until ``min_time`` has passed)."""
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        samples.append(elapsed / n)
    return statistics.median(samples)


def bench(value: object, protector: Protector | None, repeat: int) -> tuple[float, float, int, int]:
    flag, data = _codec.dumps(value)
    token = _envelope.seal(flag, data, CTX, protector=protector)
    assert _envelope.open_token(token, CTX, protector=protector).value() == value

    def encode_seal() -> object:
        f, d = _codec.dumps(value)
        return _envelope.seal(f, d, CTX, protector=protector)

    def open_decode() -> object:
        return _envelope.open_token(token, CTX, protector=protector).value()

    return timed(encode_seal, repeat), timed(open_decode, repeat), len(data), len(token)


def bench_codec(value: object, repeat: int) -> tuple[float, float, int]:
    flag, data = _codec.dumps(value)
    return (
        timed(lambda: _codec.dumps(value), repeat),
        timed(lambda: _codec.loads(flag, data), repeat),
        len(data),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="repetitions (median is reported)")
    args = parser.parse_args()
    keyring = Keyring(generate_secret())
    modes: list[tuple[str, Protector | None]] = [
        ("plain", None),
        ("signed (HMAC-SHA256)", keyring.protector("store", "signed")),
        ("encrypted (AES-256-GCM)", keyring.protector("store", "encrypted")),
    ]
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"median of {args.repeat}; MB = 10**6 bytes of value JSON; "
        f"load average {os.getloadavg()[0]:.1f} (figures are unreliable when it exceeds the CPU count)\n"
    )
    print(
        "| value | pipeline | JSON size | token size | encode+seal MB/s | open+decode MB/s "
        "| encode+seal us | open+decode us |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, value in make_values().items():
        enc, dec, size = bench_codec(value, args.repeat)
        print(
            f"| {label} | codec only | {size:,} | - | {size / enc / 1e6:,.0f} | {size / dec / 1e6:,.0f} "
            f"| {enc * 1e6:,.1f} | {dec * 1e6:,.1f} |"
        )
        for name, protector in modes:
            enc, dec, size, token_size = bench(value, protector, args.repeat)
            print(
                f"| {label} | {name} | {size:,} | {token_size:,} | {size / enc / 1e6:,.0f} "
                f"| {size / dec / 1e6:,.0f} | {enc * 1e6:,.1f} | {dec * 1e6:,.1f} |"
            )


if __name__ == "__main__":
    main()
