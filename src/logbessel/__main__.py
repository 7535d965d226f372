"""Command line: ``python -m logbessel`` (or the ``logbessel`` console command).

    logbessel                 a table of log I_v(x) and log K_v(x) next to SciPy's attempt
    logbessel table           the same
    logbessel fit [FILE]      fit a von Mises-Fisher distribution to the rows of FILE
                              (.npy, .csv or .txt); without FILE, the built-in example:
                              samples from a known vMF in p = 8192 dimensions;
                              --output OUT.json saves the result (all of mu) as JSON;
                              --plot OUT.png draws the rows' mu^T x against the fit
    logbessel info [--json] [--gpu]
                              the version, CPU level, build and environment (show_config)
    logbessel --version       the package's version

Run ``logbessel fit --help`` for the options.
"""
from __future__ import annotations

import argparse
import array
import json
import math
import re
import os
import sys
import time
import warnings

import numpy as np

# (v, x) points of the table: ordinary ones first, then where log(scipy.special.ive(v, x)) + x
# is -inf or nan (the scaled function underflows, or x itself overflows the scaling).
TABLE_POINTS = [
    (0.5, 1.0),
    (10.0, 100.0),
    (1000.0, 1.0),
    (1e5, 1e4),
    (0.5, 1e300),
    (1e8, 1e-300),
    (50.0, 1e-5),
]

# The built-in example of `logbessel fit` (documented in docs/vmf.md and in --help).
EXAMPLE_P = 8192
EXAMPLE_N = 1000
EXAMPLE_KAPPA = 5000.0
EXAMPLE_SEED = 0
# Options of `logbessel fit` that only the built-in example uses (attribute, flag, default),
# and those that only a text FILE uses: given where they do not apply, they are an error
# rather than silently ignored.
EXAMPLE_OPTIONS = [("p", "--p", EXAMPLE_P), ("n", "--n", EXAMPLE_N),
                   ("kappa", "--kappa", EXAMPLE_KAPPA), ("seed", "--seed", EXAMPLE_SEED)]
TEXT_OPTIONS = [("delimiter", "--delimiter", None), ("skiprows", "--skiprows", 0)]
# Rows per block when SciPy's logpdf is summed over all rows (bounded memory).
_SCIPY_LOGPDF_ROWS = 4096


class _Progress:
    """One-line progress messages on stderr ("step ... done (0.3 s)")."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.t0 = None

    def start(self, msg: str):
        self.t0 = time.perf_counter()
        if not self.quiet:
            print(msg + " ...", end="", file=sys.stderr, flush=True)

    def update(self, frac: float):
        if not self.quiet:
            print(f" {100 * frac:.0f}%", end="", file=sys.stderr, flush=True)

    def done(self, extra: str = ""):
        dt = time.perf_counter() - self.t0
        if not self.quiet:
            print(f" done ({dt:.2f} s){extra}", file=sys.stderr, flush=True)
        return dt


def _have_scipy():
    try:
        import scipy.special  # noqa: F401
        import scipy.stats  # noqa: F401
        return True
    except Exception:
        return False


# --------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.16g}"


def cmd_table(args) -> int:
    import logbessel as lb
    scipy = _have_scipy() and not args.no_scipy
    if scipy:
        from scipy.special import ive, kve
    print(f"logbessel {lb.__version__}: log I_v(x) and log K_v(x), computed in log space so "
          "that they stay")
    print("finite and accurate for every order v and argument x (here next to the usual "
          "workaround).")
    print()
    cols = ["v", "x", "log I_v(x)"] + (["SciPy: log(ive)+x"] if scipy else []) \
        + ["log K_v(x)"] + (["SciPy: log(kve)-x"] if scipy else [])
    widths = [8, 8, 24] + ([20] if scipy else []) + [24] + ([20] if scipy else [])
    print("  ".join(c.rjust(w) for c, w in zip(cols, widths)))
    print("  ".join("-" * w for w in widths))
    for v, x in TABLE_POINTS:
        li = float(lb.log_iv(v, x))
        lk = float(lb.log_kv(v, x))
        row = [f"{v:g}", f"{x:g}", _fmt(li)]
        if scipy:
            with np.errstate(all="ignore"):
                row.append(_fmt(float(np.log(ive(v, x)) + x)))
        row.append(_fmt(lk))
        if scipy:
            with np.errstate(all="ignore"):
                row.append(_fmt(float(np.log(kve(v, x)) - x)))
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
    print()
    if scipy:
        print("SciPy columns: log of the exponentially scaled functions ive/kve plus or minus "
              "x;")
        print("they are -inf, inf or nan wherever ive or kve underflows or overflows.")
    else:
        print("(SciPy is not installed: no comparison column.)")
    print("Next: `python -m logbessel fit` fits a von Mises-Fisher distribution in "
          f"p = {EXAMPLE_P} dimensions, next to SciPy's fit.")
    return 0


# --------------------------------------------------------------------------------------
# reading data files
# --------------------------------------------------------------------------------------

# Text files are read in blocks of this many bytes; memory is then the values themselves
# (8 bytes each, in one growing buffer that becomes the array without a copy), one block
# of text, and the longest line.
_TEXT_BLOCK_BYTES = 1 << 23


def _parse_field(text):
    """float(text) for a number as NumPy's text reader takes it, or None."""
    if "_" in text:  # Python's float() takes 1_000; np.loadtxt does not
        return None
    try:
        return float(text)
    except ValueError:
        return None


