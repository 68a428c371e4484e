"""UI helpers for ``app.py``: HTML rendering, the first-start index build, and the event handlers.

Everything here calls the ``qa`` API; ``qa`` never imports this package.
"""
