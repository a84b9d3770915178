"""Synthetic national-scale mine action data, written straight into a mineaction database.

The modules here build columns with numpy and hand them to a sink that writes
them in bulk; ``bench/generate.py`` puts them together and is the command to run.
"""
