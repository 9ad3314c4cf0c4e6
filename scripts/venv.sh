# Sourced by scripts/test.sh and scripts/run.sh: the checkout's own virtual environment (.venv).
# Nothing is installed into the machine's python: pip runs only inside .venv.
# PYTHON names the interpreter that creates it (default python3, 3.11 or newer); CNNVIZ_VENV another place.

VENV="${CNNVIZ_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

die() { echo "error: $*" >&2; exit 1; }

# apt-get update, then install the given Debian packages (as root: directly, or through sudo).
apt_install() {
  local sudo=""
  command -v apt-get >/dev/null 2>&1 || die "apt-get is missing; install these packages yourself: $*"
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "installing Debian packages needs root or sudo: as root, run" \
                                           "apt-get update && apt-get install -y $*"
    sudo="sudo"
  fi
  echo "Installing Debian packages with apt-get: $*" >&2
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Refuse a python older than 3.11 (Streamlit 1.67 and tomllib need it), saying which one was found.
check_python() {
  command -v "$PYTHON" >/dev/null 2>&1 || die "cnnviz needs Python 3.11 or newer, and '$PYTHON' was not found."
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    die "cnnviz needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)." \
        "Install a newer one, or point PYTHON at it: PYTHON=python3.12 $0"
  fi
}

# Create .venv when it is missing or broken (e.g. made by a python since removed).
make_venv() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
  then return; fi
  check_python
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    # Debian ships venv's pip bootstrap separately.
    apt_install "python3-venv"
    "$PYTHON" -m venv "$VENV" || die "could not create the virtual environment $VENV with $PYTHON"
  fi
}

# Install a requirements file into .venv, unless the same requirements were installed there already.
install_requirements() {
  local file="$1" stamp="$VENV/.cnnviz-installed" want
  want="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
  # The dev requirements include the runtime ones.
  if grep -qxF "$file $want" "$stamp" 2>/dev/null \
     || { [ "$file" = requirements.txt ] && grep -qxF "requirements-dev.txt $want" "$stamp" 2>/dev/null; }; then
    return
  fi
  echo "Installing $file into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file"
  { grep -F " $want" "$stamp" 2>/dev/null || true; echo "$file $want"; } >"$stamp.new"
  mv "$stamp.new" "$stamp"
}
