# The few commands a newcomer needs. Everything installs itself on a fresh Debian machine (Python 3.11).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: help install demo test lint check test-sqlite test-postgres test-browser bench vendor messages clean

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

test-sqlite: install
	$(BIN)/pytest -m "not browser" -p no:cacheprovider -q

test-postgres: install system-deps
	@set -e; url=$$(scripts/test-postgres.sh start); \
	  DATABASE_URL=$$url $(BIN)/pytest -m "django_db and not browser" -p no:cacheprovider -q; status=$$?; \
	  scripts/test-postgres.sh stop; exit $$status

test-browser: install system-deps node_modules/.package-lock.json
	$(BIN)/pytest tests/browser -m browser -p no:cacheprovider -q

test: lint check test-sqlite test-postgres test-browser

bench: install node_modules/.package-lock.json
	scripts/system-deps.sh --bench
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

vendor: node_modules/.package-lock.json
	cp node_modules/htmx.org/dist/htmx.min.js beffroi/static/vendor/
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css beffroi/static/vendor/leaflet/
	cp -r node_modules/leaflet/dist/images beffroi/static/vendor/leaflet/

messages: install
	$(BIN)/beffroi makemessages -l en --no-obsolete --ignore "node_modules/*" --ignore "tests/*" --ignore "bench/*" --ignore ".venv/*"
	$(BIN)/beffroi compilemessages -l en --ignore ".venv/*" --ignore "node_modules/*"

clean:
	rm -rf $(VENV) node_modules .pytest_cache
