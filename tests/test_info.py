"""logbessel.show_config() and `python -m logbessel info`: the report a bug report needs,
and the version written once (the installed metadata says the same)."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import logbessel
from logbessel import _core


def test_show_config_reports_the_build_and_the_cpu_level():
    cfg = logbessel.show_config("dicts")
    assert cfg["logbessel"]["version"] == logbessel.__version__
    cpu = cfg["cpu"]
    assert cpu["level"] == _core.cpu_level() and cpu["chosen_by"] == _core.cpu_level_source
    assert cpu["levels_built"] == [lv["name"] for lv in _core.cpu_levels()]
    assert cpu["level"] in cpu["levels_supported"] and set(cpu["levels_supported"]) <= set(cpu["levels_built"])
    assert set(cpu["levels"]) == set(cpu["levels_built"])
    assert cfg["compiler"]["name"] not in ("", "unknown")
    assert "-ffp-contract=off" in cfg["compiler"]["flags"] or "/fp:precise" in cfg["compiler"]["flags"]
    assert cfg["numpy"]["version"] == np.__version__
    sources = Path(cfg["gpu"]["kernel_sources"])
    assert (sources / "kernels.cu").is_file() and (sources / "logbessel" / "registry.h").is_file()
    assert set(cfg["optional"]) == {"scipy", "dask", "torch", "jax", "numpyro", "cupy"}


@pytest.mark.parametrize("value, count, source", [
    (None, _core.hardware_threads, "default: the hardware threads"),
    ("3", 3, "LOGBESSEL_NUM_THREADS"),
    ("three", _core.hardware_threads, "default: LOGBESSEL_NUM_THREADS='three' is not a positive integer"),
    (str(10 ** 6), _core.max_threads, "LOGBESSEL_NUM_THREADS='1000000', capped at max_threads"),
])
def test_show_config_says_where_the_thread_count_comes_from(monkeypatch, value, count, source):
    if value is None:
        monkeypatch.delenv("LOGBESSEL_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("LOGBESSEL_NUM_THREADS", value)
    threads = logbessel.show_config("dicts")["threads"]
    assert (threads["count"], threads["source"]) == (count, source)


def test_show_config_loads_no_framework():
    code = ("import sys, logbessel; logbessel.show_config(); "
            "print(sorted(m for m in ('cupy', 'torch', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    if importlib.util.find_spec("cupy") is None:
        assert "CuPy is not installed" in out.stdout
    for name in ("torch", "jax"):
        if importlib.util.find_spec(name) is None:
            assert f"{name}:" in out.stdout and "not installed" in out.stdout


def test_show_config_modes():
    assert json.loads(logbessel.show_config("json")) == json.loads(json.dumps(logbessel.show_config("dicts")))
    with pytest.raises(ValueError, match=r"show_config: mode must be 'stdout', 'dicts' or 'json', not 'yaml'"):
        logbessel.show_config("yaml")


def test_info_command_prints_the_report():
    env = dict(os.environ, LOGBESSEL_NUM_THREADS="2")
    out = subprocess.run([sys.executable, "-m", "logbessel", "info"], capture_output=True, text=True,
                         env=env, check=True)
    text = out.stdout
    assert f"version:            {logbessel.__version__}" in text
    assert f"level:              {_core.cpu_level()}" in text
    for lv in _core.cpu_levels():
        assert f"level {lv['name']:9s} flags: " in text
    assert "count:              2" in text and "source:             LOGBESSEL_NUM_THREADS" in text
    out = subprocess.run([sys.executable, "-m", "logbessel", "info", "--json"], capture_output=True,
                         text=True, check=True)
    assert json.loads(out.stdout)["cpu"]["level"] == _core.cpu_level()


def test_version_is_written_once():
    from logbessel._version import __version__
    assert logbessel.__version__ == __version__
    try:
        installed = importlib.metadata.version("logbessel")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("logbessel is not installed (no metadata to compare)")
    assert installed == logbessel.__version__
