"""The ``leadgen`` program's first and last moments: what it imports, and how it ends.

* Importing the command does not import httpx's own command-line tool (httpx loads it, and
  rich with it in a development install, only to offer ``httpx.main``); ``httpx.main`` is
  still the real tool when called.
* As the program (``main()`` without arguments) a finished command ends without the
  interpreter's teardown (atexit hooks do not run), its output flushed and its exit code
  kept; while a non-daemon thread is still alive it ends the normal way, which waits for it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.fakes.api_server import cli_env


def python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = cli_env("http://127.0.0.1:9", tmp_path)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=60
    )


def test_importing_the_command_leaves_httpx_command_line_tool_unimported(tmp_path: Path) -> None:
    done = python(
        """
        import json, sys
        import leadgen_desktop.cli
        import httpx
        tool = sys.modules["httpx._main"]
        print(json.dumps([hasattr(tool, "__file__"), callable(httpx.main), "httpx" in sys.modules]))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, True, True]


PROGRAM = """
    import atexit, sys
    from leadgen_desktop.cli import main
    atexit.register(lambda: print("teardown", flush=True))
    sys.argv = ["leadgen", "campaigns", "--db", {db!r}, "--json"]
    main()
"""


def test_the_program_ends_without_the_interpreter_teardown_when_done(tmp_path: Path) -> None:
    done = python(PROGRAM.format(db=str(tmp_path / "t.db")), tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []  # the summary was flushed before the end
    assert "teardown" not in done.stdout


def test_the_program_ends_the_normal_way_while_a_non_daemon_thread_lives(tmp_path: Path) -> None:
    program = """
        import atexit, sys, threading
        from leadgen_desktop.cli import main
        release = threading.Event()
        threading.Thread(target=lambda: (release.wait(), print("thread done", flush=True))).start()
        atexit.register(lambda: print("teardown", flush=True))
        sys.argv = ["leadgen", "campaigns", "--db", {db!r}, "--json"]
        try:
            main()
        finally:
            release.set()
    """
    done = python(program.format(db=str(tmp_path / "t.db")), tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert json.loads(lines[0]) == []
    assert lines[1:] == ["thread done", "teardown"]
