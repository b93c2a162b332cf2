# A newcomer needs two commands: `make run` (the whole hub, foreground, Ctrl-C stops it) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test unit lint bench chaos views-table browser broker-start broker-stop cluster cluster-worker cluster-stop k8s clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" deploy/local/run.sh

test: $(STAMP) browser
	deploy/local/kafka.sh fetch
	deploy/tools/tool.sh promtool >/dev/null && deploy/tools/tool.sh compose-check >/dev/null
	$(PY) -m pytest

# The KPI page test (tests/e2e/test_kpi_report.py) looks at the page in headless Chromium: Debian's chromium (and
# CJK fonts, so the screenshot shows the labels), installed here if missing; no skip, a clear failure instead.
browser:
	@command -v chromium >/dev/null || { \
	  echo "make: installing Debian's chromium for the KPI page test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk; \
	} || { echo "make: chromium is needed by make test and could not be installed (apt-get install chromium)" >&2; exit 1; }
	@command -v chromium >/dev/null || { echo "make: chromium is still missing" >&2; exit 1; }

unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Not in `make test`: 100,000 referrals through 3 workers on 3 brokers, workers and a broker killed (tests/chaos).
# CHAOS_ARGS="--referrals 10000 --rate 100" for a shorter run.
chaos: $(STAMP)
	deploy/local/kafka.sh fetch
	$(PY) -m tests.chaos $(CHAOS_ARGS)

bench: $(STAMP)
	deploy/local/kafka.sh fetch
	$(PY) -m tests.bench

# README's "What each partner sees" table, regenerated from processors/privacy/views.toml.
views-table: $(STAMP)
	$(PY) -m processors.privacy.views --readme README.md

broker-start:
	deploy/local/kafka.sh start

broker-stop:
	deploy/local/kafka.sh stop

# Three KRaft brokers (replication 3, min.insync.replicas=2), the topics, then worker 1 in the foreground (Ctrl-C).
cluster: $(STAMP)
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" deploy/local/cluster.sh up

# One more worker against `make cluster`, in its own terminal: make cluster-worker N=2
cluster-worker: $(STAMP)
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" deploy/local/cluster.sh worker $(N)

cluster-stop:
	deploy/local/cluster.sh stop

# deploy/k8s/*.yaml regenerated from streams/topology.py and the ACL plan, then checked with kubeconform.
k8s: $(STAMP)
	$(PY) -m deploy.k8s.generate
	REFHUB_PYTHON=$(PY) deploy/k8s/validate.sh

clean:
	rm -rf $(VENV) tests/artifacts