class _TextTable:
    """A numeric text table (one row per line, comments after '#', blank lines ignored),
    read block by block; see _read_text."""

    def __init__(self, path, delimiter, skiprows):
        self.path = path
        self.delimiter = delimiter
        self.skiprows = skiprows
        self.values = array.array("d")
        self.lines = array.array("q")    # the file's line number (1-based) of every row
        self.ncols = None                # columns of the first data line
        self.first_line = None           # its line number
        self.header_checked = False
        self.notes = []

    def _fields(self, text):
        if self.delimiter is None:
            return text.split()
        return [f.strip() for f in text.split(self.delimiter)]

    def _fail(self, lineno, msg):
        raise ValueError(f"{self.path}, line {lineno}: {msg}")

    def _scan(self, numbered):
        """Parse (line number, text) pairs one field at a time: the values, or a ValueError
        naming the first bad line and column (the slow path, used to locate an error)."""
        rows = []
        for lineno, text in numbered:
            fields = self._fields(text)
            vals = []
            for col, f in enumerate(fields, 1):
                v = _parse_field(f)
                if v is None:
                    what = "an empty value" if f == "" else f"{f[:40]!r} is not a number"
                    self._fail(lineno, f"column {col}: {what}")
                if not math.isfinite(v):
                    self._fail(lineno, f"column {col}: {f!r} is not a finite number")
                vals.append(v)
            if len(vals) != self.ncols:
                self._fail(lineno, f"{len(vals)} values, but line {self.first_line} (the first "
                                   f"data line) has {self.ncols}")
            rows.append(vals)
        return np.array(rows, dtype=np.float64).reshape(len(rows), self.ncols)

    def _is_header(self, lineno, text):
        """Whether the first non-blank line is a header: none of its fields is a number.
        (It is then skipped, with a note.)"""
        if any(_parse_field(f) is not None for f in self._fields(text)):
            return False
        shown = text if len(text) <= 60 else text[:57] + "..."
        self.notes.append(f"line {lineno} is not numeric ({shown!r}): read as a header and "
                          f"skipped")
        return True

    def add_lines(self, first_lineno, raw_lines):
        """Parse complete lines (bytes, without their newline) numbered from first_lineno."""
        try:
            block = b"\n".join(raw_lines).decode("utf-8")
        except UnicodeDecodeError:
            for i, raw in enumerate(raw_lines):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    self._fail(first_lineno + i, "not UTF-8 text")
            raise
        numbered = []
        for i, text in enumerate(block.split("\n")):
            lineno = first_lineno + i
            if lineno <= self.skiprows:
                continue
            if lineno == 1 and text.startswith("\ufeff"):
                text = text[1:]  # byte-order mark
            text = text.split("#", 1)[0].strip()
            if not text:
                continue
            if self.ncols is None:
                if not self.header_checked:
                    self.header_checked = True
                    if self._is_header(lineno, text):
                        continue
                # the first data line fixes the number of columns
                self.ncols, self.first_line = len(self._fields(text)), lineno
            numbered.append((lineno, text))
        if not numbered:
            return
        texts = [t for _, t in numbered]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = np.loadtxt(texts, delimiter=self.delimiter, comments=None, ndmin=2,
                                 dtype=np.float64)
            ok = arr.shape == (len(texts), self.ncols) and bool(np.isfinite(arr).all())
        except ValueError:
            ok = False
        if not ok:
            arr = self._scan(numbered)  # raises with the line and column, or parses
        self.values.frombytes(arr.tobytes())
        self.lines.extend(n for n, _ in numbered)

    def result(self):
        if self.ncols is None or len(self.lines) == 0:
            raise ValueError(f"{self.path}: no data rows")
        X = np.frombuffer(self.values, dtype=np.float64).reshape(-1, self.ncols)
        return X, np.frombuffer(self.lines, dtype=np.int64)


