"""schemathesis against /openapi.json: every operation, a bounded, deterministic number of cases,
moderation operations with a valid token. No 5xx, and every response matches the schema."""

from __future__ import annotations

import itertools

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.web.openapi import build_spec
from tests.compare import first_difference
from tests.hostile.conftest import SLUG, tally

MAX_EXAMPLES = 30
_turn = itertools.count()


# The document the app serves at /openapi.json (test_openapi_document_is_what_is_served checks that
# they are the same), loaded at import so each operation becomes its own test.
schema = schemathesis.openapi.from_dict(build_spec())


def test_openapi_document_is_what_is_served(hostile_app):
    diff = first_difference(hostile_app.test_client().get("/openapi.json").get_json(), build_spec())
    assert diff is None, diff


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
def test_api_never_5xx_and_matches_schema(case, hostile_app, seeded):
    # Every other case aims at real rows, so fuzzed bodies reach the code behind the 404s.
    if next(_turn) % 2 == 0:
        params = case.path_parameters or {}
        if "slug" in params:
            params["slug"] = SLUG
        if "comment_id" in params:
            params["comment_id"] = seeded["held"]
    headers = {"Authorization": f"Bearer {seeded['token']}"} if "/moderation/" in case.path else {}
    response = case.call(headers=headers, app=hostile_app)
    documented = case.method.lower() == case.operation.method.lower()
    tally(
        f"{case.operation.method.upper()} {case.path}" if documented else "(undocumented methods)", response.status_code
    )
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        headers=headers,
    )
