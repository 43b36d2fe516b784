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
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    LargeBinary,
    Table,
    cast,
    func,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.sql import ClauseElement

from tracker import db
from tracker.history import ENTRY_COLUMNS, event_from_payload
from tracker.models import Entry, Event, RankKind, Snapshot

_CHUNK = 500  # ids per IN (...), well under every backend's parameter limit
_SMALL_TABLE = 5000  # tables up to this size are fingerprinted row by row (they may be updated in place)
_FETCH_TAIL = 200  # the newest attempts are fingerprinted row by row: their outcome is set after the insert

# An entry as read: (snapshot id, model row id, *the rest of ENTRY_COLUMNS)
EntryTuple = tuple[Any, ...]
Signature = tuple[int, int, int, int]  # (count, min, max, sum) of the snapshot ids a model is listed in
EntryMark = tuple[int, int]  # (rows in the entries table, the highest entry id): where signatures were read
ChartPoint = tuple[int, int | None, float | None, int | None]  # (snapshot id, rank, score, tokens) of an entry


@dataclass(frozen=True)
class EventGroup:
    """The events found in the snapshots of one board dated one day: the unit the events download is made of."""

    as_of: date
    board: str
    signature: Signature  # (count, min, max, sum) of the event ids: events are never rewritten


def _rank_order(e: Entry) -> tuple[bool, int, str]:
    return (e.rank is None, e.rank or 0, e.model_id)


@dataclass
class EntryRows:
    """Entries read for a publish, by snapshot, kept as the driver's tuples (a third of the memory of
    `Entry` objects); the `Entry` objects are made for one snapshot at a time."""

    models: Mapping[int, tuple[str, str]]  # model row id -> (canonical id, current display name)
    by_snapshot: dict[int, list[EntryTuple]] = dataclasses.field(default_factory=lambda: defaultdict(list))

    def add(self, row: EntryTuple) -> None:
        self.by_snapshot[row[0]].append(row)

    def _entries(self, rows: Iterable[EntryTuple]) -> tuple[Entry, ...]:
        models = self.models
        made = [make_entry(row, *models[row[1]]) for row in rows]
        return tuple(sorted(made, key=_rank_order))

    def fields(self, snapshot_id: int) -> list[dict[str, Any]]:
        """The fields of a snapshot's entries, without making `Entry` objects (for its download rows)."""
        models = self.models
        return [entry_fields(row, *models[row[1]]) for row in self.by_snapshot.get(snapshot_id, ())]

    def snapshot(self, thin: Snapshot) -> Snapshot:
        """A snapshot with every entry it has among these rows, in rank order."""
        return dataclasses.replace(thin, entries=self._entries(self.by_snapshot.get(thin.id, ())))

    def forget_snapshot(self, snapshot_id: int) -> None:
        self.by_snapshot.pop(snapshot_id, None)


_FIELDS = tuple(f.name for f in dataclasses.fields(Entry))
_RANK_KINDS = {str(k): k for k in RankKind}
# A frozen dataclass sets each field through object.__setattr__; filling __dict__ at once makes the same
# object several times faster, which counts for the hundreds of thousands of entries of a full publish.
_FAST = (
    not hasattr(Entry, "__slots__")
    and not hasattr(Entry, "__post_init__")
    and _FIELDS
    == (
        "model_id",
        "model",
        "rank",
        "rank_kind",
        "rank_upper",
        "rank_lower",
        "score",
        "ci_low",
        "ci_high",
        "votes",
        "tokens",
        "prompt_tokens",
        "completion_tokens",
        "change",
        "share",
        "organization",
        "source_key",
        "aliases",
        "tokens_lower_bound",
    )
)


def make_entry(row: EntryTuple, slug: str, name: str) -> Entry:
    """The `Entry` `History` would read for this row (see `tracker.history.entry_from_row`)."""
    values = entry_fields(row, slug, name)
    if not _FAST:
        return Entry(**values)
    entry = object.__new__(Entry)
    object.__setattr__(entry, "__dict__", values)
    return entry


