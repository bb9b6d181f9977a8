"""The version the app shows is the one the package is built with."""

import tomllib
from pathlib import Path

import leadgen_desktop

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_package_version_is_the_one_in_pyproject() -> None:
    with PYPROJECT.open("rb") as fh:
        built = tomllib.load(fh)["project"]["version"]
    assert leadgen_desktop.__version__ == built
