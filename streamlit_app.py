"""Maatwerkassistent in the browser: `maatwerk serve` (or `streamlit run streamlit_app.py`).
The app is a thin client over the assistant package; see assistant/ui/."""

from assistant.ui.app import main

main()
