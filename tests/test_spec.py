"""tests/spec.py covers the registry: every public function has its row, every row's
certified tables exist and load (no GPU needed: the GPU tests read this table)."""
import numpy as np
import pytest

from logbessel import _registry
from refdata import REF_DIR, load
from spec import SPEC, TABLE_PARITY64


def test_every_registry_function_has_a_spec_row():
    names = {f.name for f in _registry.FUNCTIONS}
    assert set(SPEC) == names, (f"missing in tests/spec.py: {sorted(names - set(SPEC))}; "
                                f"not in the registry: {sorted(set(SPEC) - names)}")


@pytest.mark.parametrize("name", sorted(SPEC))
def test_spec_rows_are_well_formed(name):
    s = SPEC[name]
    assert s.metric in ("log", "relative")
    assert 0 < s.parity64 <= 32
    for t in s.tables:
        v, x, hi, lo, _ = load(t)
        assert len(v) >= 50 and np.isfinite(v).all() and np.isfinite(x).all(), t


def test_table_overrides_name_listed_tables():
    listed = {t for s in SPEC.values() for t in s.tables}
    assert set(TABLE_PARITY64) <= listed


def test_every_value_table_is_used_for_parity():
    """A certified table of a function's own values (not an edge class table, not a
    'skipped' list) is listed for GPU parity, so a new table reaches the GPU tests."""
    listed = {t for s in SPEC.values() for t in s.tables}
    stems = {p.stem for p in REF_DIR.glob("*.csv")
             if "." not in p.stem and not p.stem.endswith("_edge") and not p.stem.startswith("vmf_")}
    assert stems <= listed, sorted(stems - listed)
