# ip-helpdesk: `make run` serves the bot on the embedded defaults, `make test` runs the tests.
# Both create .venv with Python 3.10 when it is missing, install, and (re)train the model only when the
# training data, config.yml, domain.yml or the jieba dictionary changed since the last model.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
MODEL   := models/ipdesk.tar.gz
STAMP   := models/.ipdesk.inputs
# pytest-xdist workers for the tests that need no stack: one more than cores, since a part of them waits on
# subprocesses, sockets and timers rather than the CPU.
WORKERS := $(shell echo $$(( $$(nproc) + 1 )))
TRAIN_INPUTS = config.yml domain.yml nlu/linear.py $(sort $(shell find nlu/train knowledge/data/jieba -type f))

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Python may keep compiled modules (__pycache__/, ignored by git): pytest keeps its assertion-rewritten test modules
# there only then — without it every test process rewrites every test file again, seconds each.
unexport PYTHONDONTWRITEBYTECODE

# The first Python 3.10 found: $PYTHON, python3.10 on PATH, pyenv's versions, the system's.
define find_python
for c in "$${PYTHON:-}" python3.10 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10 python3; do \
  [ -n "$$c" ] && command -v "$$c" >/dev/null 2>&1 \
  && "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null && { echo "$$c"; break; }; \
done; true
endef

.PHONY: help venv model nlu-vocabulary knowledge run chat test test-fast test-slow lint bench eval browser nginx screenshots admin clean

help:
	@echo "make run    set up, train if needed, serve the bot (REST on 127.0.0.1:5005, actions on 5055)"
	@echo "make test   set up, train if needed, run the tests (make test-slow: the scale-out and fault tests)"
	@echo "make test-fast  the tests that need no trained model and no running stack, under a minute"
	@echo "make lint   ruff check, ruff format --check, mypy"
	@echo "make bench  latency, throughput, memory, cold start and training time under load, beside the NLU floor"
	@echo "make chat   talk to the bot in this terminal"
	@echo "make admin  create the hotline console's first administrator (console on 127.0.0.1:8080)"
	@echo "make eval   intent P/R/F1 and source hit@k on the held-out sets"
	@echo "make knowledge  after editing knowledge/data: validate, re-render the NLU vocabulary, retrain if needed"

$(PY):
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
	  echo "$(VENV) is not Python 3.10: recreating it"; rm -rf $(VENV); fi
	@py=$$($(find_python)); \
	if [ -z "$$py" ]; then \
	  echo "error: Python 3.10 is required (Rasa 3.6 runs on Python <= 3.10) and none was found on PATH or" >&2; \
	  echo "under pyenv. Install it (pyenv install 3.10.13) or point PYTHON at a python3.10 binary." >&2; exit 1; fi; \
	echo "creating $(VENV) with $$py"; "$$py" -m venv $(VENV)

$(VENV)/.installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip wheel "setuptools>=68"
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

nlu-vocabulary: venv
	$(PY) -m knowledge vocabulary

# Staff's one command after editing knowledge/data: a broken file stops here with file, line and reason (a
# running action server keeps its last good knowledge and picks up a valid change on the next question).
knowledge: venv
	$(PY) -m knowledge check --domain domain.yml
	$(PY) -m knowledge vocabulary
	$(MAKE) --no-print-directory model

# Train when the fingerprint of the training inputs differs from the one the current model was built from.
model: venv
	@mkdir -p models var
	@$(PY) -m knowledge vocabulary --check
	@fingerprint=$$(sha256sum $(TRAIN_INPUTS) | sha256sum | cut -d' ' -f1); \
	if [ -f $(MODEL) ] && [ "$$(cat $(STAMP) 2>/dev/null)" = "$$fingerprint" ]; then \
	  echo "model is up to date ($(MODEL))"; \
	else \
	  echo "training the model (the training data, config.yml or domain.yml changed)…"; \
	  $(VENV)/bin/rasa train --config config.yml --domain domain.yml --data nlu/train \
	    --out models --fixed-model-name ipdesk && echo "$$fingerprint" > $(STAMP); \
	fi

run: model
	$(PY) -m bot.processes.launcher

chat: model
	$(PY) -m bot.processes.launcher --shell

# The console's end-to-end tests drive Debian's chromium through its chromedriver, and need CJK fonts to render
# Chinese; installed from Debian's packages when missing (as root, or with password-less sudo).
# Debian packages a target needs, installed when missing (as root, or with password-less sudo).
define apt_install
if [ "$$(id -u)" = 0 ]; then apt=""; elif sudo -n true 2>/dev/null; then apt="sudo -n"; else \
  echo "error: need root (or password-less sudo) to apt-get install $(1)" >&2; exit 1; fi; \
echo "installing $(1) $(2)"; \
$$apt apt-get install -y --no-install-recommends $(1) >/dev/null \
|| { $$apt apt-get update -qq && $$apt apt-get install -y --no-install-recommends $(1) >/dev/null; }
endef

BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  :; \
	else \
	  $(call apt_install,$(BROWSER_PACKAGES),for the console's browser tests); \
	fi

# The scale-out layout runs Debian's nginx in front of the Rasa servers; the scale-out and fault tests and the
# benchmark start PostgreSQL and Redis servers of their own (Debian's server programs).
nginx:
	@missing=""; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then $(call apt_install,$$missing,for the scale-out layout and its tests); fi

# The whole default suite (everything but `slow`): the tests that need no stack side by side on every core, as
# `make test-fast` runs them, then the stack's tests one at a time (each starts servers of its own).
test: model browser nginx
	$(MAKE) --no-print-directory test-fast
	$(PY) -m pytest -m 'stack and not slow'

# Everything that needs neither the trained model nor a running stack (tests marked `stack` or `slow` are left out),
# on every core (pytest-xdist): each test has its own database, port and folder, so they run side by side.
test-fast: venv
	$(PY) -m pytest -q -m 'not slow and not stack' -n $(WORKERS)

# The habits the project keeps: ruff's rules and format (pyproject.toml) and mypy over bot/ and tests/.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Two Rasa servers behind nginx, killed and restarted servers: minutes each, so apart from `make test`.
test-slow: model nginx
	$(PY) -m pytest -m slow

# Prints figures, asserts nothing; `make bench BENCH=--quick` for short runs. Quote it from a quiet machine.
bench: model nginx
	$(PY) -m bench $(BENCH)

# Refresh docs/screenshots/ (shown in the README) from the console's and the web chat's browser tests.
screenshots: model browser
	IPDESK_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_console_browser.py tests/test_webchat_browser.py
	IPDESK_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_console_knowledge.py -k browser
	IPDESK_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_knowledge_workflow.py -k "browser and sqlite"
	IPDESK_SCREENSHOTS=1 $(PY) -m pytest -q tests/test_console_model.py -k browser

# Create the console's first administrator: `make admin` (named admin) or `make admin ADMIN=wang`.
admin: venv
	$(PY) -m bot.console create-admin $(or $(ADMIN),admin)

eval: model
	$(PY) -m nlu.evaluate

clean:
	rm -rf models var .pytest_cache
