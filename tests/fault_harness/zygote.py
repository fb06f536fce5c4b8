"""A pre-loaded parent for ``child.py`` runs: ``python -m tests.fault_harness.zygote``.

Importing the machine (cryptography, the package reader, …) costs more than a whole simulated
day, so the harness starts this process once per worker; for every run it reads one JSON line
``{"work": dir, "env": {...}}`` from stdin, forks, and the forked child sets the fault variables,
re-arms the fault hook and runs ``child.main`` — a separate process with its own memory that the
hook SIGKILLs, exactly as a fresh interpreter would be. The parent answers with one JSON line
``{"returncode": n}`` (negative: killed by that signal), like ``subprocess``."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import drivers.storage
from tests.fault_harness import child


def serve() -> None:
    for raw in sys.stdin:
        request = json.loads(raw)
        work = Path(request["work"])
        stderr_path = work / f"stderr.{request.get('run', 0)}"
        pid = os.fork()
        if pid == 0:
            try:
                fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(fd, 2)
                devnull = os.open(os.devnull, os.O_RDWR)
                os.dup2(devnull, 0)
                os.dup2(devnull, 1)
                for key in [k for k in os.environ if k.startswith("TOHYOKI_FAULT")]:
                    del os.environ[key]
                os.environ.update(request["env"])
                drivers.storage.FAULTS = drivers.storage._FaultPoints()
                code = child.main(work)
            except BaseException:  # noqa: BLE001 - reported to the harness through stderr
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"returncode": code}), flush=True)


if __name__ == "__main__":
    serve()
