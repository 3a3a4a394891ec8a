"""Schemathesis against the three APIs of a running server (tests/fuzz/conftest.py), with a write key: the
platform's OpenAPI (django-ninja), the NGSI-LD OpenAPI the server publishes, and Open311 through the community's
Swagger description (tests/data/open311/). Every phase the tool has: the schema's examples, its coverage of
each parameter's boundaries, random fuzzing, and the stateful phase that follows the links between
operations (an id a list returned, used in the next call). The checks: no server error, every status
documented, every response matching its schema and its declared content type, a deleted resource gone.

Run with `make fuzz` (each API within its time budget, BEFFROI_FUZZ_SECONDS, 30 s by default); a
failure prints the request that reproduces it (`st replay` in the output)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.fuzz

HERE = Path(__file__).resolve().parent
OPEN311_SWAGGER = HERE.parent / "data" / "open311" / "swagger.json"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "content_type_conformance",
        "use_after_free",
        "ensure_resource_availability",
    ]
)
SECONDS = int(os.environ.get("BEFFROI_FUZZ_SECONDS", "30"))


def schemathesis(target, schema: str, base_url: str, *extra: str) -> None:
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        schema,
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {target.key}",
        "--checks",
        CHECKS,
        "--max-time",
        str(SECONDS),
        "--workers",  # (two threads at once can trip Hypothesis's cache of lambda sources)
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        *extra,
    ]
    if os.environ.get("BEFFROI_FUZZ_SEED"):
        command += ["--seed", os.environ["BEFFROI_FUZZ_SEED"]]
    env = {**os.environ, "BEFFROI_FUZZ_COMMUNE": target.commune}
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output = run.stdout.replace(target.key, "[key]") + run.stderr
    sys.stdout.write(output)  # shown by pytest beside a failure, and with -s
    assert run.returncode == 0, output[-12000:]


def test_the_platform_api(fuzz_target):
    schemathesis(fuzz_target, f"{fuzz_target.url}/api/openapi.json", f"{fuzz_target.url}/")


def test_the_ngsi_ld_api(fuzz_target):
    schemathesis(fuzz_target, f"{fuzz_target.url}/ngsi-ld/v1/openapi.json", f"{fuzz_target.url}/ngsi-ld/v1")


def test_open311(fuzz_target):
    schemathesis(fuzz_target, str(OPEN311_SWAGGER), f"{fuzz_target.url}/open311/v2")
