#!/usr/bin/env bash
# Start the app on http://127.0.0.1:8501 from the checkout's own .venv (extra arguments go to streamlit).
set -euo pipefail; cd "$(dirname "$0")/.."; . scripts/venv.sh; make_venv; install_requirements requirements.txt
exec "$VENV/bin/python" -m streamlit run app.py --server.address 127.0.0.1 --server.port 8501 "$@"
