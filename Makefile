# make demo   serve the example project on http://127.0.0.1:8000 (keys and a demo user made on first run)
# make test   build everything and run every test suite (cargo test; pytest, with Chromium, gunicorn,
#             PostgreSQL and Redis)
# make test-upstream  the original's own test suites (0.4.0 to 0.8.1, from PyPI) against this package
# make bench  this package against the original, PyJWT and OpenSSL: one table (a few minutes)
# make lint   rustfmt, clippy, ruff, mypy, stubtest, the release workflow against GitHub's schema
# make wheel  dist/: the abi3 manylinux2014 wheel (Python 3.10+, glibc 2.17+) and the sdist
# make test-matrix  that wheel on Python 3.10-3.13 and the Django and django-ninja floors and ceilings
# make messages  the translation catalogues refreshed from the code and compiled (see README, Languages)
# make fuzz   each cargo-fuzz target for FUZZ_SECONDS (600); prints the inputs run per target
# Everything is installed into .venv from requirements-dev.txt; nothing is expected to be there already.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUILT  := $(VENV)/.built
SOURCES := $(shell find src python -type f -not -name '*.so' -not -path '*/__pycache__/*') Cargo.toml Cargo.lock pyproject.toml .cargo/config.toml

ORIGINAL := .venv-original
ORIGINAL_STAMP := $(ORIGINAL)/.installed
# The Rust-backed peers `make bench` compares with, on Python 3.13 (ryjwt needs 3.12+): pyenv's, or any on PATH.
PEERS := .venv-peers
PEERS_STAMP := $(PEERS)/.installed
PYTHON313 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.13*/bin/python3.13) $(shell command -v python3.13))

.PHONY: build wheel demo test test-rust test-python test-upstream test-matrix bench lint messages fuzz clean

# Debian packages the tests and the benchmark use, installed with apt when running as root.
define apt_install
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1); \
	else echo "$(1) is missing: install Debian's package $(1) (apt-get install $(1))"; exit 1; fi
endef
/usr/bin/chromium: ; $(call apt_install,chromium)
/usr/bin/wrk: ; $(call apt_install,wrk)
/usr/bin/openssl: ; $(call apt_install,openssl)
/usr/lib/postgresql: ; $(call apt_install,postgresql)
/usr/bin/redis-server: ; $(call apt_install,redis-server)
# GNU gettext: makemessages and compilemessages run its tools, and so do the catalogue tests.
/usr/bin/msgfmt: ; $(call apt_install,gettext)

$(STAMP): requirements-dev.txt requirements-test.txt
	@command -v cargo >/dev/null || { echo "cargo is missing: install the Rust toolchain (https://rustup.rs)"; exit 1; }
	@python3 -m venv --help >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; \
		else echo "python3 -m venv is missing: install python3-venv"; exit 1; fi; }
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(BUILT): $(STAMP) $(SOURCES)
	@# A stale extension of another tag (an older cpython-311 build beside the abi3 one) would shadow the new.
	rm -f python/ninja_simple_jwt/_core.*.so
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --quiet
	touch $@

build: $(BUILT)

# The Linux x86_64 build of .github/workflows/release.yml, with the same maturin arguments: zig links the
# abi3 extension against glibc 2.17, so one wheel serves CPython 3.10 and later on manylinux2014.
DIST := dist
WHEEL_STAMP := $(DIST)/.built
$(WHEEL_STAMP): $(STAMP) $(SOURCES) LICENSE README.md
	rm -rf $(DIST)
	PATH=$(abspath $(VENV))/bin:$$PATH maturin build --release --locked --zig --compatibility manylinux2014 --out $(DIST)
	$(VENV)/bin/maturin sdist --out $(DIST)
	touch $@

wheel: $(WHEEL_STAMP)

test: test-rust test-python

# The original package's own test suites, of every release on PyPI, against this package (its wheels,
# cached under target/upstream/; tests/upstream/run.py says how). Expected failures: tests/upstream/.
test-upstream: $(BUILT)
	$(PY) tests/upstream/run.py

# The core's unit tests, without the Python bindings (no libpython needed). A run of no test fails.
test-rust:
	mkdir -p target && cargo test --no-default-features 2>&1 | tee target/cargo-test.log
	@grep -Eq "test result: ok\. [1-9][0-9]* passed" target/cargo-test.log || { echo "cargo test ran no test"; exit 1; }
	@# The Ed25519 tests again with curve25519-dalek's AVX2 code, which a CPU with AVX-512 IFMA never runs
	@# otherwise: built without .cargo/config.toml's flag (an empty RUSTFLAGS replaces it), in a target
	@# directory of its own so that neither build undoes the other.
	RUSTFLAGS= CARGO_TARGET_DIR=target/avx2 cargo test --no-default-features ed25519 2>&1 | tee target/cargo-test-avx2.log
	@grep -Eq "test result: ok\. [1-9][0-9]* passed" target/cargo-test-avx2.log || { echo "cargo test ran no Ed25519 test"; exit 1; }

# The suites without the sessions app; then the sessions suites on SQLite, and on a real PostgreSQL and
# Redis that the tests start on loopback (tests/services.py).
test-python: $(BUILT) /usr/bin/chromium /usr/lib/postgresql /usr/bin/redis-server /usr/bin/msgfmt
	$(PY) -m pytest
	$(PY) -m pytest tests/sessions --ds=tests.sessions.settings
	$(PY) -m pytest tests/sessions --ds=tests.sessions.settings_postgres

