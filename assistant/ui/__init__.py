"""The Streamlit user interface: a thin client over the assistant package.

Only the modules that render (app.py, views.py, pages/*.py) import streamlit; access.py,
conversation.py and register.py are plain Python and unit-tested without a browser."""
