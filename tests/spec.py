"""What the tests know about each public elementwise function, in one table.

The registry (csrc/logbessel/registry.h, logbessel._registry) says what a function is; this
table says how the tests judge it: the error metric, the certified tables (tests/reference/)
whose inputs the GPU must agree with the CPU on, and the float64 GPU-CPU parity budget.
The float32 parity budget is 2 eps of float32 for every function. tests/test_spec.py checks
that every registry function has a row here and every row's tables exist, so a new function
cannot reach the GPU tests without its budget. The accuracy budgets against the certified
tables stay beside their tests (test_accuracy.py, test_derivatives.py), per region.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    metric: str          # "log": |f - ref| / max(1, |ref|); "relative": |f - ref| / |ref|
    parity64: float      # GPU vs CPU, float64, in eps
    tables: tuple = ()   # certified tables (v, x, ref_hi, ref_lo, method) for GPU parity


# parity64: the 4 eps for the main functions; for the derivatives about what a
# change of rounding alone moves them by (building the headers on the host with and without
# FMA contraction moved log_iv_dv, log_kv_dx, log_kv_dv by up to 2, 6 and 7 eps), with a
# margin. log_kv_dx and log_kv_dv were first measured on an H200 at 8.6 and 21.5 eps (Temme
# region, v < 1/2, x < 0.25), inside the 40-eps accuracy budget of test_derivatives.py.
# log_ive, log_kve and their x-derivatives: set as for log_iv, log_kv and theirs (their
# algorithms are those functions'), log_kve with log_kv_dx's margin for the K ~ e^-x band;
# not yet run on a GPU.
SPEC = {
    "log_iv": Spec("log", 4.0, ("log_iv", "log_iv_f32", "log_iv_neg")),
    "log_kv": Spec("log", 4.0, ("log_kv", "log_kv_f32")),
    "iv_ratio": Spec("relative", 4.0, ("iv_ratio", "iv_ratio_low_v", "iv_ratio_neg")),
    "iv_ratio_complement": Spec("relative", 8.0, ("iv_ratio_complement",)),
    "log_iv_dx": Spec("log", 4.0, ("dlog_iv_dx",)),
    "log_kv_dx": Spec("log", 10.0, ("dlog_kv_dx",)),
    "log_iv_dv": Spec("log", 8.0, ("dlog_iv_dv",)),
    "log_kv_dv": Spec("log", 24.0, ("dlog_kv_dv",)),
    "log_ive": Spec("log", 4.0, ("log_ive", "log_ive_f32", "log_ive_neg")),
    "log_kve": Spec("log", 8.0, ("log_kve", "log_kve_f32")),
    "log_ive_dx": Spec("log", 4.0, ("dlog_ive_dx",)),
    "log_kve_dx": Spec("log", 10.0, ("dlog_kve_dx",)),
    "vmf_log_normalizer": Spec("log", 4.0),  # (p, kappa): its tables are test_vmf.py's
}

# Tables whose parity budget differs from their function's (float64 eps). iv_ratio_neg:
# the ratio for negative non-integer orders takes t = (2/pi) sin(pi a) K_a/I_a from
# exp(log K_a - log I_a) (iv_ratio.h, iv_ratio_neg), so a device libm that rounds those
# logs differently moves it by up to eps (|log K_a| + |log I_a|) min(|t|, 1/|t|) / |1 + t|:
# perturbing log |t| by 2 eps (|log K_a| + |log I_a|) on the table's inputs moves the
# ratio by at most 4.0 eps (median 0). Not yet run on a GPU.
TABLE_PARITY64 = {"iv_ratio_neg": 8.0}
