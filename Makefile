# Two commands set everything up on a fresh machine: `make site` and `make test`.
# Both create and fill .venv on first use from the pinned requirements.lock.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Material prints a banner about its successor on every build; it is not a build warning.
export NO_MKDOCS_2_WARNING := 1

# Mermaid, for the guide's diagrams, is served from the site itself (no CDN). It comes from the
# npm registry at a pinned version, checked against its tarball's SHA-256, and is not committed.
MERMAID_VERSION := 11.17.2
MERMAID_SHA256 := 6ad2f42c3fc26bbf9e45cbb6d11898972573ea52b33a5f4ff51952899f950ffd
MERMAID := docs/javascripts/vendor/mermaid.min.js
# axe-core, for the browser tests' accessibility check (WCAG 2.1 A/AA): pinned and checked the same way.
# The tests inject it into each page; it is never part of the site.
AXE_VERSION := 4.14.1
AXE_SHA256 := e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE := build/npm/axe-core-$(AXE_VERSION)/axe.min.js
# @cloud-copilot/iam-simulate, an IAM evaluator written apart from this project, is the tests' oracle.
# AGPL-3.0, so tests only: fetched into build/oracle, never committed, never in the site or the wheel.
# Its tarball is checked like Mermaid's; tests/oracle/package-lock.json pins its dependencies (npm ci).
IAMSIM_VERSION := 0.1.173
IAMSIM_SHA256 := 4774e72ede4751f2b0007f78c8b8326cb10d02466bb532a7d69c431f402a41d0
ORACLE := build/oracle/node_modules/@cloud-copilot/iam-simulate/package.json

.PHONY: site site-properdocs test check validate serve serve-writers lint bench readme lock clean oracle

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(MERMAID):
	mkdir -p build/npm $(dir $(MERMAID))
	cd build/npm && npm pack --silent mermaid@$(MERMAID_VERSION) >/dev/null
	echo "$(MERMAID_SHA256)  build/npm/mermaid-$(MERMAID_VERSION).tgz" | sha256sum --check --quiet
	tar -xzf build/npm/mermaid-$(MERMAID_VERSION).tgz -C build/npm package/dist/mermaid.min.js
	cp build/npm/package/dist/mermaid.min.js $(MERMAID)

$(AXE):
	mkdir -p build/npm $(dir $(AXE))
	cd build/npm && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	echo "$(AXE_SHA256)  build/npm/axe-core-$(AXE_VERSION).tgz" | sha256sum --check --quiet
	tar -xzf build/npm/axe-core-$(AXE_VERSION).tgz -O package/axe.min.js > $(AXE).tmp
	mv $(AXE).tmp $(AXE)

$(ORACLE): tests/oracle/package.json tests/oracle/package-lock.json
	rm -rf build/oracle && mkdir -p build/oracle
	cd build/oracle && npm pack --silent @cloud-copilot/iam-simulate@$(IAMSIM_VERSION) >/dev/null
	echo "$(IAMSIM_SHA256)  build/oracle/cloud-copilot-iam-simulate-$(IAMSIM_VERSION).tgz" | sha256sum --check --quiet
	cp tests/oracle/package.json tests/oracle/package-lock.json build/oracle/
	cd build/oracle && npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $(ORACLE)

## oracle: fetch the tests' independent IAM evaluator (part of make test)
oracle: $(ORACLE)

## site: validate the policies, build the customers' guide into site/ and the writers' site into site-writers/, check the site and the generated template for drift,
## and test-deploy every role option and stack into the embedded sandbox
site: $(STAMP) $(MERMAID) validate
	$(BIN)/mkdocs build --strict --site-dir site
	$(BIN)/mkdocs build --strict --config-file mkdocs.writers.yml --site-dir site-writers
	$(BIN)/iamdocs drift --site site
	$(BIN)/iamdocs template --output build/manager-role.yaml
	$(BIN)/iamdocs drift --cloudformation build/manager-role.yaml
	$(BIN)/iamdocs deploy --report site/deploy-report.json

## site-properdocs: the customers' guide built by the second engine, ProperDocs (the maintained fork of mkdocs 1.x),
## into site-properdocs/; tests/guide/test_properdocs.py checks that its policy blocks and downloads are mkdocs'
site-properdocs: $(STAMP) $(MERMAID) validate
	$(BIN)/properdocs build --strict -f mkdocs.yml --site-dir site-properdocs

## test: ruff and the whole test suite (unit, CLI, build, sandbox, browser)
test: $(STAMP) $(MERMAID) $(AXE) $(ORACLE) lint
	$(BIN)/pytest -n 2

## check: the edit loop (under 30 s on an idle 2-core machine): ruff, vulture, and the unit, lint-rule and CLI tests;
## no browser, no sandbox, no build (the wheel and pre-commit tests build packages: make test runs them)
check: $(STAMP) lint
	$(BIN)/pytest -n 2 -q -m "not browser and not sandbox" tests/unit tests/lint tests/test_readme.py \
	  --ignore=tests/unit/test_packaging.py

validate: $(STAMP)
	$(BIN)/iamdocs validate --strict

lint: $(STAMP)
	$(BIN)/ruff check iamdocs tests scripts
	$(BIN)/python scripts/deadcode

## serve: live preview for writers; reloads on changes to docs/, policies/ and iamdocs/
serve: $(STAMP) $(MERMAID)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

## serve-writers: the same for the writers' and release site (every page), on port 8001
serve-writers: $(STAMP) $(MERMAID)
	$(BIN)/mkdocs serve --config-file mkdocs.writers.yml --dev-addr 127.0.0.1:8001

bench: $(STAMP)
	$(BIN)/python scripts/bench

## readme: regenerate the CLI reference in README.md (a test fails when it is stale)
readme: $(STAMP)
	$(BIN)/python -m iamdocs.clidoc README.md

## lock: re-pin every package after changing pyproject.toml
lock:
	rm -rf /tmp/iamdocs-lock && $(PYTHON) -m venv /tmp/iamdocs-lock
	/tmp/iamdocs-lock/bin/pip install --quiet -e '.[guide,sandbox,bench,test]'
	{ echo "# Every package the project installs, pinned. Regenerate with: make lock"; \
	  /tmp/iamdocs-lock/bin/pip freeze --exclude-editable; } > requirements.lock

clean:
	rm -rf $(VENV) site site-writers site-properdocs build .pytest_cache .ruff_cache