def _read_text(path, delimiter, skiprows):
    """(X, line number of each row, notes) from a numeric text file.

    Every data line must have the same number of values; a bad value, a short or long line
    or a non-finite value is a ValueError that names the file's own line (1-based) and
    column. Only the first non-blank line (after --skiprows) may be a header, and only when
    none of its fields is a number; skipping it is reported in the notes. A NUL byte (a
    binary file) stops the reading at once. Bounded memory: see _TEXT_BLOCK_BYTES; the loop
    reads each byte of the file once and ends at its end."""
    table = _TextTable(path, delimiter, skiprows)
    lineno = 1                 # number of the line that `pending` starts
    pending = []               # pieces of a line not yet complete
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_TEXT_BLOCK_BYTES)
            if not chunk:
                break
            nul = chunk.find(b"\0")
            if nul >= 0:
                at = lineno + chunk.count(b"\n", 0, nul)  # (pending holds no newline)
                raise ValueError(f"{path}, line {at}: contains a NUL byte; this is not a text "
                                 f"table (use .csv/.txt with one row of numbers per line, or "
                                 f".npy)")
            parts = chunk.split(b"\n")
            if len(parts) == 1:
                pending.append(chunk)
                continue
            if pending:
                pending.append(parts[0])
                parts[0] = b"".join(pending)
            pending = [parts[-1]] if parts[-1] else []
            complete = parts[:-1]
            table.add_lines(lineno, complete)
            lineno += len(complete)
            del parts, complete
        if pending:
            table.add_lines(lineno, [b"".join(pending)])
    X, lines = table.result()
    return X, lines, table.notes


def _read_npy(path):
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except EOFError:
        raise ValueError(f"{path}: empty or truncated .npy file") from None
    except (ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path}: not a readable .npy file ({exc})") from None


_TEXT_EXTENSIONS = (".csv", ".txt", ".tsv", ".dat", "")


def _read_file(path, delimiter, skiprows):
    """(array, line numbers of the rows or None, notes) from .npy or a text table."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        return _read_npy(path), None, []
    if ext in _TEXT_EXTENSIONS:
        if delimiter is None:
            delimiter = "," if ext == ".csv" else ("\t" if ext == ".tsv" else None)
        return _read_text(path, delimiter, skiprows)
    raise ValueError(f"unsupported file type {ext!r}: use .npy, .csv or .txt")


def _read_rows(path: str, delimiter, skiprows: int, progress: _Progress):
    progress.start(f"reading {path}")
    X, lines, notes = _read_file(path, delimiter, skiprows)
    progress.done(f": {X.shape[0]} rows x {X.shape[1] if X.ndim > 1 else 1} columns")
    return X, lines, notes


def _read_weights(path: str):
    """One weight per row: a .npy vector, or a text file with one column (or one line)."""
    w, _, notes = _read_file(path, None, 0)
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 2 and 1 in w.shape:
        w = w.reshape(-1)
    if w.ndim != 1:
        raise ValueError(f"{path}: expected one weight per row (a single column); got a "
                         f"table of shape {w.shape}")
    return w, [f"weights: {n}" for n in notes]


# --------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------

def _normalize_rows(X):
    """X / ||X|| per row (in place when X is a writable float64 array of our own). Rows are
    first divided by their largest |entry|, so entries whose squares overflow still work."""
    if isinstance(X, np.memmap) or not (X.dtype == np.float64 and X.flags.writeable):
        X = np.array(X, dtype=np.float64)
    big = np.max(np.abs(X), axis=1)
    if np.any(big == 0):
        i = int(np.argmax(big == 0))
        raise ValueError(f"--normalize: row {i} is all zeros and has no direction")
    X /= big[:, None]
    X /= np.sqrt(np.einsum("ij,ij->i", X, X))[:, None]
    return X


def _with_lines(exc, lines, path):
    """The message of exc with every "row i" followed by the file's line number."""
    msg = str(exc)
    if lines is None:
        return msg
    return re.sub(r"\brow (\d+)\b",
                  lambda m: (f"row {m[1]} (line {int(lines[int(m[1])])} of {path})"
                             if int(m[1]) < len(lines) else m[0]), msg)