# Installs the wheel into a fresh virtualenv per cell (no Rust on PATH) and runs the pytest suites there;
# then builds a wheel from the sdist as pip does where no wheel fits (isolated, maturin from PyPI).
test-matrix: $(WHEEL_STAMP) /usr/bin/chromium /usr/lib/postgresql /usr/bin/redis-server /usr/bin/msgfmt
	tests/matrix.sh $(DIST)/*-cp310-abi3-manylinux*_x86_64*.whl
	rm -rf target/sdist-build
	$(VENV)/bin/pip wheel -q --disable-pip-version-check --no-deps $(DIST)/*.tar.gz -w target/sdist-build
	@ls target/sdist-build/*-cp310-abi3-*.whl
	@# Both wheels carry curve25519-dalek's AVX-512 IFMA code: .cargo/config.toml's flag reached the release
	@# build and the sdist.
	$(PY) tests/wheel_has_ifma.py $(DIST)/*-cp310-abi3-manylinux*_x86_64*.whl target/sdist-build/*-cp310-abi3-*.whl

demo: $(BUILT)
	cd example && ../$(PY) manage.py demo_setup
	@echo
	@echo "Open http://127.0.0.1:8000/ and sign in as demo / demo-pass-1234 (the server starts below; Ctrl-C stops it)."
	@echo "Or with curl:"
	@echo "  curl -s http://127.0.0.1:8000/api/auth/mobile/sign-in -H 'Content-Type: application/json' \\"
	@echo "       -d '{\"username\": \"demo\", \"password\": \"demo-pass-1234\"}'"
	@echo "  curl -s http://127.0.0.1:8000/api/hello -H 'Authorization: Bearer ACCESS_TOKEN'"
	@echo "  curl -s http://127.0.0.1:8000/api/auth/mobile/token-refresh -H 'Content-Type: application/json' \\"
	@echo "       -d '{\"refresh\": \"REFRESH_TOKEN\"}'"
	@echo "  curl -si http://127.0.0.1:8000/api/auth/web/sign-in -H 'Content-Type: application/json' \\"
	@echo "       -d '{\"username\": \"demo\", \"password\": \"demo-pass-1234\"}'"
	@echo "  API docs: http://127.0.0.1:8000/api/docs"
	@echo
	cd example && ../$(PY) manage.py runserver 127.0.0.1:8000

# The original package lives in a virtualenv of its own: both install the module ninja_simple_jwt.
$(ORIGINAL_STAMP): bench/requirements-original.txt $(STAMP)
	python3 -m venv $(ORIGINAL)
	$(ORIGINAL)/bin/python -m pip install -q --disable-pip-version-check -r bench/requirements-original.txt
	touch $@

$(PEERS_STAMP): bench/requirements-peers.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 is missing: install it (pyenv install 3.13) or set PYTHON313"; exit 1; }
	$(PYTHON313) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install -q --disable-pip-version-check -r bench/requirements-peers.txt
	touch $@

bench: $(BUILT) $(ORIGINAL_STAMP) $(PEERS_STAMP) /usr/bin/wrk /usr/bin/openssl /usr/lib/postgresql /usr/bin/redis-server
	$(PY) bench/run.py --original $(ORIGINAL)/bin/python --peers $(PEERS)/bin/python

lint: $(BUILT)
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --no-default-features -- -D warnings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest ninja_simple_jwt._core
	@# Offline: check-jsonschema ships GitHub's workflow schema.
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

# The languages shipped, as Django names their locale directories: add one here and run `make messages`.
LOCALES := de es fr it ja ko nl pl pt_BR ru tr zh_Hans

# Every catalogue refreshed from the strings marked in the code: new strings come in with an empty msgstr (or
# a fuzzy guess, to review), strings gone from the code are dropped; then all are compiled to .mo. File
# names but no line numbers, so that moving code leaves the catalogues alone.
messages: $(STAMP) /usr/bin/msgfmt
	cd python/ninja_simple_jwt && ../../$(VENV)/bin/django-admin makemessages --add-location file --no-obsolete \
		$(addprefix --locale ,$(LOCALES))
	cd python/ninja_simple_jwt && ../../$(VENV)/bin/django-admin compilemessages

# The fuzz targets (fuzz/fuzz_targets) under libFuzzer with the nightly toolchain, one after the other.
# New inputs go to fuzz/corpus/TARGET; a failing input lands in fuzz/artifacts/TARGET and fails the run:
# turn it into a regression test. Python's interpreter is never freed, hence no leak detection.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := verify keys json_python
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	@rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
	cd fuzz && cargo +nightly fuzz build
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$target; \
		( cd fuzz && ASAN_OPTIONS=detect_leaks=0 cargo +nightly fuzz run $$target corpus/$$target -- \
			-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -print_final_stats=1 ) > fuzz/$$target.log 2>&1 \
			|| { tail -40 fuzz/$$target.log; echo "fuzz target $$target failed"; exit 1; }; \
		echo "$$target: $$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' fuzz/$$target.log | tail -1)"; \
	done

clean:
	rm -rf $(VENV) $(ORIGINAL) target $(DIST)
