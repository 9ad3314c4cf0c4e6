"""Load harness: simulated students over Streamlit's WebSocket protocol (loopback only)."""
