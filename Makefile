# The few commands a newcomer needs. Everything installs itself on a fresh Debian machine (Python 3.11).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: help install demo test lint check test-suites test-databases timed-test-browser test-sqlite test-postgres test-browser test-durability test-topology fuzz system-deps bench vendor messages clean communes

help:
	@echo "make demo   — installe, prépare et sert la démonstration sur http://127.0.0.1:8000"
	@echo "make test   — toute la suite : lint, migrations, tests SQLite et PostgreSQL, tests navigateur"
	@echo "make bench  — mesures de performance (bench/)"

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --inexact --quiet
	touch $@

install: $(VENV)/.installed

demo: install
	scripts/system-deps.sh || echo "(PDF reports need Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
	$(BIN)/beffroi demo

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

system-deps:
	scripts/system-deps.sh --test

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy beffroi

check: install
	$(BIN)/beffroi makemigrations --check --dry-run
	DEBUG=0 BEFFROI_HTTPS=1 $(BIN)/beffroi check --deploy --fail-level WARNING

# pytest-xdist: one worker per core, each with its own test database; the tests of a module stay on one worker,
# so a module-scoped fixture (the data-hub demo of the dashboard tests) is built once.
XDIST := -n auto --dist loadscope

test-sqlite: install
	$(BIN)/pytest -m "not browser and not durability and not topology and not fuzz" -p no:cacheprovider -q $(XDIST)

# `slow` tests run once, on SQLite (the loader's whole commune, its idempotence); the PostgreSQL-only ones are not slow.
test-postgres: install system-deps
	@url=$$(scripts/test-postgres.sh start) || exit 1; status=0; \
	  DATABASE_URL=$$url $(BIN)/pytest -m "django_db and not browser and not durability and not topology and not fuzz and not presentation and not slow" -p no:cacheprovider -q $(XDIST) || status=$$?; \
	  scripts/test-postgres.sh stop; exit $$status

# Past one machine on loopback (docs/operations.md): nginx, two app servers, pgbouncer, a PostgreSQL primary and
# its streaming replica; kills an app server and the replica under traffic. Two to three minutes.
test-topology: install
	scripts/system-deps.sh --topology
	$(BIN)/pytest tests/topology -m topology -p no:cacheprovider -q

# One process: one live server and one Chromium for the session (tests/browser/conftest.py).
test-browser: install system-deps node_modules/.package-lock.json
	$(BIN)/pytest tests/browser -m browser -p no:cacheprovider -q

# kill -9 of real `beffroi serve` and `beffroi mqtt` processes (and a real Mosquitto) during writes, ballots
# and a count, three rounds each: nothing acknowledged is lost (tests/durability/). One process: the tests use
# fixed ports (BEFFROI_DURABILITY_PORT, BEFFROI_DURABILITY_MQTT_PORT).
test-durability: install system-deps
	$(BIN)/pytest tests/durability tests/datahub/test_reliability.py -m durability -p no:cacheprovider -q

# Schemathesis against the platform, NGSI-LD and Open311 APIs of a server started for the run (tests/fuzz/):
# a few minutes (30 s per API, BEFFROI_FUZZ_SECONDS; BEFFROI_FUZZ_URL and BEFFROI_FUZZ_KEY for a running server).
fuzz: install
	$(BIN)/pytest tests/fuzz -m fuzz -p no:cacheprovider -q

# The browser tests run beside the database suites: one Chromium page at a time and the live server behind it
# keep about one core busy, the suites (one pytest worker per core) the rest; each group's output is printed
# whole when it ends (--output-sync). Apart, they take as long as their sum (test-sqlite, test-postgres,
# test-browser alone).
test-suites: install system-deps node_modules/.package-lock.json
	@$(MAKE) --no-print-directory -j2 --output-sync=target timed-test-browser test-databases

# A target run with its duration printed after its output ("== target: N s"); fails as the target does.
timed = begin=$$(date +%s); status=0; $(MAKE) --no-print-directory $(1) || status=$$?; \
	echo "== $(1): $$(( $$(date +%s) - begin )) s"; exit $$status

timed-test-browser:
	@$(call timed,test-browser)

test-databases:
	@$(call timed,test-sqlite)
	@$(call timed,test-postgres)

# The system packages first, so that the SQLite stage already runs the Mosquitto and PDF tests on a fresh machine.
TEST_STAGES := lint check system-deps test-suites

# Each stage in turn, with its duration ("== stage: N s"), and the list of durations at the end.
test:
	@start=$$(date +%s); summary=""; \
	for stage in $(TEST_STAGES); do \
	  begin=$$(date +%s); status=0; $(MAKE) --no-print-directory $$stage || status=$$?; \
	  line="== $$stage: $$(( $$(date +%s) - begin )) s"; echo "$$line"; summary="$$summary$$line\n"; \
	  if [ $$status -ne 0 ]; then printf "$$summary== $$stage failed\n"; exit $$status; fi; \
	done; \
	printf "$$summary== total: $$(( $$(date +%s) - start )) s\n"

bench: install node_modules/.package-lock.json
	scripts/system-deps.sh --bench
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The icons the pages use (beffroi/core/icons.py USED_ICONS), copied by `make vendor`
TABLER_ICONS := alert-triangle armchair bulb chart-line coin-euro database file-text map-2 message-report road speakerphone trash tree volume
# The official list of communes (beffroi/territory/data/communes.json.gz) from the npm package
# @etalab/decoupage-administratif: bump its version in package.json, then `make communes` and commit the file.
communes: install node_modules/.package-lock.json
	$(BIN)/beffroi commune refresh-list --from node_modules/@etalab/decoupage-administratif

vendor: node_modules/.package-lock.json
	cp node_modules/htmx.org/dist/htmx.min.js beffroi/static/vendor/
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css beffroi/static/vendor/leaflet/
	cp -r node_modules/leaflet/dist/images beffroi/static/vendor/leaflet/
	# Tabler Icons (MIT): only the icons beffroi/core/icons.py names, with the licence
	mkdir -p beffroi/static/vendor/tabler-icons
	cp node_modules/@tabler/icons/LICENSE beffroi/static/vendor/tabler-icons/LICENSE
	for name in $(TABLER_ICONS); do cp node_modules/@tabler/icons/icons/outline/$$name.svg beffroi/static/vendor/tabler-icons/; done

messages: install
	$(BIN)/beffroi makemessages -l en --no-obsolete --ignore "node_modules/*" --ignore "tests/*" --ignore "bench/*" --ignore ".venv/*"
	$(BIN)/python scripts/french-plurals.py
	$(BIN)/beffroi compilemessages -l en -l fr --ignore ".venv/*" --ignore "node_modules/*"

clean:
	rm -rf $(VENV) node_modules .pytest_cache
