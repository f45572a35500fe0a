"""Interruptions and dying workers (interrupt trial, session 34): compare's output files are
written whole or not at all; a shard worker killed mid-step is the documented RuntimeError; a
spawned worker ignores the terminal's Ctrl-C while it starts."""
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

import skattn.__main__ as cli
from skattn import _process_shards


def _compare(tmp_path, *extra):
    path = tmp_path / "two.csv"
    path.write_text("id,y\n" + "".join(f"{name},{100 + k % 7 + k}\n" for name in "AB"
                                       for k in range(40)))
    return cli.main(["compare", "--dataset", str(path), "--id-column", "id", "--value-column",
                     "y", "--models", "naive", "--horizon", "4", "--season-length", "1",
                     "--quiet", *extra])


_CSV_WRITER = cli.csv.writer  # (the test replaces the csv module's writer)


class _InterruptedWriter:
    """csv.writer's stand-in that is interrupted after ``rows`` rows, as Ctrl-C would be."""

    def __init__(self, handle, rows):
        self.writer, self.left = _CSV_WRITER(handle), rows

    def writerow(self, row):
        if not self.left:
            raise KeyboardInterrupt
        self.left -= 1
        self.writer.writerow(row)


def test_an_interrupted_forecasts_csv_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    # the file was left cut at a whole row, a fifth of its series, looking complete
    out = tmp_path / "forecasts.csv"
    out.write_text("the previous run's\n")
    monkeypatch.setattr(cli.csv, "writer", lambda handle: _InterruptedWriter(handle, 5))
    with pytest.raises(KeyboardInterrupt):
        _compare(tmp_path, "--output", "none", "--forecasts-csv", str(out))
    assert out.read_text() == "the previous run's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecasts.csv", "two.csv"]
    new = tmp_path / "new.csv"
    with pytest.raises(KeyboardInterrupt):
        _compare(tmp_path, "--output", "none", "--forecasts-csv", str(new))
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecasts.csv", "two.csv"]
    monkeypatch.undo()
    # uninterrupted: written whole, with the permissions open() gives a new file
    _compare(tmp_path, "--output", "none", "--forecasts-csv", str(new))
    assert len(new.read_text().splitlines()) == 1 + 2 * 4  # header, 2 series x 4 steps
    umask = os.umask(0)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecasts.csv", "new.csv", "two.csv"]


def test_an_interrupted_plot_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    plot = tmp_path / "plot.png"
    plot.write_bytes(b"the previous plot")

    def interrupted(self, path, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _compare(tmp_path, "--output", str(plot))
    assert plot.read_bytes() == b"the previous plot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png", "two.csv"]
    monkeypatch.undo()
    _compare(tmp_path, "--output", str(plot))
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_a_worker_reset_mid_step_is_the_documented_runtime_error():
    # a worker killed (by the system) with the parent's post unread resets the connection: a raw
    # ConnectionResetError came out of fit 7 times in 10
    parent, worker = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    parent.sendall(b"p")  # posted, never read
    worker.close()
    try:
        answer = _process_shards.ProcessShardRunner._answer(None, (2 ** 22 + 1, parent))
    finally:
        parent.close()
    assert isinstance(answer, RuntimeError)
    assert str(answer).startswith(f"the shard worker process {2 ** 22 + 1} died during a "
                                  "training step")


def test_a_spawned_worker_ignores_sigint_from_its_first_statement():
    # a terminal's Ctrl-C reaches the whole process group: during the worker's ~2 s of imports
    # it printed the worker's traceback and turned worker processes off for good
    code = _process_shards._SPAWNED_WORKER_CODE
    call = "_spawned_worker_main(int(sys.argv[1]), int(sys.argv[2]))"
    assert code.endswith(call)
    # before any import (numpy's alone takes a while): its first statements
    assert code.startswith("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); ")
    probe = code.replace(call, "import os, signal as s; os.kill(os.getpid(), s.SIGINT); "
                               "print('alive')")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "alive"), done.stderr


def test_a_failed_step_does_not_keep_its_runner_alive_in_a_cycle():
    # the error raised from the list of answers held, through its traceback, the frame and the
    # list: the runner's shared memory stayed mapped until the collector ran
    import gc
    import weakref

    posted, unread = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

    class Runner:
        _workers = [(1, posted)]
        _shards = (2, 1)  # two shards: this process's and the worker's
        _n_params = 1
        _dtype = np.float64

        def __init__(self):
            self._step = np.zeros(8, np.int64)

        def _job(self, *args):
            return 0.0

        def _answer(self, worker):
            return RuntimeError("the shard worker process 1 died during a training step")

    runner = Runner()
    alive = weakref.ref(runner)
    gc.disable()
    try:
        with pytest.raises(RuntimeError, match="died during a training step"):
            _process_shards.ProcessShardRunner.run(runner, np.arange(4), 0)
        del runner
        assert alive() is None
    finally:
        gc.enable()
        posted.close()
        unread.close()


def test_files_whose_directory_takes_no_new_file_are_written_in_place(tmp_path, monkeypatch):
    # a link into a read-only directory, to a writable file: the temporary file could not be
    # made there, a traceback after the whole run (review of the session's diff)
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    out = tmp_path / "forecasts.csv"
    out.write_text("the previous run's\n")
    monkeypatch.setattr(cli.tempfile, "mkstemp", refused)
    _compare(tmp_path, "--output", "none", "--forecasts-csv", str(out))
    assert len(out.read_text().splitlines()) == 1 + 2 * 4


