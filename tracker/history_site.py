"""Reading what the published site needs from the SQL history, quickly and in bounded memory.

`History` reads whole boards as objects; a site built from years of snapshots needs other shapes:
every board's snapshots without their entries (one per upstream date, as `History.board_history`
chooses them), entries as compact tuples for some snapshots or some models (or all of them in one
sequential pass), cheap summaries that tell which pages changed (a signature of each model's entries,
the events grouped by date and board), and a fingerprint of the whole database that says whether
anything at all changed since the last publish. Rows are read as plain tuples through Core.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from tracker import db
from tracker.history import ENTRY_COLUMNS, event_from_payload
from tracker.models import Entry, Event, RankKind, Snapshot

_CHUNK = 500  # ids per IN (...), well under every backend's parameter limit
_SMALL_TABLE = 5000  # tables up to this size are fingerprinted row by row (they may be updated in place)
_FETCH_TAIL = 200  # the newest attempts are fingerprinted row by row: their outcome is set after the insert

# An entry as read: (snapshot id, model row id, *the rest of ENTRY_COLUMNS)
EntryTuple = tuple[Any, ...]
Signature = tuple[int, int, int, int]  # (count, min, max, sum) of the snapshot ids a model is listed in


@dataclass(frozen=True)
class EventGroup:
    """The events found in the snapshots of one board dated one day: the unit the events download is made of."""

    as_of: date
    board: str
    signature: Signature  # (count, min, max, sum) of the event ids: events are never rewritten


@dataclass
class EntryRows:
    """Entries as tuples, by snapshot and by model; `Entry` objects are made only when a page needs them."""

    models: Mapping[int, tuple[str, str]]  # model row id -> (canonical id, current display name)
    by_snapshot: dict[int, list[EntryTuple]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    by_model: dict[str, list[EntryTuple]] = dataclasses.field(default_factory=lambda: defaultdict(list))

    def add(self, row: EntryTuple) -> None:
        self.by_snapshot[row[0]].append(row)
        self.by_model[self.models[row[1]][0]].append(row)

    def entries(self, rows: Iterable[EntryTuple]) -> list[Entry]:
        out = []
        for row in rows:
            slug, name = self.models[row[1]]
            out.append(make_entry(row, slug, name))
        return sorted(out, key=lambda e: (e.rank is None, e.rank or 0, e.model_id))

    def snapshot(self, thin: Snapshot) -> Snapshot:
        """A snapshot with every entry it has among these rows."""
        return dataclasses.replace(thin, entries=tuple(self.entries(self.by_snapshot.get(thin.id, ()))))


_FIELDS = tuple(f.name for f in dataclasses.fields(Entry))
_RANK_KINDS = {str(k): k for k in RankKind}
# A frozen dataclass sets each field through object.__setattr__; filling __dict__ at once makes the same
# object several times faster, which counts for the hundreds of thousands of entries of a full publish.
_FAST = not hasattr(Entry, "__slots__") and not hasattr(Entry, "__post_init__")


def make_entry(row: EntryTuple, slug: str, name: str) -> Entry:
    """The `Entry` `History` would read for this row (see `tracker.history.entry_from_row`)."""
    source_key = row[16]
    values = (
        slug,
        name,
        row[2],
        _RANK_KINDS.get(row[3]) or RankKind(row[3]),
        *row[4:16],
        source_key if source_key != slug else None,
        (),
    )
    if not _FAST:
        return Entry(*values)
    entry = object.__new__(Entry)
    entry.__dict__.update(zip(_FIELDS, values, strict=True))
    return entry


class SiteReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _connect(self) -> Connection:
        return self.engine.connect()

    # ---- snapshots and entries

    def snapshots(self) -> dict[str, list[Snapshot]]:
        """Every board's snapshots without entries, one per upstream date (the latest observed), oldest first."""
        s = db.SnapshotRow
        query = select(
            s.id, s.board_id, s.as_of, s.observed_at, s.content_hash, s.method, s.window_start, s.window_end, s.fetch_id
        ).order_by(s.board_id, s.as_of, s.observed_at, s.id)
        chosen: dict[str, dict[date, Snapshot]] = defaultdict(dict)
        with self._connect() as conn:
            for row in conn.execute(query):
                snap = Snapshot(row[0], row[1], row[2], row[3], (), row[4], row[5], row[6], row[7], row[8])
                chosen[snap.board][snap.as_of] = snap  # a later observation of a date replaces the earlier
        return {board: [by_date[d] for d in sorted(by_date)] for board, by_date in chosen.items()}

    def model_names(self) -> dict[int, tuple[str, str]]:
        with self._connect() as conn:
            rows = conn.execute(select(db.ModelRow.id, db.ModelRow.slug, db.ModelRow.name))
            return {row[0]: (row[1], row[2]) for row in rows}

    def entries(
        self, *, snapshot_ids: Collection[int] | None = None, model_ids: Collection[str] | None = None
    ) -> EntryRows:
        """Entries of some snapshots, of some models (canonical ids), or with neither every entry there is
        (one sequential pass, the cheapest way to read them all)."""
        models = self.model_names()
        out = EntryRows(models)
        columns = (db.EntryRow.snapshot_id, db.EntryRow.model_id, *ENTRY_COLUMNS[1:])
        with self._connect() as conn:
            if snapshot_ids is None and model_ids is None:
                for row in conn.execution_options(stream_results=True).execute(select(*columns)):
                    out.add(tuple(row))
                return out
            if snapshot_ids:
                for chunk in _chunks(sorted(set(snapshot_ids))):
                    for row in conn.execute(select(*columns).where(db.EntryRow.snapshot_id.in_(chunk))):
                        out.add(tuple(row))
            if model_ids:
                wanted = set(model_ids)
                ids = sorted(i for i, (slug, _) in models.items() if slug in wanted)
                done = set(snapshot_ids or ())
                for chunk in _chunks(ids):
                    for row in conn.execute(select(*columns).where(db.EntryRow.model_id.in_(chunk))):
                        if row[0] not in done:
                            out.add(tuple(row))
        return out

    def model_signatures(self, left_out: Collection[int]) -> dict[str, Signature]:
        """Per canonical model, (count, min, max, sum) of the snapshot ids it is listed in, leaving out some
        snapshots (those replaced by a later observation of their date). Entries are never rewritten, so an
        unchanged signature means unchanged entries. One pass over the (model, snapshot) index."""
        e = db.EntryRow
        query = select(
            e.model_id, func.count(), func.min(e.snapshot_id), func.max(e.snapshot_id), func.sum(e.snapshot_id)
        ).group_by(e.model_id)
        if left_out:
            query = query.where(e.snapshot_id.not_in(sorted(left_out)))
        models = self.model_names()
        with self._connect() as conn:
            return {
                models[row[0]][0]: (int(row[1]), int(row[2]), int(row[3]), int(row[4])) for row in conn.execute(query)
            }

    def snapshots_listing(self, model_ids: Collection[str]) -> set[int]:
        """The snapshots that list any of these models (canonical ids)."""
        wanted = set(model_ids)
        ids = sorted(i for i, (slug, _) in self.model_names().items() if slug in wanted)
        found: set[int] = set()
        with self._connect() as conn:
            for chunk in _chunks(ids):
                found.update(conn.scalars(select(db.EntryRow.snapshot_id).where(db.EntryRow.model_id.in_(chunk))))
        return found

    # ---- events

    def event_groups(self) -> list[EventGroup]:
        """The events grouped by (date of their snapshot, board), in no particular order."""
        ev, snap = db.EventRow, db.SnapshotRow
        query = (
            select(snap.as_of, ev.board_id, func.count(), func.min(ev.id), func.max(ev.id), func.sum(ev.id))
            .join(snap, snap.id == ev.to_snapshot_id)
            .group_by(snap.as_of, ev.board_id)
        )
        with self._connect() as conn:
            return [EventGroup(r[0], r[1], (int(r[2]), int(r[3]), int(r[4]), int(r[5]))) for r in conn.execute(query)]

    def events(self, groups: Collection[tuple[date, str]] | None = None) -> Iterator[tuple[date, Event]]:
        """(date of the snapshot it was found in, event), in the order stored; only some groups if given."""
        ev, snap = db.EventRow, db.SnapshotRow
        query = (
            select(ev.id, ev.board_id, ev.payload, snap.as_of).join(snap, snap.id == ev.to_snapshot_id).order_by(ev.id)
        )
        wanted = None if groups is None else set(groups)
        if wanted is not None:
            days = sorted({d for d, _ in wanted})
            query = query.where(snap.as_of.in_(days)) if len(days) <= _CHUNK else query
        with self._connect() as conn:
            for row in conn.execution_options(stream_results=True).execute(query):
                if wanted is None or (row[3], row[1]) in wanted:
                    yield row[3], event_from_payload(row[1], row[2])

    # ---- has anything changed?

    def fingerprint(self) -> str:
        """A digest that changes whenever the stored history does: every table's row count and highest
        id; small tables row by row (they may be updated in place, like a model's name); the newest
        fetch attempts row by row (their outcome is set after they are recorded)."""
        digest = hashlib.sha256()
        with self._connect() as conn:
            for table in db.Base.metadata.sorted_tables:
                count = int(conn.scalar(select(func.count()).select_from(table)) or 0)
                keys = list(table.primary_key.columns)
                summary: list[Any] = [table.name, count]
                if count <= _SMALL_TABLE:
                    rows = conn.execute(select(table).order_by(*keys))
                    summary.append([[_plain(v) for v in row] for row in rows])
                else:
                    summary.append(_plain(conn.scalar(select(func.max(keys[0])).select_from(table))))
                if table.name == db.FetchRow.__tablename__ and count > _SMALL_TABLE:
                    f = db.FetchRow
                    tail = conn.execute(
                        select(f.id, f.outcome, f.error, f.http_status, f.finished_at)
                        .order_by(f.id.desc())
                        .limit(_FETCH_TAIL)
                    )
                    summary.append([[_plain(v) for v in row] for row in tail])
                digest.update(json.dumps(summary, sort_keys=True, default=str).encode("utf-8"))
        return digest.hexdigest()

    def newest_event_day(self) -> date | None:
        with self._connect() as conn:
            day = conn.scalar(
                select(func.max(db.SnapshotRow.as_of)).join(
                    db.EventRow, db.EventRow.to_snapshot_id == db.SnapshotRow.id
                )
            )
        return date.fromisoformat(day) if isinstance(day, str) else day

    def explain(self, sql: str) -> list[str]:
        """The backend's plan for one query, for the benchmark's proof that the reads use indexes."""
        with self._connect() as conn:
            if conn.dialect.name == "sqlite":
                return [str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
            return [str(row[0]) for row in conn.execute(text(f"EXPLAIN {sql}"))]


def _plain(value: Any) -> Any:
    """A value as the fingerprint records it (binaries by digest; dates and the rest by `str`)."""
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
