"""Typed configs and YAML recipes.

Every component owns a ``@dataclass`` Config whose fields carry a ``doc`` in their metadata
and whose ``__post_init__`` validates values. This module turns YAML recipes into those
dataclasses:

    from jiniac_hpc.config import load_recipe
    cfg = load_recipe("pretrain", "debug", overrides=["schedule.lr=1e-4"])

A recipe is ``jiniac_hpc/recipes/<stage>/<name>.yaml`` (or any path to a YAML file). It may
start with ``base: <name or relative path>`` and then override only a few fields; bases
chain. ``--set key.sub=value`` overrides are parsed as YAML scalars (so ``1e-4`` is a float,
``[a, b]`` a list) and applied last.

Every error (unknown key, wrong type, impossible value) is a :class:`ConfigError` that names
the dotted key and the file (or ``--set``) the value came from, so a bad recipe fails on the
login node before anything is submitted.
"""
from __future__ import annotations

import copy
import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Mapping, TypeVar, Union, get_args, get_origin, get_type_hints

import yaml

from jiniac_hpc import fileio
from jiniac_hpc.errors import ConfigError  # noqa: F401  (re-exported: callers import it from here)

RECIPE_DIR = Path(__file__).parent / "recipes"
T = TypeVar("T")


def field(default: Any = dataclasses.MISSING, *, doc: str, default_factory: Any = dataclasses.MISSING):
    """A dataclass field with documentation (shown by ``jiniac explain``)."""
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata={"doc": doc})
    return dataclasses.field(default=default, metadata={"doc": doc})


def check(cond: bool, key: str, msg: str) -> None:
    """Raise a ValueError naming ``key`` unless ``cond``; used inside ``__post_init__``."""
    if not cond:
        raise ValueError(f"{key}: {msg}")


# ---------------------------------------------------------------------------------------------
# Loading YAML with provenance
# ---------------------------------------------------------------------------------------------


def recipe_path(stage: str, name: str | Path) -> Path:
    """Resolve a recipe name (``debug``) or a path (``my.yaml``) to a file."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p.resolve()
    cand = RECIPE_DIR / stage / f"{name}.yaml"
    if cand.exists():
        return cand
    known = sorted(x.stem for x in (RECIPE_DIR / stage).glob("*.yaml"))
    raise ConfigError(f"no recipe {str(name)!r} for stage {stage!r}; known recipes: {known} "
                      f"(or pass a path to a .yaml file)")


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a recipe must be a mapping at the top level, got {type(data).__name__}")
    return data


def _merge(dst: dict, src: Mapping, prov: dict, origin: str, prefix: str = "") -> None:
    """Deep-merge ``src`` into ``dst``, recording for every leaf key the file it came from."""
    for k, v in src.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and isinstance(dst.get(k), dict):
            _merge(dst[k], v, prov, origin, key + ".")
        else:
            dst[k] = copy.deepcopy(v)
            _mark(prov, key, v, origin)


def _mark(prov: dict, key: str, v: Any, origin: str) -> None:
    prov[key] = origin
    if isinstance(v, Mapping):
        for k, sub in v.items():
            _mark(prov, f"{key}.{k}", sub, origin)


def load_raw(stage: str, name: str | Path, _seen: tuple = ()) -> tuple[dict, dict]:
    """Load a recipe and its ``base`` chain. Returns (merged dict, provenance by dotted key)."""
    path = recipe_path(stage, name) if not _seen else Path(name)
    if path in _seen:
        raise ConfigError(f"{path}: base recipes form a cycle: {' -> '.join(map(str, _seen + (path,)))}")
    data = _read_yaml(path)
    base = data.pop("base", None)
    merged: dict = {}
    prov: dict = {}
    if base is not None:
        if not isinstance(base, str):
            raise ConfigError(f"{path}: key 'base' must be a recipe name or path, got {base!r}")
        rel = (path.parent / base)
        base_path = rel if rel.suffix in (".yaml", ".yml") and rel.exists() else recipe_path(stage, base)
        merged, prov = load_raw(stage, base_path, _seen + (path,))
    _merge(merged, data, prov, str(path))
    return merged, prov


def parse_override(item: str) -> tuple[str, Any]:
    """``'schedule.lr=1e-4'`` -> ``('schedule.lr', 1e-4)``; the value is parsed as YAML."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set job.nodes=2")
    key, _, text = item.partition("=")
    key = key.strip()
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text
    # YAML 1.1 reads 1e-4 as a string; a user writing a number means a number.
    if isinstance(value, str):
        try:
            value = float(value) if any(c in value.lower() for c in ".e") else int(value)
        except ValueError:
            pass
    return key, value


