"""``python -m leadgen_desktop`` starts the desktop app."""

from leadgen_desktop.app import main

raise SystemExit(main())
