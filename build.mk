# Shared by the top-level Makefile and the `sam build` Makefiles of functions/* and layers/*.

# A python3.13 that really runs (a pyenv shim of an inactive version does not).
PYTHON313 ?= $(shell for p in "$$(command -v python3.13)" "$$(PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null)"; do \
	[ -n "$$p" ] && "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.executable)' 2>/dev/null && break; \
	done)

# First recipe lines of every build target: fail clearly outside `sam build` or without 3.13.
define check_build_env
	@test -n "$(ARTIFACTS_DIR)" || { echo "error: ARTIFACTS_DIR is not set (run this through sam build)" >&2; exit 1; }
	@test -n "$(PYTHON313)" || { echo "error: Python 3.13 not found; install it (pyenv install 3.13.0) or pass PYTHON313=/path/to/python3.13" >&2; exit 1; }
endef

# Precompiles a tree with Python 3.13, so cold starts skip bytecode compilation. unchecked-hash:
# the .pyc stay valid whatever mtimes the zip gives the sources.
COMPILE_313 = "$(PYTHON313)" -m compileall -q -j 0 --invalidation-mode unchecked-hash
