"""HTTP layer and providers (live and demo) implementing the domain protocols.

Importing this package first keeps httpx from importing its command-line tool: ``import
httpx`` loads ``httpx._main`` (and with it rich, click and pygments, when a development
install has them) just to offer ``httpx.main``. That was about a fifth of the ``leadgen``
command's start-up CPU (80 ms of 360 ms measured with ``benchmarks/cli_startup.py``). A
stand-in module takes its place; calling ``httpx.main`` still runs the real tool.
"""

from __future__ import annotations

import sys
import types


def _real_httpx_main() -> None:
    """Run httpx's own command-line tool (imported only now)."""
    sys.modules.pop("httpx._main", None)
    from httpx._main import main

    main()


if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    _stand_in = types.ModuleType("httpx._main", "httpx's command-line tool, imported when called.")
    _stand_in.main = _real_httpx_main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = _stand_in
