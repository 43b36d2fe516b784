"""Operating the tracker: publish, one round of `run --once`, the scheduler, the demo."""

from __future__ import annotations