def _example(p, n, kappa, seed, progress: _Progress):
    from logbessel.vmf import VonMisesFisher
    rng = np.random.default_rng(seed)
    mu = rng.standard_normal(p)
    mu /= np.linalg.norm(mu)
    progress.start(f"drawing {n} samples from vMF(mu, kappa = {kappa:g}) in p = {p}")
    X = VonMisesFisher(mu, kappa).rvs(n, random_state=rng)
    progress.done()
    return X, mu


def _loglik(p, kappa, rbar, total):
    from logbessel.vmf import log_normalizer
    if math.isinf(kappa):
        return math.inf
    return total * (float(log_normalizer(p, kappa)) + kappa * rbar)


def _fmt_vec(v, k=5):
    v = np.asarray(v)
    head = ", ".join(f"{x:+.4f}" for x in v[:k])
    return f"[{head}{', ...' if v.shape[0] > k else ''}]"


def _check_options(args):
    """Options given where they do not apply are an error (they used to be ignored)."""
    def given(options):
        flags = [flag for attr, flag, _ in options if getattr(args, attr) is not None]
        return " and ".join(flags) + (" apply" if len(flags) > 1 else " applies"), bool(flags)
    if args.file is not None:
        said, extra = given(EXAMPLE_OPTIONS)
        if extra:
            raise ValueError(f"{said} only to the built-in example (without FILE), not to "
                             f"{args.file}")
        said, extra = given(TEXT_OPTIONS)
        if extra and os.path.splitext(args.file)[1].lower() == ".npy":
            raise ValueError(f"{said} only to a text FILE (.csv, .txt), not to {args.file}")
    else:
        said, extra = given(TEXT_OPTIONS)
        if extra:
            raise ValueError(f"{said} only to a text FILE (.csv, .txt); without FILE, "
                             f"`logbessel fit` runs the built-in example")
        for attr, _, default in EXAMPLE_OPTIONS:
            if getattr(args, attr) is None:
                setattr(args, attr, default)
    if args.skiprows is None:
        args.skiprows = 0
    for flag, path in (("--output", args.output), ("--plot", args.plot)):
        if path is not None:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise ValueError(f"{flag} {path}: the folder {parent} does not exist")
    if args.plot is not None:
        from logbessel import _plot
        try:
            _plot.require_matplotlib()    # before the fit: say it at once
        except ImportError as exc:
            raise ValueError(str(exc)) from None