#: One step of an override's key: a name, then any list indices (``sources[0]``, ``x[1][2]``).
_KEY_PART = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


def _key_steps(item: str, key: str) -> list[str | int]:
    """``'sources[0].paths'`` -> ``['sources', 0, 'paths']``: the keys an error names can be set."""
    steps: list[str | int] = []
    for part in key.split("."):
        m = _KEY_PART.match(part)
        if not m:
            raise ConfigError(f"--set {item}: cannot read key part {part!r} (write a.b, or a[0].b for a list entry)")
        steps.append(m.group(1))
        steps += [int(i) for i in re.findall(r"\d+", m.group(2))]
    return steps


def apply_overrides(data: dict, prov: dict, overrides: list[str] | None) -> None:
    for item in overrides or []:
        key, value = parse_override(item)
        steps = _key_steps(item, key)
        node: Any = data
        for i, step in enumerate(steps):
            _check_step(item, node, step, steps[:i])
            if i == len(steps) - 1:
                node[step] = value
            else:
                if isinstance(step, str) and node.get(step) is None:   # a new section: a typo is named
                    node[step] = [] if isinstance(steps[i + 1], int) else {}   # when the config is built
                node = node[step]
        _mark(prov, _key_text(steps), value, "--set")


def _check_step(item: str, node: Any, step: str | int, before: list[str | int]) -> None:
    """Can ``step`` be taken from ``node`` (reached by ``before``)? Else one line naming the key."""
    where = _key_text(before)
    if isinstance(step, int):
        if not isinstance(node, list):
            raise ConfigError(f"--set {item}: {where} is not a list")
        if step >= len(node):
            raise ConfigError(f"--set {item}: {where} has {len(node)} entries; there is no [{step}]")
    elif isinstance(node, list):
        raise ConfigError(f"--set {item}: {where} is a list; name an entry, e.g. {where}[0].{step}")
    elif not isinstance(node, dict):
        raise ConfigError(f"--set {item}: {where} is a value, not a section")


def _key_text(steps: list[str | int]) -> str:
    """``['sources', 0, 'paths']`` -> ``'sources[0].paths'``, as errors name keys."""
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else s)
    return out


# ---------------------------------------------------------------------------------------------
# Dict -> typed dataclass, with key-naming errors
# ---------------------------------------------------------------------------------------------


def _where(prov: dict, key: str) -> str:
    """The file (or ``--set``) that set ``key`` (or a key under it: ``--set schedul.lr=...`` sets the
    unknown section ``schedul``), or the nearest enclosing section or list."""
    if key not in prov:
        under = [o for k, o in prov.items() if k.startswith((key + ".", key + "["))]
        if under:
            return under[-1]
    while key not in prov:
        if key.endswith("]"):
            key = key[: key.rfind("[")]
        elif "." in key:
            key = key.rsplit(".", 1)[0]
        else:
            return "defaults"
    return prov[key]


# What a scalar annotation accepts; a bool (an int to Python) is never a number here.
_SCALARS = {float: ("a number", (int, float)), int: ("an integer", int), bool: ("true or false", bool),
            str: ("a string", str)}


