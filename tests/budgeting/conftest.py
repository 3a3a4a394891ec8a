from functools import cache
from pathlib import Path

import pytest

from beffroi.budgeting.pabulib import PabulibFile, read_pabulib

PABULIB_DIR = Path(__file__).resolve().parents[1] / "data" / "pabulib"


@cache
def _read(name: str) -> PabulibFile:
    return read_pabulib(PABULIB_DIR / name)


@pytest.fixture(scope="session")
def pabulib():
    """Read a vendored pabulib file once per session: `pabulib("Poland_Swiecie_2023.pb")`."""
    return _read