def _jsonable(value):
    """value as JSON data: arrays and NumPy scalars as lists and numbers, inf and nan as the
    strings "inf", "-inf", "nan" (strict JSON has no such numbers; float() reads them)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else ("nan" if math.isnan(v) else
                                          ("inf" if v > 0 else "-inf"))
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _fields(obj):
    """The public data fields of a result object (dataclass, named tuple, object with
    attributes, or dict) as a dict."""
    import dataclasses
    if isinstance(obj, dict):
        items = obj.items()
    elif dataclasses.is_dataclass(obj):
        items = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
    elif hasattr(obj, "_asdict"):
        items = obj._asdict().items()
    elif hasattr(obj, "__dict__"):
        items = vars(obj).items()
    else:
        items = ((k, getattr(obj, k)) for k in dir(obj))
    return {k: v for k, v in items if not k.startswith("_") and not callable(v)}


def _statistics(X, weights, method):
    """Standard errors and the Rayleigh test of uniformity (weighted rows included), from
    ``vmf.fit(..., return_result=True)``, which reads X once more: a dict with "fit" (the
    result's fields other than mu, kappa and the test) and "uniformity_test"."""
    from logbessel import vmf
    try:
        res = vmf.fit(X, weights=weights, method=method, return_result=True)
    except (ValueError, ArithmeticError) as exc:     # the fit itself stands: say so, go on
        warnings.warn(f"standard errors / uniformity test not computed: {exc}")
        return {}
    skip = ("mu", "kappa", "rayleigh")
    stats = {"fit": {k: v for k, v in _fields(res).items() if k not in skip}}
    if res.rayleigh is not None:
        stats["uniformity_test"] = {"test": "Rayleigh", **_fields(res.rayleigh)}
    return stats


def fit_result(*, source, n, p, method, mu, kappa, rbar, total, weighted, loglik,
               statistics=(), warnings_=()):
    """The result of `logbessel fit` as a JSON-ready dict (what --output writes)."""
    import logbessel
    out = {
        "logbessel_version": logbessel.__version__,
        "data": source,
        "n": int(n),
        "p": int(p),
        "method": method,
        "kappa": kappa,
        "rbar": rbar,
        "log_likelihood": loglik,
        "log_likelihood_is": ("sum over all n rows of w_i log f(x_i; mu, kappa) at the fitted "
                              "mu and kappa" if weighted else
                              "sum over all n rows of log f(x_i; mu, kappa) at the fitted mu "
                              "and kappa"),
    }
    if weighted:
        out["total_weight"] = total
    out.update(dict(statistics))
    out["warnings"] = list(warnings_)
    out["mu"] = mu
    return _jsonable(out)


def _scalar_summary(fields):
    """ "name = value, ..." for the scalar numbers among fields (for the terminal)."""
    parts = []
    for k, v in fields.items():
        if isinstance(v, (bool, np.bool_)) or isinstance(v, str):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) or \
                (hasattr(v, "ndim") and v.ndim == 0):
            parts.append(f"{k} = {float(v):.6g}")
    return ", ".join(parts)


def cmd_fit(args) -> int:
    from logbessel import _vmf_fit
    _check_options(args)
    progress = _Progress(args.quiet)
    truth = None
    if args.file is None:
        X, mu_true = _example(args.p, args.n, args.kappa, args.seed, progress)
        truth = (mu_true, args.kappa)
        source = (f"built-in example: {args.n} samples of vMF(mu, kappa = {args.kappa:g}) "
                  f"in p = {args.p} (seed {args.seed}; mu a random unit vector)")
        lines, notes = None, []
    else:
        X, lines, notes = _read_rows(args.file, args.delimiter, args.skiprows, progress)
        source = args.file
    weights = None
    if args.weights is not None:
        weights, wnotes = _read_weights(args.weights)
        notes = notes + wnotes
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-D table of row vectors; got an array of shape {X.shape}")
    n, p = X.shape
    for note in notes:
        print(f"note:   {note}")

    try:
        if args.normalize:
            progress.start("projecting rows onto the unit sphere (--normalize)")
            X = _normalize_rows(X)
            progress.done()
        progress.start(f"fitting ({args.method}): checking and summing {n} rows of length {p}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mu, kappa, rbar, total = _vmf_fit.fit(
                X, weights, args.method, progress.update if X.size > 20_000_000 else None)
            progress.done()
            stats = _statistics(X, weights, args.method)
    except ValueError as exc:
        raise ValueError(_with_lines(exc, lines, args.file)) from None
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    for msg in messages:
        print(f"warning: {msg}")

    print(f"data:   {source}")
    print(f"        n = {n} rows, p = {p}" + ("" if weights is None else
                                              f", total weight {total:g}"))
    print(f"mu:     {_fmt_vec(mu)}  (unit vector; largest |component| "
          f"{float(np.max(np.abs(mu))):.4f} at index {int(np.argmax(np.abs(mu)))})")
    if truth is not None:
        cosang = float(np.clip(truth[0] @ mu, -1.0, 1.0))
        print(f"        angle to the true mu: {math.degrees(math.acos(cosang)):.3f} degrees")
    print(f"rbar:   {rbar:.12g}  (mean resultant length)")
    print(f"kappa:  {kappa!r}  ({args.method})" + (
        f"   true kappa {truth[1]:g}" if truth is not None else ""))
    ll = _loglik(p, kappa, rbar, total)
    print(f"log-likelihood: {ll:.10g}  (sum of {'w_i ' if weights is not None else ''}"
          f"log f(x_i) over all {n} rows at this mu, kappa)")
    if _scalar_summary(stats.get("fit", {})):
        print(f"fit:    {_scalar_summary(stats['fit'])}")
    if "uniformity_test" in stats:
        print(f"uniformity (Rayleigh test): "
              f"{_scalar_summary(stats['uniformity_test'])}")
    if args.output is not None:
        result = fit_result(source=source, n=n, p=p, method=args.method, mu=mu, kappa=kappa,
                            rbar=rbar, total=total, weighted=weights is not None, loglik=ll,
                            statistics=stats, warnings_=messages)
        with open(args.output, "w") as fh:
            json.dump(result, fh, indent=1, allow_nan=False)
            fh.write("\n")
        print(f"saved:  {args.output} (JSON, with all {p} components of mu)")
    elif p > 5:
        print("        (all of mu: --output FILE.json)")

    if args.plot is not None:
        _plot_fit(args.plot, X, mu, p, kappa, weights, n, progress)

    if not args.no_scipy and _have_scipy():
        _scipy_fit(X, p, rbar, total, kappa, weights, progress)
    elif not args.no_scipy:
        print("(SciPy is not installed: no comparison.)")
    return 0


