# Two commands set everything up on a fresh machine: `make site` and `make test`.
# Both create and fill .venv on first use from the pinned requirements.lock.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test validate serve lint bench readme lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## site: validate the policies, build the guide into site/, check the site and the generated template for drift,
## and test-deploy every role option and stack into the embedded sandbox
site: $(STAMP) validate
	$(BIN)/mkdocs build --strict --site-dir site
	$(BIN)/iamdocs drift --site site
	$(BIN)/iamdocs drift --write-template build/manager-role.yaml
	$(BIN)/iamdocs drift --cloudformation build/manager-role.yaml
	$(BIN)/iamdocs drift --cloudformation build/manager-role.yaml --param Session=true
	$(BIN)/iamdocs deploy --report site/deploy-report.json

## test: ruff and the whole test suite (unit, CLI, build, sandbox, browser)
test: $(STAMP) lint
	$(BIN)/pytest -n 2

validate: $(STAMP)
	$(BIN)/iamdocs validate

lint: $(STAMP)
	$(BIN)/ruff check iamdocs macros tests scripts

## serve: live preview for writers; reloads on changes to docs/, policies/ and iamdocs/
serve: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

bench: $(STAMP)
	$(BIN)/python scripts/bench

## readme: regenerate the CLI reference in README.md (a test fails when it is stale)
readme: $(STAMP)
	$(BIN)/python -m iamdocs.clidoc README.md

## lock: re-pin every package after changing pyproject.toml
lock:
	rm -rf /tmp/iamdocs-lock && $(PYTHON) -m venv /tmp/iamdocs-lock
	/tmp/iamdocs-lock/bin/pip install --quiet -e '.[test]'
	{ echo "# Every package the project installs, pinned. Regenerate with: make lock"; \
	  /tmp/iamdocs-lock/bin/pip freeze --exclude-editable; } > requirements.lock

clean:
	rm -rf $(VENV) site build .pytest_cache .ruff_cache
