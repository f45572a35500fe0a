"""Do two training shards lose time to the GIL or to the hardware? (issue 5, session 7)

Times one shard of the M3 configuration (128 windows: forward, loss and backward; one BLAS
thread) three ways: alone; as two threads started together every step (what a fit with
``n_jobs=2`` did until session 7); and as two processes running at once. If the two threads are
slower than the two processes, the loss is the GIL, not shared caches or memory bandwidth.

    python benchmarks/gil_probe.py            # all three, 200 steps each
    python benchmarks/gil_probe.py --steps 500

Not part of the test suite; wall-clock figures depend on the machine's phase, so compare the
three modes within one run.
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def make_shard(n_windows=128, seed=0):
    """One shard's step as a function of a generator: the M3 configuration of speed.py."""
    import numpy as np

    from skattn import nn
    from speed import CONFIGS, _skattn_loss_and_grad, network_config, random_walk_windows

    config = network_config(CONFIGS["m3"])
    params = nn.init_params(config, np.random.default_rng(seed))
    X, Y = random_walk_windows(n_windows, CONFIGS["m3"]["window"], CONFIGS["m3"]["horizon"])
    X, Y = X.astype(np.float32), Y.astype(np.float32)

    def step(rng):
        pred, cache = nn.forward(params, X, config, training=True, rng=rng)
        _, dpred = _skattn_loss_and_grad(pred, Y, cache, config)
        return nn.backward(dpred, cache, params, config)

    return step


def timed_steps(step, n_steps, barrier=None, warmup=30):
    """Median ms per step; with a barrier, every step starts together with the other thread's."""
    import numpy as np

    rng = np.random.default_rng(1)
    for _ in range(warmup):
        step(rng)
    times = []
    for _ in range(n_steps):
        if barrier is not None:
            barrier.wait()
        started = time.perf_counter()
        step(rng)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def alone(n_steps):
    from skattn.forecaster import _single_threaded_kernels

    with _single_threaded_kernels():
        return timed_steps(make_shard(), n_steps)


def two_threads(n_steps):
    from skattn.forecaster import _single_threaded_kernels

    steps = [make_shard(seed=i) for i in range(2)]
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        results[i] = timed_steps(steps[i], n_steps, barrier)

    with _single_threaded_kernels():
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results


def two_processes(n_steps):
    command = [sys.executable, __file__, "--alone-only", "--steps", str(n_steps)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    return [float(proc.communicate()[0].split()[-1]) for proc in procs]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--alone-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.alone_only:
        print(f"{alone(args.steps):.3f}")
        return 0
    print(f"one 128-window M3 shard, forward + backward, median ms per step ({args.steps} steps)")
    print(f"alone, one thread:            {alone(args.steps):.2f}")
    print("two threads, started together: " + " / ".join(f"{t:.2f}" for t in two_threads(args.steps)))
    print("two processes at once:         " + " / ".join(f"{t:.2f}" for t in two_processes(args.steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