def _plot_fit(path, X, mu, p, kappa, weights, n, progress):
    """The histogram of w = mu^T x over the rows against the fitted density of w, and the
    Q-Q panel (logbessel._plot), written to path."""
    from logbessel import _plot
    progress.start(f"drawing {path}")
    w = _plot.projections(X, mu)
    arrays = _plot.plot_fit(path, w, p, kappa, weights=weights,
                            title=f"vMF fit: n = {n}, p = {p}, kappa = {kappa:.6g}")
    progress.done()
    outside = arrays["outside"]
    print(f"plot:   {path} (histogram of mu^T x against the fitted density, and Q-Q"
          + (f"; {outside} row{'s' if outside > 1 else ''} outside the range shown"
             if outside else "") + ")")


def _scipy_fit(X, p, rbar, total, kappa, weights, progress):
    from scipy.stats import vonmises_fisher
    print()
    if weights is not None:
        print("SciPy: vonmises_fisher.fit takes no weights; comparison skipped.")
        return
    progress.start("SciPy's vonmises_fisher.fit on the same data")
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            mu_s, kappa_s = vonmises_fisher.fit(np.asarray(X, dtype=np.float64))
    except Exception as exc:  # SciPy's own checks or failures
        progress.done()
        print(f"SciPy:  vonmises_fisher.fit raised {type(exc).__name__}: {exc}")
        return
    dt = progress.done()
    kappa_s = float(kappa_s)
    print(f"SciPy:  kappa = {kappa_s!r}   ({dt:.2f} s)")
    if kappa > 0 and math.isfinite(kappa) and kappa_s > 0:
        print(f"        ratio SciPy / logbessel = {kappa_s / kappa:.3g}")
    if kappa_s <= 1.0001e-8 and kappa > 1e-6:
        print("        (in this dimension ive(p/2, kappa) / ive(p/2 - 1, kappa) is 0/0 = nan "
              "in SciPy,")
        print("        so its root search stops at the lower end of its bracket, 1e-8)")
    n = X.shape[0]
    ll_s = _loglik(p, kappa_s, rbar, total)
    print(f"        log-likelihood at SciPy's fit, over the same {n} rows as ours:")
    print(f"          computed by logbessel:      {ll_s:.10g}")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            own = _scipy_logpdf_sum(vonmises_fisher(mu_s, kappa_s), X)
            print(f"          SciPy's own logpdf, summed: {own:.10g}" + (
                "" if math.isfinite(own) else
                "  (not finite: SciPy's normaliser fails in this dimension)"))
        except Exception as exc:
            print(f"          SciPy's own logpdf raised {type(exc).__name__}: {exc}")


def _scipy_logpdf_sum(dist, X):
    """sum_i dist.logpdf(x_i) over all rows of X, a block of rows at a time."""
    total = 0.0
    for i in range(0, X.shape[0], _SCIPY_LOGPDF_ROWS):
        total += float(np.sum(dist.logpdf(np.asarray(X[i:i + _SCIPY_LOGPDF_ROWS],
                                                     dtype=np.float64))))
    return total


def cmd_info(args) -> int:
    from logbessel import show_config
    if args.json:
        print(show_config("json", gpu=args.gpu))
    else:
        show_config(gpu=args.gpu)
    return 0


# --------------------------------------------------------------------------------------

