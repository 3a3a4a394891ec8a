import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    # The topology starts PostgreSQL twice, pgbouncer, nginx and several servers: only when asked for
    # (`make test-topology`, or -m topology), and only where the system packages are.
    asked = "topology" in (config.getoption("markexpr") or "")
    missing = [name for name in ("nginx", "pgbouncer") if shutil.which(name) is None]
    for item in items:
        if item.get_closest_marker("topology") is None:
            continue
        if not asked:
            item.add_marker(pytest.mark.skip(reason="run with -m topology (make test-topology)"))
        elif missing:
            item.add_marker(pytest.mark.skip(reason=f"missing {missing}: scripts/system-deps.sh --topology"))