def entry_fields(row: EntryTuple, slug: str, name: str) -> dict[str, Any]:
    """The fields of that `Entry`, as a dict (what a download row is made from, without the object)."""
    source_key = row[16]
    return {
        "model_id": slug,
        "model": name,
        "rank": row[2],
        "rank_kind": _RANK_KINDS.get(row[3]) or RankKind(row[3]),
        "rank_upper": row[4],
        "rank_lower": row[5],
        "score": row[6],
        "ci_low": row[7],
        "ci_high": row[8],
        "votes": row[9],
        "tokens": row[10],
        "prompt_tokens": row[11],
        "completion_tokens": row[12],
        "change": row[13],
        "share": row[14],
        "organization": row[15],
        "source_key": source_key if source_key != slug else None,
        "aliases": (),
        "tokens_lower_bound": bool(row[17]),
    }


class SiteReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._names: dict[int, tuple[str, str]] | None = None
        self._entries_mark: EntryMark | None = None  # the entries table as `fingerprint` found it

    def _connect(self) -> Connection:
        return self.engine.connect()

    # ---- snapshots and entries

    def snapshots(self) -> tuple[dict[str, list[Snapshot]], set[int]]:
        """Every board's snapshots without entries, one per upstream date (the latest observed), oldest
        first; and the ids of the snapshots that a later observation of their date replaced."""
        s = db.SnapshotRow
        query = select(
            s.id, s.board_id, s.as_of, s.observed_at, s.content_hash, s.method, s.window_start, s.window_end, s.fetch_id
        ).order_by(s.board_id, s.as_of, s.observed_at, s.id)
        chosen: dict[str, dict[date, Snapshot]] = defaultdict(dict)
        replaced: set[int] = set()
        with self._connect() as conn:
            for row in conn.execute(query):
                snap = Snapshot(row[0], row[1], row[2], row[3], (), row[4], row[5], row[6], row[7], row[8])
                earlier = chosen[snap.board].get(snap.as_of)
                if earlier is not None:
                    replaced.add(earlier.id)
                chosen[snap.board][snap.as_of] = snap  # a later observation of a date replaces the earlier
        return {board: [by_date[d] for d in sorted(by_date)] for board, by_date in chosen.items()}, replaced

    def _row_ids(self, model_ids: Collection[str]) -> list[int]:
        """The model row ids of these canonical models, in order."""
        wanted = set(model_ids)
        return sorted(i for i, (slug, _) in self.model_names().items() if slug in wanted)

    def model_names(self) -> dict[int, tuple[str, str]]:
        """Model row id -> (canonical id, current display name); read once (a publish is one build)."""
        if self._names is None:
            with self._connect() as conn:
                rows = conn.execute(select(db.ModelRow.id, db.ModelRow.slug, db.ModelRow.name))
                self._names = {row[0]: (row[1], row[2]) for row in rows}
        return self._names

    def download_sizes(self) -> tuple[dict[str, int], int]:
        """How much the downloads have to write: each board's stored rows (entries), and the events."""
        s = db.SnapshotRow
        with self._connect() as conn:
            rows = conn.execute(select(s.board_id, func.sum(s.row_count)).group_by(s.board_id))
            boards = {board: int(total or 0) for board, total in rows}
            events = int(conn.scalar(select(func.count()).select_from(db.EventRow)) or 0)
        return boards, events

    def entries(self, *, snapshot_ids: Collection[int] | None = None) -> EntryRows:
        """Entries of some snapshots, or without ids every entry there is (one sequential pass, the
        cheapest way to read them all)."""
        models = self.model_names()
        out = EntryRows(models)
        columns = (db.EntryRow.snapshot_id, db.EntryRow.model_id, *ENTRY_COLUMNS[1:])
        if snapshot_ids is None:
            queries = [select(*columns)]
        else:
            queries = [
                select(*columns).where(db.EntryRow.snapshot_id.in_(c)) for c in _chunks(sorted(set(snapshot_ids)))
            ]
        with self._connect() as conn:
            for query in queries:
                for row in _raw_rows(conn, query):
                    out.add(row)
        return out

    def chart_points(
        self, model_ids: Collection[str], among: Mapping[str, Collection[int]] | None = None
    ) -> dict[str, list[ChartPoint]]:
        """Per canonical model (these), every entry as a chart point: (snapshot id, rank, score, tokens);
        with `among`, only its entries in the snapshots given for it there (`parts.chart_snapshots`).
        Read from the covering index `ix_entries_model_chart` alone, in index order (snapshot ids ascending).

        Models given the same snapshots are read together (most of them, in a long history: a week's
        last snapshot each week), each group by one query with both lists written in as numbers
        (SQLAlchemy's rendering of a thousand literals would cost more than the rows it saves)."""
        models = self.model_names()
        ids = self._row_ids(model_ids)
        out: dict[str, list[ChartPoint]] = {models[i][0]: [] for i in ids}
        e = db.EntryRow
        columns = select(e.model_id, e.snapshot_id, e.rank, e.score, e.tokens)
        model, snapshot = e.model_id.expression, e.snapshot_id.expression
        groups: dict[frozenset[int] | None, list[int]] = defaultdict(list)
        for i in ids:
            groups[None if among is None else frozenset(among.get(models[i][0], ()))].append(i)
        with self._connect() as conn:
            base = str(columns.compile(dialect=conn.dialect))
            order = f" ORDER BY {_sql(conn, model)}, {_sql(conn, snapshot)}"
            for snapshots, group in groups.items():
                if snapshots is not None and not snapshots:
                    continue  # nothing to read
                listed = "" if snapshots is None else f" AND {_sql(conn, snapshot)} IN ({_numbers(snapshots)})"
                for chunk in _chunks(group):
                    sql = f"{base} WHERE {_sql(conn, model)} IN ({_numbers(chunk)}){listed}{order}"
                    for model_id, rows in groupby(_all_rows(conn, sql), key=_FIRST):
                        out[models[model_id][0]].extend(map(_REST, rows))  # each row without its model id
        return out

    def listings_after(self, snapshot_id: int) -> dict[str, list[int]]:
        """Per canonical model, the ids of the snapshots newer than this one (by id) that list it: what
        was added since a publish, from the (snapshot, model) index."""
        models = self.model_names()
        e = db.EntryRow
        out: dict[str, list[int]] = defaultdict(list)
        query = select(e.model_id, e.snapshot_id).where(e.snapshot_id > snapshot_id)
        with self._connect() as conn:
            for model_id, listed in _raw_rows(conn, query):
                out[models[model_id][0]].append(listed)
        return dict(out)

    def organizations(self, model_ids: Collection[str]) -> dict[str, dict[int, str]]:
        """Per canonical model (these), the organization its entries name, by snapshot id (where one does)."""
        models = self.model_names()
        ids = self._row_ids(model_ids)
        e = db.EntryRow
        out: dict[str, dict[int, str]] = {}
        with self._connect() as conn:
            for chunk in _chunks(ids):
                query = select(e.model_id, e.snapshot_id, e.organization).where(
                    e.model_id.in_(chunk), e.organization.is_not(None)
                )
                for model_id, snapshot_id, organization in conn.execute(query):
                    if organization is not None:
                        out.setdefault(models[model_id][0], {})[snapshot_id] = organization
        return out

    def model_signatures(self, left_out: Collection[int]) -> tuple[dict[str, Signature], EntryMark]:
        """Per canonical model, (count, min, max, sum) of the snapshot ids it is listed in, leaving out some
        snapshots (those replaced by a later observation of their date). Entries are never rewritten, so an
        unchanged signature means unchanged entries. One pass over the (model, snapshot) index; with the
        entries table's mark, read in the same statement (so `grown_signatures` can start from them)."""
        e = db.EntryRow
        query = select(
            literal_column("1", Integer),
            e.model_id,
            func.count(),
            func.min(e.snapshot_id),
            func.max(e.snapshot_id),
            func.sum(e.snapshot_id),
        ).group_by(e.model_id)
        if left_out:
            query = query.where(e.snapshot_id.not_in(sorted(left_out)))
        mark = select(literal_column("0", Integer), null(), func.count(), func.max(e.id), null(), null()).select_from(e)
        models = self.model_names()
        signatures: dict[str, Signature] = {}
        marked: EntryMark = (0, 0)
        with self._connect() as conn:
            for kind, model_id, count, low, high, total in _raw_rows(conn, union_all(mark, query)):
                if kind == 0:  # the table's row count and highest id
                    marked = (int(count), int(low or 0))
                else:
                    signatures[models[model_id][0]] = (int(count), int(low), int(high), int(total))
        return signatures, marked

    def grown_signatures(
        self, signatures: Mapping[str, Signature], mark: EntryMark, left_out: Collection[int]
    ) -> tuple[dict[str, Signature], EntryMark] | None:
        """`signatures` (as `model_signatures` gave them at `mark`) brought up to date with the entries added
        since, leaving out those of the snapshots in `left_out`; with the new mark. None unless the table
        only grew: its row count must be the old one plus the rows above the old highest id (entries are
        never rewritten; a deleted one means reading every signature again). Reads only the new rows."""
        e = db.EntryRow
        count, highest = mark
        # The table's count and highest id: as the fingerprint found them, else read with the new rows.
        marked: EntryMark | None = self._entries_mark
        now = select(literal_column("0", Integer), func.count(), func.max(e.id)).select_from(e)
        added = select(literal_column("1", Integer), e.model_id, e.snapshot_id).where(e.id > highest)
        models = self.model_names()
        grown = dict(signatures)
        new = 0
        skipped = set(left_out)
        with self._connect() as conn:
            for kind, model_id, snapshot_id in _raw_rows(conn, added if marked else union_all(now, added)):
                if kind == 0:  # the table's row count and highest id
                    marked = (int(model_id), int(snapshot_id or 0))
                    continue
                new += 1
                if snapshot_id in skipped:
                    continue
                slug = models[model_id][0]
                grown[slug] = _signed(grown.get(slug), snapshot_id)
        if marked is None or marked[0] != count + new:
            return None
        return grown, marked

    def model_spans(self, left_out: Collection[int]) -> dict[str, dict[str, tuple[date, date]]]:
        """Per canonical model, per board: the first and last date it is listed on, leaving out some
        snapshots (those replaced by a later observation of their date). One pass over the table."""
        e, s = db.EntryRow, db.SnapshotRow
        query = (
            select(s.board_id, e.model_id, func.min(s.as_of), func.max(s.as_of))
            .join(s, s.id == e.snapshot_id)
            .group_by(s.board_id, e.model_id)
        )
        if left_out:
            query = query.where(e.snapshot_id.not_in(sorted(left_out)))
        models = self.model_names()
        spans: dict[str, dict[str, tuple[date, date]]] = defaultdict(dict)
        with self._connect() as conn:
            for board, model, first, last in conn.execute(query):
                spans[models[model][0]][board] = (_day(first), _day(last))
        return dict(spans)

    def snapshots_listing(self, model_ids: Collection[str]) -> set[int]:
        """The snapshots that list any of these models (canonical ids)."""
        ids = self._row_ids(model_ids)
        found: set[int] = set()
        with self._connect() as conn:
            for chunk in _chunks(ids):
                found.update(conn.scalars(select(db.EntryRow.snapshot_id).where(db.EntryRow.model_id.in_(chunk))))
        return found

    # ---- events

    def event_groups(self) -> list[EventGroup]:
        """The events grouped by (date of their snapshot, board), in no particular order."""
        ev, snap = db.EventRow, db.SnapshotRow
        # Grouped by snapshot first, from the (board, snapshot) index alone; then by the snapshots' dates.
        by_snapshot = (
            select(
                ev.board_id,
                ev.to_snapshot_id,
                func.count().label("n"),
                func.min(ev.id).label("low"),
                func.max(ev.id).label("high"),
                func.sum(ev.id).label("total"),
            )
            .group_by(ev.board_id, ev.to_snapshot_id)
            .subquery()
        )
        g = by_snapshot.c
        query = (
            select(snap.as_of, g.board_id, func.sum(g.n), func.min(g.low), func.max(g.high), func.sum(g.total))
            .join(snap, snap.id == g.to_snapshot_id)
            .group_by(snap.as_of, g.board_id)
        )
        with self._connect() as conn:
            return [EventGroup(r[0], r[1], (int(r[2]), int(r[3]), int(r[4]), int(r[5]))) for r in conn.execute(query)]

    def grown_event_groups(self, groups: Collection[EventGroup]) -> list[EventGroup] | None:
        """`groups` (as `event_groups` gave them) brought up to date with the events stored since, reading
        only those (a publish's work then does not grow with the years of events behind it). None unless
        the table only grew: its count must be theirs plus the events above their highest id (events are
        never rewritten; a deleted one means grouping them all again)."""
        ev, snap = db.EventRow, db.SnapshotRow
        count = sum(g.signature[0] for g in groups)
        highest = max((g.signature[2] for g in groups), default=0)
        grown = {(g.as_of, g.board): g.signature for g in groups}
        # The table's count and the new events, in one statement: both as of the same moment.
        now = select(
            literal_column("0", Integer),
            func.count(ev.id),
            cast(null(), ev.board_id.type),
            cast(null(), snap.as_of.type),
        )
        added = (
            select(literal_column("1", Integer), ev.id, ev.board_id, snap.as_of)
            .join(snap, snap.id == ev.to_snapshot_id)
            .where(ev.id > highest)
        )
        total, new = None, 0
        with self._connect() as conn:
            for kind, number, board, as_of in conn.execute(union_all(now, added)):
                if kind == 0:
                    total = int(number)
                    continue
                new += 1
                key = (_day(as_of), board)
                grown[key] = _signed(grown.get(key), int(number))
        if total is None or total != count + new:
            return None
        return [EventGroup(day, board, signature) for (day, board), signature in grown.items()]

    def events(self, groups: Collection[tuple[date, str]] | None = None) -> Iterator[tuple[date, Event]]:
        """(date of the snapshot it was found in, event), in the order stored; only some groups if given."""
        ev, snap = db.EventRow, db.SnapshotRow
        query = (
            select(ev.id, ev.board_id, ev.payload, snap.as_of).join(snap, snap.id == ev.to_snapshot_id).order_by(ev.id)
        )
        wanted = None if groups is None else set(groups)
        if wanted is not None:
            days = sorted({d for d, _ in wanted})
            if len(days) <= _CHUNK:  # from the (board, snapshot) index, not a pass over every event
                listed = select(snap.id).where(snap.as_of.in_(days))
                query = query.where(ev.board_id.in_(sorted({b for _, b in wanted})), ev.to_snapshot_id.in_(listed))
        with self._connect() as conn:
            for row in conn.execution_options(stream_results=True).execute(query):
                if wanted is None or (row[3], row[1]) in wanted:
                    yield row[3], event_from_payload(row[1], row[2])

    # ---- has anything changed?

    def fingerprint(self) -> str:
        """A digest that changes whenever the stored history does: every table's row count and highest
        key; small tables row by row (they may be updated in place, like a model's name); the newest
        fetch attempts row by row (their outcome is set after they are recorded).

        Every table's count and highest key come from one statement; on PostgreSQL the small tables and
        the newest attempts are digested in the server by a second one: two round trips to the server
        instead of one or more per table, and the counts all from the same moment."""
        digest = hashlib.sha256()
        tables = db.Base.metadata.sorted_tables
        with self._connect() as conn:
            sizes = _sizes(conn, tables)
            count, highest = sizes[db.EntryRow.__tablename__]
            self._entries_mark = (count, int(highest or 0))  # for `grown_signatures`: no second count
            small = [t for t in tables if sizes[t.name][0] <= _SMALL_TABLE]
            tail = sizes[db.FetchRow.__tablename__][0] > _SMALL_TABLE
            digests = _server_digests(conn, small, tail) if conn.dialect.name == "postgresql" else None
            for table in tables:
                count, highest = sizes[table.name]
                summary: list[Any] = [table.name, count]
                if count > _SMALL_TABLE:
                    summary.append(_plain(highest))
                elif digests is not None:  # the rows as PostgreSQL writes them, hashed there
                    summary.append(digests[table.name])
                else:  # the driver's values: no type conversion is needed to compare them
                    rows = _all_rows(conn, select(table).order_by(*table.primary_key.columns))
                    binary = any(isinstance(c.type, LargeBinary) for c in table.columns)
                    summary.append([[_plain(v) for v in row] for row in rows] if binary else rows)
                if table.name == db.FetchRow.__tablename__ and tail:
                    summary.append(digests[_TAIL] if digests is not None else _all_rows(conn, _fetch_tail()))
                digest.update(repr(summary).encode("utf-8"))  # the drivers' values have a stable repr
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


