"""Offline validation of a 360Giving package against the vendored schemas (``schema/``).

Draft 2020-12 validation with :mod:`jsonschema`; every address by which the package schema or
a copy of it refers to the grant schema (the 1.4 series, including 1.4.2 and 1.4.3, and the
``master`` branch) is registered with :mod:`referencing` to the vendored file, so nothing is
fetched. The vendored grant schema predates 1.4's grants to individuals (see
``schema/README.md``); while it lacks ``recipientIndividual``, 1.4's rule is applied on top of
it in memory: a grant names a ``recipientOrganization`` or a ``recipientIndividual``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).with_name("schema")
PACKAGE_FILE = "360-giving-package-schema.json"
GRANT_FILE = "360-giving-schema.json"
_RAW = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/{ref}/schema/{name}"
REFS = ("1.4", "1.4.2", "1.4.3", "master")
"""The standard's versions whose schema URLs resolve to the vendored files."""


def _load(name: str) -> dict:
    """A vendored schema file as JSON."""
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def grant_schema() -> dict:
    """The vendored grant schema, with 1.4's recipient rule when the text predates it."""
    schema = _load(GRANT_FILE)
    if "recipientIndividual" in schema.get("properties", {}):
        return schema
    required = [key for key in schema["required"] if key != "recipientOrganization"]
    return {**schema, "required": required,
            "anyOf": [{"required": ["recipientOrganization"]},
                      {"required": ["recipientIndividual"]}]}


@cache
def registry() -> Registry:
    """Every known schema URL mapped to the vendored package and grant schemas."""
    package = DRAFT202012.create_resource(_load(PACKAGE_FILE))
    grant = DRAFT202012.create_resource(grant_schema())
    pairs = []
    for ref in REFS:
        pairs.append((_RAW.format(ref=ref, name=PACKAGE_FILE), package))
        pairs.append((_RAW.format(ref=ref, name=GRANT_FILE), grant))
    return Registry().with_resources(pairs)


def validator() -> Draft202012Validator:
    """A Draft 2020-12 validator of packages that resolves every reference offline and asserts
    the schemas' ``format`` keywords (dates, date-times, URIs), which Draft 2020-12 otherwise
    treats as annotations only."""
    return Draft202012Validator(_load(PACKAGE_FILE), registry=registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(package: dict) -> list[ValidationError]:
    """Every way the package breaks the standard (empty when it validates)."""
    return sorted(validator().iter_errors(package), key=lambda error: list(error.path))
