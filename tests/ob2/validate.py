#!/usr/bin/env python3
"""Runs 1EdTech's Open Badges 2.0 validator (PyPI `openbadges`) over the fixtures of
crates/credence-core/tests/fixtures/ob2 and prints, as JSON, each case's verdict.

Offline: every HTTP request the validator makes is answered from the case's
documents (URL -> fixture file), the 2.0 context from the copy the package ships,
and a one-pixel PNG for badge images; any other URL is a 404. Used by
tests/it/interop_ob2.rs, which compares these verdicts with Credence's.

Usage: validate.py FIXTURE_DIR  ->  {"case": {"valid": bool, "errors": [...]}, ...}
"""
import base64
import json
import os
import sys

import requests
from requests.adapters import HTTPAdapter
from openbadges import verify
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT, OPENBADGES_CONTEXT_V2_URI

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

SERVED = {}


def answer(request, status, body, content_type):
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    return response


def offline_send(self, request, **kwargs):
    url = request.url
    if url.rstrip("/") == OPENBADGES_CONTEXT_V2_URI:
        return answer(request, 200, json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode(), "application/ld+json")
    if url in SERVED:
        return answer(request, 200, SERVED[url], "application/ld+json")
    if url.endswith(".png"):
        return answer(request, 200, PIXEL, "image/png")
    return answer(request, 404, b"not found", "text/plain")


HTTPAdapter.send = offline_send


def main(folder):
    cases = json.load(open(os.path.join(folder, "cases.json")))
    verdicts = {}
    for case in cases:
        SERVED.clear()
        for url, name in case["documents"].items():
            SERVED[url] = open(os.path.join(folder, name), "rb").read()
        if "url" in case:
            badge_input = case["url"]
        else:
            badge_input = open(os.path.join(folder, case["input"])).read().strip()
        profile = {"email": case["email"]} if case.get("email") else None
        result = verify(badge_input, recipient_profile=profile, use_cache=False, cache_backend=None)
        report = result["report"]
        errors = [m.get("result", "") for m in report["messages"] if m.get("messageLevel") == "ERROR"]
        verdicts[case["name"]] = {"valid": bool(report["valid"]), "errors": errors}
    json.dump(verdicts, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