def _coerce(tp: Any, value: Any, key: str, prov: dict) -> Any:
    """Check ``value`` against the annotation ``tp`` and convert where lossless (int -> float)."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(a, value, key, prov)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if len(errors) == 1 else
                          f"{key} (from {_where(prov, key)}): {value!r} matches none of {tp}")
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            raise ConfigError(f"{key} (from {_where(prov, key)}): {value!r} is not one of {list(choices)}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key} (from {_where(prov, key)}): expected a list, got {value!r}")
        (item_tp, *_) = get_args(tp) or (Any,)
        return [_coerce(item_tp, v, f"{key}[{i}]", prov) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key} (from {_where(prov, key)}): expected a mapping, got {value!r}")
        _, val_tp = get_args(tp) or (Any, Any)
        return {str(k): _coerce(val_tp, v, f"{key}.{k}", prov) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key} (from {_where(prov, key)}): expected a section (mapping), got {value!r}")
        return _build(tp, value, prov, key + ".")
    if isinstance(tp, type) and tp in _SCALARS:
        what, ok = _SCALARS[tp]
        if not isinstance(value, ok) or (isinstance(value, bool) and tp is not bool):
            raise ConfigError(f"{key} (from {_where(prov, key)}): expected {what}, got {value!r}")
        return float(value) if tp is float else value
    if isinstance(tp, type) and not isinstance(value, tp):
        raise ConfigError(f"{key} (from {_where(prov, key)}): expected {tp.__name__}, got {value!r}")
    return value


def _build(cls: type[T], data: Mapping, prov: dict, prefix: str = "") -> T:
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in data if k not in fields]
    if unknown:
        k = unknown[0]
        raise ConfigError(f"unknown key {prefix}{k!s} (from {_where(prov, prefix + str(k))}); "
                          f"valid keys{' under ' + prefix[:-1] if prefix else ''}: {sorted(fields)}")
    kwargs = {name: _coerce(hints[name], data[name], prefix + name, prov) for name in data}
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (ValueError, TypeError) as e:
        msg = str(e)
        # __post_init__ messages start with the field name; point at the file that set it.
        fname = msg.split(":", 1)[0].strip()
        origin = _where(prov, prefix + fname) if fname in fields else _where(prov, prefix[:-1])
        raise ConfigError(f"{prefix}{msg} (from {origin})") from None


def from_dict(cls: type[T], data: Mapping, prov: dict | None = None, origin: str = "<dict>") -> T:
    """Build a typed config from a plain dict; errors name the key and ``origin``."""
    if prov is None:
        prov = {}
        _mark_all(prov, data, origin)
    return _build(cls, data, prov)


def _mark_all(prov: dict, data: Mapping, origin: str, prefix: str = "") -> None:
    for k, v in data.items():
        _mark(prov, f"{prefix}{k}", v, origin)


def load_recipe(stage: str, cls: type[T], name: str | Path, overrides: list[str] | None = None) -> T:
    """Load recipe ``name`` of ``stage`` (with its bases and ``--set`` overrides) into ``cls``."""
    data, prov = load_raw(stage, name)
    apply_overrides(data, prov, overrides)
    return _build(cls, data, prov)


def to_dict(cfg: Any) -> Any:
    """A dataclass config as plain YAML-friendly data (the inverse of :func:`from_dict`)."""
    if dataclasses.is_dataclass(cfg):
        return {f.name: to_dict(getattr(cfg, f.name)) for f in dataclasses.fields(cfg) if f.init}
    if isinstance(cfg, (list, tuple)):
        return [to_dict(v) for v in cfg]
    if isinstance(cfg, dict):
        return {k: to_dict(v) for k, v in cfg.items()}
    if isinstance(cfg, Path):
        return str(cfg)
    return cfg


def dump_yaml(cfg: Any, path: Path) -> None:
    """Write the resolved config (``config.yaml`` in a run directory), atomically."""
    fileio.atomic_write(path, yaml.safe_dump(to_dict(cfg), sort_keys=False, allow_unicode=True))


def changed_keys(cfg: Any, saved: Path) -> dict[str, tuple[Any, Any]]:
    """``{dotted key: (saved value, value in cfg)}`` for every key where ``cfg`` differs from the
    config :func:`dump_yaml` wrote to ``saved`` (a missing key is None); {} without that file."""
    if not saved.exists():
        return {}
    old, new = _flat(yaml.safe_load(saved.read_text()) or {}), _flat(to_dict(cfg))
    return {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def _flat(d: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists stay values)."""
    out: dict = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _inner_dataclass(tp) -> tuple[str, type] | None:
    """('[]', X) for list[X], ('.<key>', X) for dict[str, X], ('', X) for Optional[X], X a dataclass."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is list and args and dataclasses.is_dataclass(args[0]):
        return "[]", args[0]
    if origin is dict and len(args) == 2 and dataclasses.is_dataclass(args[1]):
        return ".<key>", args[1]
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and dataclasses.is_dataclass(inner[0]):
            return "", inner[0]
    return None


def _type_name(tp) -> str:
    """list[SourceConfig], Optional[int], Literal['a', 'b'], str: short and readable."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is None:
        return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")
    if origin is Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) < len(args) and len(inner) == 1:
            return f"Optional[{_type_name(inner[0])}]"
        return " | ".join(_type_name(a) for a in args)
    return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(a) for a in args)}]"


def describe(cls: type, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted key, type, doc) for every field, recursively (also into list/dict/Optional of
    dataclasses: ``sources[].reader``); used by ``jiniac explain``."""
    rows = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        name = _type_name(tp)
        if dataclasses.is_dataclass(tp):
            rows += describe(tp, f"{prefix}{f.name}.")
        elif (inner := _inner_dataclass(tp)) is not None:
            rows.append((prefix + f.name, name, f.metadata.get("doc", "")))
            rows += describe(inner[1], f"{prefix}{f.name}{inner[0]}.")
        else:
            rows.append((prefix + f.name, name, f.metadata.get("doc", "")))
    return rows


__all__ = ["ConfigError", "field", "check", "load_recipe", "from_dict", "to_dict", "dump_yaml",
           "describe", "recipe_path", "RECIPE_DIR", "typing"]
