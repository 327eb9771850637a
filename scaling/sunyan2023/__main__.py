"""``python -m scaling.sunyan2023 [--write PATH]``: print or write the reproduction of Sunyan (2023)."""

from .report import main

raise SystemExit(main())