def _parser():
    from logbessel import __version__
    ap = argparse.ArgumentParser(
        prog="logbessel",
        description="log I_v(x), log K_v(x) and the von Mises-Fisher distribution in any "
                    "dimension. Without a command: a table of log I and log K next to SciPy.")
    ap.add_argument("--version", action="version", version=f"logbessel {__version__}")
    sub = ap.add_subparsers(dest="command")
    t = sub.add_parser("table", help="the table of log I_v(x), log K_v(x) (the default)")
    t.add_argument("--no-scipy", action="store_true", help="leave out the SciPy columns")
    i = sub.add_parser("info", help="what this installation is and runs on (for bug reports)",
                       description="The version, the CPU level the ufuncs run and the levels "
                                   "built and supported, the compiler and flags, the thread count "
                                   "and its source, NumPy, CuPy/GPU/NVRTC, the optional packages: "
                                   "logbessel.show_config().")
    i.add_argument("--json", action="store_true", help="as JSON")
    i.add_argument("--gpu", action="store_true",
                   help="load CuPy to list the GPUs and NVRTC (otherwise CuPy is not imported)")
    f = sub.add_parser(
        "fit", help="fit a von Mises-Fisher distribution to row vectors",
        description="Fit vMF(mu, kappa) to the rows of FILE (.npy, .csv, .txt; one unit "
                    "vector per row) and print mu, kappa, the log-likelihood and, when SciPy "
                    "is installed, SciPy's vonmises_fisher.fit on the same data. Without "
                    f"FILE: the built-in example, {EXAMPLE_N} samples drawn from "
                    f"vMF(mu, kappa = {EXAMPLE_KAPPA:g}) in p = {EXAMPLE_P} dimensions with a "
                    f"random mu (seed {EXAMPLE_SEED}); change it with --p/--n/--kappa/--seed "
                    "(options of the example only: an error with FILE). --output saves the "
                    "result as JSON, with all of mu; --plot draws the fit.")
    f.add_argument("file", nargs="?", help="data file: .npy, .csv or .txt (rows = vectors)")
    f.add_argument("--normalize", action="store_true",
                   help="project every row onto the unit sphere first (x / ||x||)")
    f.add_argument("--method", default="mle", choices=["mle", "banerjee", "sra", "tanabe",
                                                       "song"],
                   help="kappa estimator (default: mle, the exact maximum likelihood)")
    f.add_argument("--weights", metavar="FILE", help="text file with one weight per row")
    f.add_argument("--output", metavar="OUT.json",
                   help="write the result as JSON: mu (all p components), kappa, rbar, n, p, "
                        "method, the log-likelihood (and standard errors and the uniformity "
                        "test where this version computes them); inf/nan as strings")
    f.add_argument("--plot", metavar="OUT.png",
                   help="draw the fit: a histogram of w = mu^T x over the rows against the "
                        "fitted density of w (prop. to e^(kappa w) (1 - w^2)^((p-3)/2)), "
                        "and a Q-Q panel (needs matplotlib)")
    f.add_argument("--delimiter", default=None,
                   help="column separator of a text file (default: ',' for .csv, "
                        "whitespace otherwise)")
    f.add_argument("--skiprows", type=int, default=None,
                   help="lines to skip at the top of a text file (a first line in which no "
                        "field is a number is skipped anyway, as a header, with a note)")
    f.add_argument("--no-scipy", action="store_true", help="skip the SciPy comparison")
    f.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    f.add_argument("--p", type=int, default=None,
                   help=f"built-in example only: dimension (default {EXAMPLE_P})")
    f.add_argument("--n", type=int, default=None,
                   help=f"built-in example only: samples (default {EXAMPLE_N})")
    f.add_argument("--kappa", type=float, default=None,
                   help=f"built-in example only: true kappa (default {EXAMPLE_KAPPA:g})")
    f.add_argument("--seed", type=int, default=None,
                   help=f"built-in example only: seed (default {EXAMPLE_SEED})")
    return ap


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "fit":
            return cmd_fit(args)
        if args.command == "info":
            return cmd_info(args)
        if args.command is None:
            args.no_scipy = False
        return cmd_table(args)
    except BrokenPipeError:
        # the reader went away (e.g. `python -m logbessel | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except (ValueError, OSError) as exc:
        print(f"logbessel: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("logbessel: error: out of memory (the data, 8 bytes per value, does not fit; "
              "for large data use a .npy file, which is read through a memory map)",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
