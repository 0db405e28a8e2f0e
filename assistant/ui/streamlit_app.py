"""The Streamlit script that `maatwerk serve` runs: inside the package, so a wheel install has it.
(The checkout's streamlit_app.py is the same thin shell, for `streamlit run streamlit_app.py`.)"""

from assistant.ui.app import main

main()
