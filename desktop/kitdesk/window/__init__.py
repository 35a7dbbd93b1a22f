"""The desktop window (pywebview), single-instance handling and the JS bridge."""
