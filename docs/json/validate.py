#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Validate analyticsctl --json output against a command's JSON Schema.

    python3 docs/json/validate.py docs/json/status.json < output  (installed: /usr/share/doc/analyticsd/json/)

The output is what analyticsctl --json prints: zero or more events, each one
compact object on its own line, then the final object (indented over several
lines). Every object must be valid against the schema (which references
common.json beside it). Prints one line per object; exit 0 when there is at
least one object and all are valid, 1 otherwise.
"""
import json
import pathlib
import sys

import jsonschema


def objects(text):
    """The JSON values in text, one after another (whitespace between them)."""
    dec = json.JSONDecoder()
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i == n:
            return
        value, i = dec.raw_decode(text, i)
        yield value


def validator(schema_path):
    path = pathlib.Path(schema_path).resolve()
    schema = json.loads(path.read_text())
    # The schemas beside it, by their file URIs, so that "common.json#/..." resolves
    # without fetching anything.
    store = {p.as_uri(): json.loads(p.read_text()) for p in path.parent.glob("*.json")}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    try:                                # jsonschema >= 4.18
        import referencing
        import referencing.jsonschema
    except ImportError:                 # Debian 12's 4.10
        resolver = jsonschema.RefResolver(path.as_uri(), schema, store=store)
        return cls(schema, resolver=resolver)
    spec = referencing.jsonschema.DRAFT202012
    registry = referencing.Registry().with_resources(
        (uri, referencing.Resource.from_contents(doc, default_specification=spec))
        for uri, doc in store.items())
    schema = dict(schema, **{"$id": path.as_uri()})
    return cls(schema, registry=registry)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    v = validator(argv[1])
    try:
        values = list(objects(sys.stdin.read()))
    except json.JSONDecodeError as e:
        print(f"not JSON: {e}")
        return 1
    bad = 0
    for k, value in enumerate(values, 1):
        errors = sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not errors:
            print(f"object {k}: valid")
            continue
        bad += 1
        # oneOf failures say little at the top: show the closest reasons.
        best = jsonschema.exceptions.best_match(errors)
        where = "/".join(str(p) for p in best.absolute_path) or "(top)"
        print(f"object {k}: INVALID at {where}: {best.message[:300]}")
        for sub in sorted(best.context or [], key=lambda e: -len(e.absolute_path))[:4]:
            sw = "/".join(str(p) for p in sub.absolute_path) or "(top)"
            print(f"    {sw}: {sub.message[:200]}")
    if not values:
        print("no JSON object in the input")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
