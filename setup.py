"""Packages are found, not listed: a wheel never misses a new subpackage
(tests/test_packaging.py builds one). The theme lives at the top of the project and
ships as `sitegen.themes` (pyproject.toml maps the folder)."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["sitegen", "sitegen.*"]), "sitegen.themes"])