def test_a_write_protected_output_is_refused_before_the_run(tmp_path, monkeypatch, capsys):
    # it was replaced (a new file moved over it); as root os.access says yes, as open() does
    out = tmp_path / "forecasts.csv"
    out.write_text("the previous run's\n")
    plot = tmp_path / "plot.png"
    plot.write_bytes(b"the previous plot")
    real_access = os.access
    monkeypatch.setattr(cli.os, "access", lambda path, mode: (
        False if str(path) in (str(out), str(plot)) and mode == os.W_OK
        else real_access(path, mode)))
    with pytest.raises(SystemExit):
        _compare(tmp_path, "--output", "none", "--forecasts-csv", str(out))
    assert f"--forecasts-csv: {out} is not writable" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _compare(tmp_path, "--output", str(plot))
    assert f"--output: {plot} is not writable" in capsys.readouterr().err
    assert out.read_text() == "the previous run's\n"
    assert plot.read_bytes() == b"the previous plot"


def test_forecasts_to_standard_output_go_through_pythons_stream(tmp_path, capsys):
    # /dev/stdout opened anew wrote from the start of a redirected file: the lines printed
    # before were overwritten and those after left a run of NUL bytes (review of the session's
    # tests)
    _compare(tmp_path, "--output", "none", "--forecasts-csv", "/dev/stdout")
    out = capsys.readouterr().out
    assert out.index("model,series,origin,step,forecast,truth") < out.index(
        "forecasts written to /dev/stdout")
    assert "\0" not in out


def test_a_sigterm_while_the_forecasts_are_written_leaves_no_partial_file(tmp_path):
    # the process died by the signal and left its temporary file beside the output
    data = tmp_path / "two.csv"
    data.write_text("id,y\n" + "".join(f"{name},{100 + k % 7 + k}\n" for name in "AB"
                                       for k in range(40)))
    out = tmp_path / "forecasts.csv"
    out.write_text("the previous run's\n")
    out.chmod(0o600)
    child = (
        "import csv, os, signal\n"
        "import skattn.__main__ as cli\n"
        "real = csv.writer\n"
        "class Writer:\n"
        "    def __init__(self, handle):\n"
        "        self.writer, self.rows = real(handle), 0\n"
        "    def writerow(self, row):\n"
        "        self.rows += 1\n"
        "        if self.rows == 5:\n"
        "            os.kill(os.getpid(), signal.SIGTERM)\n"
        "        self.writer.writerow(row)\n"
        "csv.writer = Writer\n"
        f"cli.main(['compare', '--dataset', {str(data)!r}, '--id-column', 'id', '--value-column',"
        f" 'y', '--models', 'naive', '--horizon', '4', '--season-length', '1', '--quiet',"
        f" '--output', 'none', '--forecasts-csv', {str(out)!r}])\n")
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 128 + 15, done.stderr
    assert out.read_text() == "the previous run's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecasts.csv", "two.csv"]
    # uninterrupted: the replaced file keeps its permissions
    _compare(tmp_path, "--output", "none", "--forecasts-csv", str(out))
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text().startswith("model,series")


def test_standard_output_by_any_name_gets_the_rows_in_order_in_utf8(tmp_path):
    # /dev/fd/1 (or /proc/self/fd/1) was opened anew, overwriting the lines printed before it;
    # and /dev/stdout wrote in the locale's encoding: an id "Café" under an ASCII locale was a
    # UnicodeEncodeError after the whole run (review of the mends)
    data = tmp_path / "two.csv"
    data.write_text("id,y\n" + "".join(f"{name},{100 + k % 7 + k}\n" for name in ("Café", "B")
                                       for k in range(40)), encoding="utf-8")
    for name in ("/dev/stdout", "/dev/fd/1"):
        out = tmp_path / "out.txt"
        with open(out, "wb") as handle:
            done = subprocess.run(
                [sys.executable, "-m", "skattn", "compare", "--dataset", str(data),
                 "--id-column", "id", "--value-column", "y", "--models", "naive", "--horizon",
                 "4", "--season-length", "1", "--output", "none", "--forecasts-csv", name],
                stdout=handle, stderr=subprocess.PIPE, timeout=300,
                env={**os.environ, "PYTHONIOENCODING": "ascii:backslashreplace"})
        assert done.returncode == 0, done.stderr
        text = out.read_bytes().decode("utf-8")
        assert "\0" not in text
        assert text.index("hold-out 4") < text.index("model,series,origin") < text.index(
            f"forecasts written to {name}")
        assert "NaiveForecaster,Café,36,1," in text


def test_standard_output_is_taken_where_its_directory_is_not_writable(tmp_path, monkeypatch,
                                                                       capsys):
    # /dev, which a user other than root may not write in, refused /dev/stdout before the run
    real_access = os.access
    monkeypatch.setattr(cli.os, "access", lambda path, mode: (
        False if str(path) == "/dev" and mode == os.W_OK else real_access(path, mode)))
    _compare(tmp_path, "--output", "none", "--forecasts-csv", "/dev/stdout")
    assert "model,series,origin,step,forecast,truth" in capsys.readouterr().out
