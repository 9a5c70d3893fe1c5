# Caseload: the two commands are `make demo` and `make test`.
# Everything else here is what they are made of.

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
SAO_VERSION ?= 8.0
SAO_ROOT = var/sao
DEMO_DB ?= demo
# test processes (pytest-xdist): one per core
TEST_WORKERS ?= auto
# tests write screenshots and logs here
export TEST_OUTPUT ?= $(CURDIR)/test-output

.PHONY: demo test test-sqlite test-postgresql install sao browser \
	constraints clean

demo: install sao
	$(BIN)/caseload -d $(DEMO_DB) init --demo \
		--password-file config/demo-password
	@echo
	@echo "Open http://127.0.0.1:8000/#$(DEMO_DB) and log in with a login above."
	$(BIN)/caseload -d $(DEMO_DB) serve

test: test-sqlite

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

sao: $(SAO_ROOT)/package/index.html $(SAO_ROOT)/package/custom.js \
	$(SAO_ROOT)/package/custom.css

# Caseload's additions to the web client (sao loads them after itself)
$(SAO_ROOT)/package/custom.%: sao/custom.% $(SAO_ROOT)/package/index.html
	cp $< $@

# Unpacked from the npm tarball and installed inside the package: sao's
# index.html loads node_modules/ relatively. --legacy-peer-deps skips a dev
# dependency's peer conflict; dist/ is prebuilt, so no build step.
$(SAO_ROOT)/package/index.html:
	rm -rf $(SAO_ROOT) && mkdir -p $(SAO_ROOT)
	cd $(SAO_ROOT) && npm pack --silent tryton-sao@$(SAO_VERSION) >/dev/null \
		&& tar xzf tryton-sao-*.tgz && rm tryton-sao-*.tgz
	cd $(SAO_ROOT)/package && npm install --silent --omit=dev \
		--ignore-scripts --legacy-peer-deps --no-audit --no-fund
	test -f $@

# Browser tests drive Debian's Chromium (never a downloaded browser).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else \
			echo "Install Chromium for the browser tests:" \
				"sudo apt-get install chromium chromium-driver"; exit 1; \
		fi; \
	fi

# DB_CACHE keys its templates by module names only: a cache folder per
# fingerprint of the modules' code keeps a schema change from reusing
# stale tables.
test-sqlite: install sao browser
	mkdir -p $(TEST_OUTPUT)
	DB_NAME=':memory:' \
	DB_CACHE=$(CURDIR)/var/test-cache/$$($(BIN)/python -m caseload.fingerprint) \
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist load --no-loadscope-reorder --durations=25 $(PYTEST_ARGS)

# Needs a PostgreSQL server and TRYTOND_DATABASE_URI (see .ci/run, which
# starts one); the role needs CREATEDB.
test-postgresql: install sao browser
	@test -n "$$TRYTOND_DATABASE_URI" || { \
		echo "Set TRYTOND_DATABASE_URI=postgresql://USER@HOST:PORT/"; exit 1; }
	mkdir -p $(TEST_OUTPUT)
	DB_CACHE=postgresql:// $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist load --no-loadscope-reorder --durations=25 $(PYTEST_ARGS)

constraints: install
	{ head -2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable \
		| grep -v '^caseload'; } > constraints.new && mv constraints.new constraints.txt

clean:
	rm -rf var/test-cache $(TEST_OUTPUT) .pytest_cache
