"""Model identity inside a store transaction: find models by their upstream keys, keep names and aliases.

Part of the storage layer (`store`); one canonical model has many keys and display names over time.
Plain SQL over tuples: a snapshot or catalogue touches hundreds of models, and ORM objects (loading,
autoflush, a flush per new model) were most of the cost of storing one. What was read is kept in a
`Remembered` between calls while the database cannot have changed under it (the store decides when).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, bindparam, update

from tracker import db
from tracker.store_rows import insert_row, insert_rows, select_rows

_CHUNK = 500  # keys per IN (...) lookup, well under every backend's parameter limit
_ALIAS_COLUMNS = ("model_id", "source", "kind", "alias", "first_seen")
_MODEL_COLUMNS = ("slug", "source", "name", "name_as_of", "organization")

# A model's newest price observation: observed_on, prompt and completion USD per million, context, catalogue id.
PriceRow = tuple[date, float | None, float | None, int | None, str]


@dataclass(eq=False, slots=True)
class Model:
    """A canonical model as one transaction sees it; `id` is None until a new one is written."""

    id: int | None
    slug: str
    source: str
    name: str
    name_as_of: date | None
    organization: str | None
    stored: tuple[str, date | None, str | None] | None = None  # name, name_as_of, organization as stored

    def changed(self) -> bool:
        return self.stored is not None and self.stored != (self.name, self.name_as_of, self.organization)


@dataclass
class Remembered:
    """The stored models, aliases, newest prices and boards the store has read or written: exactly what the
    database holds for them, as long as nothing else has written to it since (`Store` checks, and
    forgets all of it otherwise, or when a write fails)."""

    models: dict[tuple[str, str], Model] = field(default_factory=dict)  # (source, key alias) -> model
    by_id: dict[int, Model] = field(default_factory=dict)
    aliases: dict[int, set[tuple[str, str]]] = field(default_factory=dict)  # model id -> every (kind, alias)
    prices: dict[int, PriceRow | None] = field(default_factory=dict)  # model id -> newest price row, if any
    boards: set[str] = field(default_factory=set)

    def forget(self) -> None:
        self.models.clear()
        self.by_id.clear()
        self.aliases.clear()
        self.prices.clear()
        self.boards.clear()


def models_by_alias(
    conn: Connection, source: str, kind: str, aliases: Sequence[str], by_id: dict[int, Model] | None = None
) -> dict[str, Model]:
    """The model behind each alias that has one (the oldest, should two share it); one `Model` per model,
    the one in `by_id` if it is there (new ones are added to it)."""
    found: dict[str, Model] = {}
    by_id = {} if by_id is None else by_id
    unique = sorted(set(aliases))
    for start in range(0, len(unique), _CHUNK):
        rows = select_rows(
            conn,
            "SELECT a.alias, m.id, m.slug, m.source, m.name, m.name_as_of, m.organization"
            " FROM model_aliases AS a JOIN models AS m ON m.id = a.model_id"
            " WHERE a.source = ? AND a.kind = ? AND a.alias IN (?) ORDER BY m.id",
            [source, kind, unique[start : start + _CHUNK]],
            dates=(5,),
        )
        for key, model_id, slug, model_source, name, name_as_of, organization in rows:
            if key in found:
                continue
            model = by_id.get(model_id)
            if model is None:
                stored = (name, name_as_of, organization)
                model = by_id[model_id] = Model(model_id, slug, model_source, name, name_as_of, organization, stored)
            found[key] = model
    return found


class Identities:
    """The models behind one source's keys in a transaction: found in `Remembered` or read (two queries),
    changed in memory, written back by `write` (new models in the order they were made, then new aliases
    in the order they were seen, then the names and organisations that changed)."""

    def __init__(self, conn: Connection, source: str, keys: Sequence[str], remembered: Remembered) -> None:
        self.conn, self.source, self.remembered = conn, source, remembered
        self.by_key: dict[str, Model] = {}
        self.created: list[Model] = []
        self.new_aliases: list[tuple[Model, str, str, date]] = []
        self.fresh: dict[Model, set[tuple[str, str]]] = {}  # the aliases of models not written yet
        self.touched: dict[int, Model] = {}  # stored models whose name or organisation was set here
        missing = []
        for key in set(keys):
            model = remembered.models.get((source, key))
            if model is None:
                missing.append(key)
            else:
                self.by_key[key] = model
        if missing:
            self._read(missing)

    def _read(self, keys: Sequence[str]) -> None:
        remembered = self.remembered
        found = models_by_alias(self.conn, self.source, "key", keys, remembered.by_id)
        for key, model in found.items():
            remembered.models[(self.source, key)] = model
            self.by_key[key] = model
        ids = sorted({m.id for m in found.values() if m.id is not None and m.id not in remembered.aliases})
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for model_id in chunk:
                remembered.aliases[model_id] = set()
            rows = select_rows(
                self.conn, "SELECT model_id, kind, alias FROM model_aliases WHERE model_id IN (?)", [chunk]
            )
            for model_id, kind, alias in rows:
                remembered.aliases[model_id].add((kind, alias))

    def get(self, key: str) -> Model | None:
        return self.by_key.get(key)

    def create(self, key: str, organization: str | None, as_of: date) -> Model:
        """A new model for an unknown key, named after it until a display name comes."""
        model = Model(None, key, self.source, key, None, organization)
        self.by_key[key] = model
        self.created.append(model)
        self.fresh[model] = set()
        self.add(model, "key", key, as_of)
        return model

    def add(self, model: Model, kind: str, alias: str, as_of: date) -> None:
        known = self.fresh[model] if model.id is None else self.remembered.aliases[model.id]
        if (kind, alias) not in known:
            known.add((kind, alias))
            self.new_aliases.append((model, kind, alias, as_of))

    def rename(self, model: Model, name: str, as_of: date) -> None:
        """A newer display name replaces the old one; every name stays as an alias."""
        if not name:
            return
        self.add(model, "name", name, as_of)
        if name != model.name and (model.name_as_of is None or as_of >= model.name_as_of):
            model.name = name
            model.name_as_of = as_of
            self._touch(model)

    def fill_organization(self, model: Model, organization: str | None) -> None:
        """A model's organisation, once known, stays; one seen later fills it in."""
        if organization and not model.organization:
            model.organization = organization
            self._touch(model)

    def _touch(self, model: Model) -> None:
        if model.id is not None:
            self.touched[model.id] = model

    def write(self) -> None:
        """Insert the new models (ids in creation order) and aliases; update the models that changed."""
        remembered = self.remembered
        if self.created:
            keys = [m.slug for m in self.created]
            taken: set[str] = set()
            for start in range(0, len(keys), _CHUNK):
                rows = select_rows(
                    self.conn, "SELECT slug FROM models WHERE slug IN (?)", [keys[start : start + _CHUNK]]
                )
                taken.update(slug for (slug,) in rows)
            for model, key in zip(self.created, keys, strict=True):
                if model.slug in taken:
                    model.slug = f"{model.source}:{model.slug}"  # two sources used the same key for different models
                taken.add(model.slug)
                values = (model.slug, model.source, model.name, model.name_as_of, model.organization)
                model.id = insert_row(self.conn, db.ModelRow.__tablename__, _MODEL_COLUMNS, values)
                model.stored = (model.name, model.name_as_of, model.organization)
                remembered.models[(self.source, key)] = remembered.by_id[model.id] = model
                remembered.aliases[model.id] = self.fresh.pop(model)
                remembered.prices[model.id] = None  # a new model has no price yet
            self.created = []
        if self.new_aliases:
            rows = [(m.id, m.source, kind, alias, as_of) for m, kind, alias, as_of in self.new_aliases]
            insert_rows(self.conn, db.ModelAliasRow.__tablename__, _ALIAS_COLUMNS, rows)
            self.new_aliases = []
        changed = {model_id: m for model_id, m in self.touched.items() if m.changed()}
        self.touched = {}
        if changed:
            self.conn.execute(
                update(db.ModelRow)
                .where(db.ModelRow.id == bindparam("model_id"))
                .values(name=bindparam("to_name"), name_as_of=bindparam("to_as_of"), organization=bindparam("to_org")),
                [
                    {"model_id": m.id, "to_name": m.name, "to_as_of": m.name_as_of, "to_org": m.organization}
                    for _, m in sorted(changed.items())
                ],
            )
            for model in changed.values():
                model.stored = (model.name, model.name_as_of, model.organization)

    def ids(self) -> dict[str, int]:
        """Each key's model id (after `write`)."""
        return {key: m.id for key, m in self.by_key.items() if m.id is not None}