_TAIL = "fetches (newest)"  # the name the newest attempts' digest goes by


def _sizes(conn: Connection, tables: Sequence[Table]) -> dict[str, tuple[int, Any]]:
    """Each table's row count and highest (first) key, from one statement."""
    prep = conn.dialect.identifier_preparer
    parts = []
    for table in tables:
        name, key = prep.format_table(table), prep.quote(table.primary_key.columns[0].name)
        parts.append(f"(SELECT count(*) FROM {name}), (SELECT max({key}) FROM {name})")  # noqa: S608
    values = conn.exec_driver_sql("SELECT " + ", ".join(parts)).one()
    return {t.name: (int(values[2 * i] or 0), values[2 * i + 1]) for i, t in enumerate(tables)}


def _fetch_tail() -> ClauseElement:
    f = db.FetchRow
    return select(f.id, f.outcome, f.error, f.http_status, f.finished_at).order_by(f.id.desc()).limit(_FETCH_TAIL)


def _server_digests(conn: Connection, small: Sequence[Table], tail: bool) -> dict[str, str | None]:
    """PostgreSQL: an MD5 of each small table's rows in key order (and of the newest attempts), each row as
    PostgreSQL writes a row as text, all from one statement made in the server: no row becomes Python
    objects. Only to tell whether a table changed."""
    prep = conn.dialect.identifier_preparer

    def md5_of(rows: str, order: str) -> str:
        return f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY {order})) FROM {rows} AS t"  # noqa: S608

    named: dict[str, str] = {}
    for table in small:
        order = ", ".join(f"t.{prep.quote(c.name)}" for c in table.primary_key.columns)
        named[table.name] = md5_of(prep.format_table(table), order)
    if tail:
        newest = str(_fetch_tail().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        named[_TAIL] = md5_of(f"({newest})", "t.id")
    if not named:
        return {}
    values = conn.exec_driver_sql("SELECT " + ", ".join(f"({sql})" for sql in named.values())).one()
    return dict(zip(named, values, strict=True))


def _plain(value: Any) -> Any:
    """A value as the fingerprint records it: binaries by digest, the rest as the driver gave it."""
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


_FIRST, _REST = itemgetter(0), itemgetter(slice(1, None))


def _all_rows(conn: Connection, query: ClauseElement | str) -> list[tuple[Any, ...]]:
    """All the rows of a query as `_raw_rows` gives them, in one list (for a bounded query)."""
    with _executed(conn, query) as cursor:
        return list(cursor.fetchall())


def _raw_rows(conn: Connection, query: ClauseElement) -> Iterator[tuple[Any, ...]]:
    """Rows straight from the driver's cursor, in batches: no result object per row. Only for queries
    whose columns need no type conversion and whose parameters are integers (written into the SQL)."""
    with _executed(conn, query) as cursor:
        while batch := cursor.fetchmany(10000):
            yield from batch


def _sql(conn: Connection, column: ClauseElement) -> str:
    """A column as this connection's SQL names it."""
    return str(column.compile(dialect=conn.dialect))


def _numbers(values: Collection[int]) -> str:
    """Integers as an SQL list's text, in order (`int` first: nothing but digits is written)."""
    return ",".join(map(str, sorted(map(int, values))))


@contextmanager
def _executed(conn: Connection, query: ClauseElement | str) -> Iterator[Any]:
    """The driver's cursor, the query run on it (its integer parameters written into the SQL; SQL text
    as it is)."""
    sql = (
        query
        if isinstance(query, str)
        else str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    )
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        yield cursor
    finally:
        cursor.close()


def _signed(signature: Signature | None, key: int) -> Signature:
    """A (count, min, max, sum) signature of ids with one more id in it (the first one, from None)."""
    if signature is None:
        return (1, key, key, key)
    count, low, high, total = signature
    return (count + 1, min(low, key), max(high, key), total + key)


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
