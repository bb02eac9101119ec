# mpnts: `make demo` sets up and runs the main job; `make test` runs every test.
VENV       ?= .venv
PY         := $(VENV)/bin/python
MICROPY    := $(VENV)/bin/micropython
# What an ESP32 without PSRAM leaves free for the MicroPython heap.
SMALL_HEAP ?= 100000

.PHONY: setup demo test test-cpython test-micropython test-small-heap test-wasm vectors bench mpy clean

setup: $(VENV)/.stamp

# A worktree's .venv may be a symlink to a shared venv: install into it, never recreate.
$(VENV)/.stamp: requirements.txt
	test -L $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

vectors: setup
	$(PY) -m host_tests.vectorgen

demo: setup
	$(PY) tools/demo.py

test: setup vectors
	$(PY) host_tests/run_all.py

test-cpython: setup vectors
	$(PY) -m pytest -q host_tests

test-micropython: setup vectors
	$(PY) host_tests/run_micropython.py

test-small-heap: setup vectors
	$(PY) host_tests/run_micropython.py --heap 4000000 --free $(SMALL_HEAP) --env NTS_VIPER=0 --mpy
	$(PY) host_tests/run_micropython.py --heap $(SMALL_HEAP) --env NTS_VIPER=0 --mpy

test-wasm: setup vectors
	$(PY) host_tests/run_wasm.py

bench: setup vectors
	$(PY) tools/bench.py --out build/bench.md

mpy: setup
	$(PY) tools/build_mpy.py

clean:
	rm -rf build .pytest_cache .hypothesis
