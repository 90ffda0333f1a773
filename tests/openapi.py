"""What the OpenAPI tests of both suites share: the document, validated, and the statuses it lists."""

from typing import Any

from django.test import Client
from openapi_spec_validator import validate


def document() -> dict[str, Any]:
    """The API's OpenAPI document as a client downloads it, checked by openapi-spec-validator."""
    schema: dict[str, Any] = Client().get("/api/openapi.json").json()
    validate(schema)
    return schema


def documented_statuses(schema: dict[str, Any], path: str, method: str) -> set[int]:
    return {int(status) for status in schema["paths"][path][method]["responses"]}


def error_schema(schema: dict[str, Any], path: str, method: str, status: int) -> str:
    """The component name of the body a status of an operation documents."""
    ref: str = schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]
