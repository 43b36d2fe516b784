"""The reviewed overrides for cross-source model identity (`tracker/model_map.yaml`) and their strict parser.

The file holds the decisions the matching rules must not take alone:

    match:           # Arena key -> OpenRouter catalogue id or canonical slug
      gemini-3-flash: google/gemini-3-flash-preview   # why, in one line
    never:           # pairs that must never match, whatever a rule says
      - [muse-spark, meta/muse-spark-1.1]             # why
    organizations:   # Arena organisation -> the catalogue authors it publishes under
      zai: [z-ai]

A decision made for an Arena key also holds for its modes (`claude-opus-4-5-20251101` decides
`claude-opus-4-5-20251101-thinking-32k` too). Unknown keys, duplicates and contradictions are
`ConfigError`s naming the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tracker.models import ConfigError

MODEL_MAP_FILE = "model_map.yaml"
_SECTIONS = ("match", "never", "organizations")


@dataclass(frozen=True)
class ModelMap:
    """Reviewed decisions: forced matches, forbidden pairs, and organisation aliases."""

    match: Mapping[str, str] = field(default_factory=dict)  # Arena key -> catalogue id or canonical slug
    never: frozenset[tuple[str, str]] = frozenset()  # (Arena key, catalogue id or canonical slug)
    organizations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # Arena org -> authors


def _fail(source: str, node: Node, message: str) -> ConfigError:
    return ConfigError(f"{source} line {node.start_mark.line + 1}: {message}")


def _text(source: str, node: Node, what: str) -> str:
    if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null" or not node.value.strip():
        raise _fail(source, node, f"expected {what}")
    return str(node.value).strip()


def _target(source: str, node: Node) -> str:
    value = _text(source, node, "an OpenRouter catalogue id or canonical slug")
    if "/" not in value:
        raise _fail(source, node, f"{value!r} is not an OpenRouter id (author/model)")
    return value


def _pairs(source: str, node: Node, section: str) -> list[tuple[Node, Node]]:
    if not isinstance(node, MappingNode):
        raise _fail(source, node, f"`{section}` must be a mapping")
    seen: set[str] = set()
    for key_node, _ in node.value:
        key = _text(source, key_node, f"a key in `{section}`")
        if key in seen:
            raise _fail(source, key_node, f"{key!r} appears twice in `{section}`")
        seen.add(key)
    return list(node.value)


def _match(source: str, node: Node) -> dict[str, str]:
    return {_text(source, k, "an Arena model key"): _target(source, v) for k, v in _pairs(source, node, "match")}


def _never(source: str, node: Node) -> dict[tuple[str, str], Node]:
    if not isinstance(node, SequenceNode):
        raise _fail(source, node, "`never` must be a list of [arena_key, openrouter_id] pairs")
    pairs: dict[tuple[str, str], Node] = {}
    for item in node.value:
        if not isinstance(item, SequenceNode) or len(item.value) != 2:
            raise _fail(source, item, "each `never` entry must be [arena_key, openrouter_id]")
        pair = (_text(source, item.value[0], "an Arena model key"), _target(source, item.value[1]))
        if pair in pairs:
            raise _fail(source, item, f"the pair {list(pair)} appears twice in `never`")
        pairs[pair] = item
    return pairs


def _organizations(source: str, node: Node) -> dict[str, tuple[str, ...]]:
    aliases: dict[str, tuple[str, ...]] = {}
    for key_node, value in _pairs(source, node, "organizations"):
        names = value.value if isinstance(value, SequenceNode) else [value]
        authors = tuple(_text(source, n, "a catalogue author").casefold() for n in names)
        if not authors:
            raise _fail(source, value, "expected at least one catalogue author")
        aliases[_text(source, key_node, "an Arena organisation").casefold()] = authors
    return aliases


def parse_model_map(text: str, *, source: str = MODEL_MAP_FILE) -> ModelMap:
    """Read the overrides file strictly: unknown sections, duplicates or a pair both forced and
    forbidden are `ConfigError`s naming the line. An empty file is an empty map."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{source}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if root is None:
        return ModelMap()
    sections = _pairs(source, root, "the top level")
    match: dict[str, str] = {}
    never: dict[tuple[str, str], Node] = {}
    organizations: dict[str, tuple[str, ...]] = {}
    for key_node, value in sections:
        section = _text(source, key_node, "a section name")
        if section not in _SECTIONS:
            raise _fail(source, key_node, f"unknown key {section!r} (expected one of: {', '.join(_SECTIONS)})")
        if isinstance(value, ScalarNode) and value.tag == "tag:yaml.org,2002:null":
            continue  # an empty section
        if section == "match":
            match = _match(source, value)
        elif section == "never":
            never = _never(source, value)
        else:
            organizations = _organizations(source, value)
    for (arena_key, target), item in never.items():
        if match.get(arena_key) == target:
            raise _fail(source, item, f"{arena_key!r} -> {target!r} is both in `match` and in `never`")
    return ModelMap(match=match, never=frozenset(never), organizations=organizations)


def load_model_map() -> ModelMap:
    """The reviewed overrides shipped inside the package."""
    text = resources.files("tracker").joinpath(MODEL_MAP_FILE).read_text(encoding="utf-8")
    return parse_model_map(text)
