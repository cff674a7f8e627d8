"""Definition checks against a bare compiled JSON Schema validator, in the same run.

Saving a draft runs `builder.definitions.check_document`: envelope checks, a shape walk
(depth, NaN, NUL), the size limit via canonical JSON, then the kind's compiled
meta-schema (with embedded JSON Schemas checked by the stock, cached 2020-12
meta-validator). The baseline is a stock compiled Draft 2020-12 validator's `is_valid`
over the same meta-schema, which skips embedded schemas and collects no errors: the
ratio says what full checks with pointer-precise errors cost. Absolute times on a
shared machine mean little. Per-kind cost on one run: form 21 ms (was 121 ms with a
`$ref` to the 2020-12 meta-schema), flow 14 ms, others 2-9 ms.

Run: `.venv/bin/python bench/definitions.py [--seconds 2]`. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from jsonschema import Draft202012Validator

from builder.definitions import check_document, meta_schema
from builder.metaschemas import _registry

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "bundles" / "sample"


def _documents() -> list[dict]:
    manifest = json.loads((SAMPLE / "manifest.json").read_text())
    return [json.loads((SAMPLE / entry["file"]).read_text()) for entry in manifest["definitions"]]


def _rate(fn, seconds: float) -> float:
    """Calls per second of `fn`, measured over at least `seconds`."""
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            fn()
        calls += 20
    return calls / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    docs = _documents()
    bare = {d["kind"]: Draft202012Validator(meta_schema(d["kind"]), registry=_registry())
            for d in docs}

    def ours() -> None:
        for d in docs:
            assert not check_document(d["kind"], d["key"], d["title"], d["body"])

    def baseline() -> None:
        for d in docs:
            assert bare[d["kind"]].is_valid(d["body"])

    ours(), baseline()  # warm caches
    base_rate = _rate(baseline, args.seconds) * len(docs)
    our_rate = _rate(ours, args.seconds) * len(docs)
    print(f"bare compiled validator: {base_rate:10.0f} documents/s")
    print(f"formloom check_document: {our_rate:10.0f} documents/s")
    print(f"cost of full checks:     {base_rate / our_rate:10.2f}x the bare validator")
    print(json.dumps({"bench": "definitions", "documents": len(docs),
                      "ours_per_s": round(our_rate), "bare_per_s": round(base_rate),
                      "slowdown_vs_bare": round(base_rate / our_rate, 2)}))


if __name__ == "__main__":
    main()
