"""The public elementwise functions, as csrc/logbessel/registry.h lists them (once, for the
C++ and the Python side): the _core extension exports the list (_core.registry, built from
the same macro list as its ufuncs), and everything here that enumerates the functions
reads it from this module: the public functions of logbessel and logbessel.vmf, the GPU
backend's kernels and phases (_gpu), the torch and JAX adapters, the tests.
"""
from __future__ import annotations

from typing import NamedTuple

from . import _core


class Function(NamedTuple):
    """One row of registry.h (see there for the columns)."""
    name: str
    arity: int
    params: tuple    # the arguments' names
    runner: str      # the CPU loop: "lanes" or "plain"
    key: str         # the GPU key type (config.h); "no_key": plain kernels
    sorted: bool     # whether the GPU kernels sort by key
    phases: tuple    # GPU phase boundaries, 0 .. KEY_COUNT
    partials: tuple  # names of the partial derivatives' functions, per argument, or ()
    home: str        # "logbessel" or "logbessel.vmf"
    summary: str     # the ufunc's one-line docstring


def _row(d) -> Function:
    params = tuple(p.strip() for p in d["params"].split(","))
    partials = tuple(d["partials"].split())
    f = Function(d["name"], int(d["arity"]), params, d["runner"], d["key"], bool(d["sorted"]),
                 tuple(int(b) for b in d["phases"]), partials, d["home"], d["summary"])
    if len(params) != f.arity or partials and len(partials) != f.arity:
        raise ImportError(f"logbessel registry row {f.name}: {f.arity} arguments but params "
                          f"{params} and partials {partials}")
    return f


FUNCTIONS = tuple(_row(d) for d in _core.registry)
BY_NAME = {f.name: f for f in FUNCTIONS}
KEY_COUNT = int(_core.key_count)  # GPU sort keys are 0 .. KEY_COUNT - 1


def names(home: str | None = None) -> tuple:
    """The functions' names (those bound in module `home` only, if given), in the list's
    order."""
    return tuple(f.name for f in FUNCTIONS if home is None or f.home == home)
