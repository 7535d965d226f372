"""The package's version, written once: pyproject.toml reads it (setuptools' dynamic
version), so the installed metadata and ``logbessel.__version__`` are the same string."""
__version__ = "0.1.0"
