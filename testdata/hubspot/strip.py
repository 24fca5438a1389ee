#!/usr/bin/env python3
"""Regenerate the structure-only copies of HubSpot's Files OpenAPI documents.

Usage: python3 testdata/hubspot/strip.py [SOURCE_DIR]   (default ../shared/spec)

Reads each document named in DOCS from SOURCE_DIR and writes, beside this
script, the same document with HubSpot's prose removed: every description,
summary, example, externalDocs and x-hubspot-* annotation goes; paths,
operations, parameters, request bodies, schemas, enums, patterns, formats,
defaults, security and status codes stay, in their original order. OpenAPI
requires a description on every response, so those become "". Keys are
kept when they are names (a property called "description" stays).
"""
import json
import os
import sys

DOCS = ["hubspot-files-v3.json", "hubspot-files-2026-03.json", "hubspot-files-2026-09-beta.json"]

# Keywords whose value is prose, not structure.
PROSE = {"description", "summary", "example", "examples", "externalDocs"}

# Keys whose value maps names (chosen by the document's author) to objects;
# the names inside are never keywords.
NAME_MAPS = {
    "paths", "properties", "schemas", "responses", "parameters", "content",
    "headers", "securitySchemes", "requestBodies", "encoding", "links",
    "callbacks", "patternProperties", "mapping", "variables",
}


def strip(node, parent_key=None):
    if isinstance(node, list):
        return [strip(v) for v in node]
    if not isinstance(node, dict):
        return node
    if parent_key in NAME_MAPS:
        return {k: strip(v, None) for k, v in node.items()}
    if parent_key == "scopes":  # scope name -> prose
        return {k: "" for k in node}
    out = {}
    for k, v in node.items():
        if k in PROSE or k.startswith("x-hubspot-"):
            continue
        if k == "tags" and isinstance(v, list) and v and isinstance(v[0], dict):
            out[k] = [{"name": t["name"]} for t in v]
            continue
        out[k] = strip(v, k)
    return out


def strip_doc(doc):
    doc = strip(doc)
    # Response objects must carry a description; give each an empty one.
    def responses(rs):
        for r in rs.values():
            if "$ref" not in r:
                r["description"] = ""
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "responses" in op:
                responses(op["responses"])
    responses(doc.get("components", {}).get("responses", {}))
    return doc


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "spec")
    for name in DOCS:
        with open(os.path.join(src, name), encoding="utf-8") as f:
            doc = json.load(f)
        with open(os.path.join(here, name), "w", encoding="utf-8") as f:
            json.dump(strip_doc(doc), f, indent=1, ensure_ascii=False)
            f.write("\n")
        print("wrote", os.path.join(here, name))


if __name__ == "__main__":
    main()
