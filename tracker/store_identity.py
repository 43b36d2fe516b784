"""Model identity inside a store transaction: find models by their upstream keys, keep names and aliases.

Part of the storage layer (`store`); one canonical model has many keys and display names over time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import db

_CHUNK = 500  # keys per IN (...) lookup, well under every backend's parameter limit


def models_by_alias(session: Session, source: str, kind: str, aliases: Sequence[str]) -> dict[str, db.ModelRow]:
    found: dict[str, db.ModelRow] = {}
    unique = sorted(set(aliases))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        rows = session.execute(
            select(db.ModelAliasRow.alias, db.ModelRow)
            .join(db.ModelRow, db.ModelRow.id == db.ModelAliasRow.model_id)
            .where(
                db.ModelAliasRow.source == source,
                db.ModelAliasRow.kind == kind,
                db.ModelAliasRow.alias.in_(chunk),
            )
            .order_by(db.ModelRow.id)
        )
        for alias, model in rows:
            found.setdefault(alias, model)
    return found


class Aliases:
    """The aliases of the models a transaction touches, loaded once, added without a query each."""

    def __init__(self, session: Session, model_ids: Sequence[int]) -> None:
        self.session = session
        self.known: set[tuple[int, str, str]] = set()
        ids = sorted(set(model_ids))
        for start in range(0, len(ids), _CHUNK):
            rows = session.execute(
                select(db.ModelAliasRow.model_id, db.ModelAliasRow.kind, db.ModelAliasRow.alias).where(
                    db.ModelAliasRow.model_id.in_(ids[start : start + _CHUNK])
                )
            )
            self.known.update(rows)

    def add(self, model: db.ModelRow, kind: str, alias: str, as_of: date) -> None:
        if (model.id, kind, alias) not in self.known:
            self.known.add((model.id, kind, alias))
            self.session.add(
                db.ModelAliasRow(model_id=model.id, source=model.source, kind=kind, alias=alias, first_seen=as_of)
            )

    def rename(self, model: db.ModelRow, name: str, as_of: date) -> None:
        """A newer display name replaces the old one; every name stays as an alias."""
        if not name:
            return
        self.add(model, "name", name, as_of)
        if name != model.name and (model.name_as_of is None or as_of >= model.name_as_of):
            model.name = name
            model.name_as_of = as_of
