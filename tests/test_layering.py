"""The Python modules of the package import downward only (the order is written in
src/logbessel/_arrays.py): no module imports one of its own layer or of a layer above it,
found from the source (every import statement, also those inside functions) and from a
fresh interpreter (importing a module loads none above it). Well under a second."""
from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import logbessel

PACKAGE = Path(logbessel.__file__).parent

# lowest first; modules in one layer may not import each other
LAYERS = [
    ["_core", "_version"],          # the C++ extension; the version string
    ["_arrays", "_docs"],
    ["_registry"],                  # the list of the elementwise functions (registry.h)
    ["_gpu"],
    ["_cuda"],                      # the kernels without CuPy (NVRTC, driver API), cache folder
    ["_dispatch", "_jax_ffi"],      # _jax_ffi: the XLA custom calls' library
    ["_info"],                      # show_config: the build and the environment
    ["logbessel"],                  # the package __init__: the elementwise functions
    ["_vmf_core"],
    ["_vmf_fit", "_vmf_stats", "_plot"],
    ["vmf"],
    ["vmf_mixture"],
    ["torch", "jax", "__main__"],
    ["_torch_vmf", "numpyro"],      # the vMF distributions of torch (loaded lazily by
                                    # logbessel.torch) and of NumPyro (on logbessel.jax)
]
# the modules that need an optional framework (skipped by the import check without it)
FRAMEWORK = {"torch": "torch", "jax": "jax", "_torch_vmf": "torch", "numpyro": "numpyro"}
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}

# The package's lazy ``logbessel.vmf`` attribute (PEP 562 __getattr__) imports the
# submodule on first access; nothing below vmf depends on it. Likewise vmf's lazy
# ``VonMisesFisherMixture`` (the mixture samples with vmf's sampler, so it sits above), and
# logbessel.torch's ``VonMisesFisher`` and the other names of _torch_vmf.
ALLOWED_UPWARD = {("logbessel", "vmf"), ("vmf", "vmf_mixture"), ("torch", "_torch_vmf")}


def _module_name(path: Path) -> str:
    return "logbessel" if path.stem == "__init__" else path.stem


def _target(name: str) -> str:
    """The module of the package that `name` (a submodule or a name of the package) is."""
    return name if (PACKAGE / f"{name}.py").exists() or name == "_core" else "logbessel"


def _imports(path: Path):
    """(imported module, line) for every reference to a module of the package."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 or node.module == "logbessel":
                if node.module in (None, "logbessel"):
                    for alias in node.names:
                        yield _target(alias.name), node.lineno
                else:
                    yield node.module.split(".")[0], node.lineno
            elif node.level == 0 and node.module and node.module.startswith("logbessel."):
                yield node.module.split(".")[1], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "logbessel":
                    yield (parts[1] if len(parts) > 1 else "logbessel"), node.lineno
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and str(node.args[0].value).startswith(".")):
            yield str(node.args[0].value)[1:].split(".")[0], node.lineno


def test_every_module_has_a_layer():
    modules = {_module_name(p) for p in PACKAGE.glob("*.py")}
    assert modules - set(RANK) == set(), "place the new module in LAYERS (and in _arrays' list)"


def test_imports_go_downward_only():
    wrong = []
    for path in sorted(PACKAGE.glob("*.py")):
        me = _module_name(path)
        for other, line in _imports(path):
            if other == me or (me, other) in ALLOWED_UPWARD:
                continue
            assert other in RANK, f"{path.name}:{line} imports unknown module {other}"
            if RANK[other] >= RANK[me]:
                wrong.append(f"{path.name}:{line} ({LAYERS[RANK[me]]}) imports {other} "
                             f"({LAYERS[RANK[other]]})")
    assert not wrong, "imports that do not go down:\n" + "\n".join(wrong)


def test_importing_a_module_loads_none_above_it():
    order = [m for layer in LAYERS for m in layer
             if m not in ("_core", "logbessel")
             and (m not in FRAMEWORK or importlib.util.find_spec(FRAMEWORK[m]) is not None)]
    script = (
        "import importlib, json, sys\n"
        "seen = {}\n"
        f"for m in {order!r}:\n"
        "    importlib.import_module('logbessel.' + m)\n"
        "    seen[m] = sorted(k.split('.', 1)[1] if '.' in k else k for k in sys.modules\n"
        "                     if k == 'logbessel' or k.startswith('logbessel.'))\n"
        "print(json.dumps(seen))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent.parent)
    seen = json.loads(out.stdout)
    package_rank = RANK["logbessel"]  # importing any submodule runs the package first
    for m, loaded in seen.items():
        top = max(RANK[m], package_rank)
        above = [k for k in loaded if RANK.get(k, len(LAYERS)) > top]
        assert not above, f"importing logbessel.{m} loaded {above}"
    assert "vmf_mixture" not in seen["vmf"] and "vmf_mixture" not in seen["_vmf_fit"]
