"""How figures read on the site: the Jinja filters, and one-line descriptions of events.

Locale-independent and deterministic; every function returns plain text (the templates escape it),
except `inline_json`, which returns markup safe to place inside a <script> element.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from tracker.models import Event, watched_top
from tracker.units import format_percent, format_rank, format_score, format_tokens


def tokens(n: int | None) -> str:
    return "" if n is None else format_tokens(n)


def score(x: float | None) -> str:
    return "" if x is None else format_score(x)


def whole(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def signed_percent(fraction: float | None) -> str:
    """A fraction as a signed whole percent: 0.23 -> "+23%", -0.1864 -> "-19%"."""
    if fraction is None:
        return ""
    text = format_percent(fraction * 100)
    return text if text.startswith("-") or text == "0%" else f"+{text}"


def share(fraction: float | None) -> str:
    return "" if fraction is None else f"{fraction * 100:.1f}%"


def signed_pct(pct: float | None) -> str:
    """A growth already in percent as a signed whole percent: 23.4 -> "+23%"."""
    return "" if pct is None else signed_percent(pct / 100)


def usd_estimate(value: float | None) -> str:
    """A dollar estimate to three significant figures: $1.7M, $47.9K, $512."""
    return "" if value is None else "$" + format_tokens(round(value))


def price(value: Decimal | None) -> str:
    """USD per million tokens to the cent, or more digits when the catalogue has them: $0.30, $0.075."""
    if value is None:
        return ""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"${value:.{places}f}"


def day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def moment(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def inline_json(value: Any) -> Markup:
    """JSON for a <script> element: <, >, & and the JS line separators are escaped so no text can end it."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return Markup(text)  # noqa: S704 - every character that could close the element is escaped above


def _value(ev: Event, value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and ev.board.startswith("openrouter"):
        return format_tokens(value)
    return format_score(float(value))


def _summary(ev: Event, model: Any) -> str:
    """A top-five member as the diff summarises it ({"model", "model_id", "value"}): "Tessera K3 (3.72T)"."""
    if not isinstance(model, Mapping):
        return str(model)
    name = model.get("model") or model.get("model_id") or "a model"
    value = _value(ev, model.get("value"))
    return f"{name} ({value})" if value else str(name)


def describe_event(ev: Event) -> str:
    """One plain line per event, for the board page's list of changes (the posts carry the prose)."""
    who, a, b = ev.model or ev.model_id or "a model", format_rank(ev.from_rank), format_rank(ev.to_rank)
    growth = "" if ev.growth_pct is None else format_percent(abs(ev.growth_pct))
    after = f" ({_value(ev, ev.value_after)})" if ev.value_after is not None else ""
    extra = ev.extra
    top = extra.get("within_top", "")
    match ev.kind:
        case "moved":
            verb = "rose" if (ev.to_rank or 0) < (ev.from_rank or 0) else "fell"
            return f"{who} {verb} from {a} to {b}{after}"
        case "entered" if ev.from_rank is not None:
            return f"{who} entered the top {top}, rising from {a} to {b}{after}"
        case "entered":
            return f"{who} entered the board at {b}{after}"
        case "exited" if ev.to_rank is not None:
            return f"{who} dropped out of the top {top}, falling from {a} to {b}{after}"
        case "exited":
            return f"{who} left the board (was {a})"
        case "grew_lost_rank":
            return f"{who} grew {growth} yet fell from {a} to {b}{after}"
        case "shrank_gained_rank":
            return f"{who} shrank {growth} yet rose from {a} to {b}{after}"
        case "new_leader":
            return f"{who} took the lead{after}"
        case "top_unchanged":
            models = ", ".join(_summary(ev, m) for m in extra.get("models", ()))
            return f"The top {extra.get('n', '')} is unchanged: {models}"
        case "biggest_mover":
            return f"{who} made the biggest move in the top {top}: {a} to {b}"
        case "stale":
            return f"No new data since {extra.get('since', '')}"
        case _:
            return f"{ev.kind.replace('_', ' ')}: {who}"


# A model's own change told by a stronger event makes its plain move redundant on the board page.
_TELLS_THE_MOVE = ("entered", "exited", "biggest_mover", "grew_lost_rank", "shrank_gained_rank")
_PER_MODEL = ("entered", "exited", "moved", "grew_lost_rank", "shrank_gained_rank")


def describe_changes(events: Sequence[Event]) -> tuple[str, ...]:
    """The board page's list of changes: the board-wide events, then each model's change once, within the
    watched top N (a usage board's events cover its whole list); what changed below it, counted."""
    n = watched_top(events)
    told = {e.model_id for e in events if e.kind in _TELLS_THE_MOVE}
    lines, below = [], set()
    for ev in events:
        if ev.kind == "moved" and ev.model_id in told:
            continue
        if ev.kind in _PER_MODEL and not ev.within(n):
            below.add(ev.model_id)
            continue
        lines.append(describe_event(ev))
    if below:
        models = "1 model" if len(below) == 1 else f"{len(below):,} models"
        lines.append(f"Also {models} below the top {n} changed rank (see the table)")
    return tuple(lines)
