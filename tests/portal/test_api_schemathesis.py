"""schemathesis runs every operation of the JSON API in-process (WSGI) against its own
OpenAPI 3.1 description on the demo data: no server error, no response outside the
description. Twenty examples per operation keep it fast."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from grants.web.portal.openapi import document

OPERATIONS = sorted((path, method.upper()) for path, item in document()["paths"].items()
                    for method in item)
"""Every operation the description declares (read without an app, to name each test)."""


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_api_conforms_to_its_description(demo_app, path, method):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate()

    check()


@pytest.mark.parametrize(("path", "status"), [
    ("/api/v1/rounds/2147483648", 404), ("/api/v1/rounds/-1", 404), ("/api/v1/rounds/0", 404),
    ("/api/v1/rounds/abc", 400), ("/api/v1/rounds/1.5", 400),
    ("/api/v1/projects/99999999999999999999", 404), ("/api/v1/projects/x/spending", 400),
    ("/api/v1/projects?round_id=x", 400), ("/api/v1/projects?page=-3", 200),
    ("/api/v1/spending?round_id=-1", 404), ("/api/v1/nowhere", 404),
])
def test_bad_ids_answer_json_errors(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.is_json
    if status >= 400:
        assert response.get_json()["status"] == status and response.get_json()["error"]


def test_the_description_is_served_at_a_stable_url(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/projects/{project_id}/spending" in document["paths"]
