"""Typed recipes: base chains, --set overrides, and errors that name the key and the file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

import pytest
import yaml

from jiniac_hpc.config import ConfigError, check, dump_yaml, field, from_dict, load_recipe, parse_override, to_dict
from jiniac_hpc.launch.selftest import SelfTestConfig

ASSETS = Path(__file__).parent / "assets" / "recipes"


def load(name, overrides=None):
    return load_recipe("selftest", SelfTestConfig, ASSETS / name, overrides)


def test_base_chain_and_override():
    cfg = load("child.yaml", ["job.nodes=3", "ranks_per_node=4"])
    assert cfg.array_tasks == 5          # child overrides base
    assert cfg.job.time_min == 5         # inherited from base
    assert cfg.job.nodes == 3 and cfg.ranks_per_node == 4  # --set


def test_unknown_key_names_key_and_file():
    with pytest.raises(ConfigError) as e:
        load("bad_key.yaml")
    msg = str(e.value)
    assert "job.nodez" in msg and "bad_key.yaml" in msg and "nodes" in msg  # suggests valid keys


def test_impossible_value_names_key_and_file():
    with pytest.raises(ConfigError) as e:
        load("bad_value.yaml")
    assert "array_tasks" in str(e.value) and "bad_value.yaml" in str(e.value)


def test_wrong_type_names_key_and_file():
    with pytest.raises(ConfigError) as e:
        load("bad_type.yaml")
    assert "ranks_per_node" in str(e.value) and "bad_type.yaml" in str(e.value)


def test_bad_override_names_set():
    with pytest.raises(ConfigError) as e:
        load("child.yaml", ["job.nodes=-1"])
    assert "nodes" in str(e.value) and "--set" in str(e.value)
    with pytest.raises(ConfigError) as e:
        load("child.yaml", ["job.gpuz=1"])
    assert "job.gpuz" in str(e.value) and "--set" in str(e.value)
    with pytest.raises(ConfigError) as e:      # a misspelt section: --set set a key under it
        load("child.yaml", ["jbo.nodes=1"])
    assert str(e.value).startswith("unknown key jbo (from --set)"), str(e.value)


def test_override_reaches_list_entries_as_errors_name_them():
    from jiniac_hpc.config import load_raw
    from jiniac_hpc.corpus.config import CorpusConfig

    data, _ = load_raw("corpus", "debug")
    name0, n = data["sources"][0]["name"], len(data["sources"])
    cfg = load_recipe("corpus", CorpusConfig, "debug", ["sources[0].paths=[a.txt, b.txt]",
                                                        "sources[0].paths[1]=c.txt", "sources[1].lang=en"])
    assert [str(p) for p in cfg.sources[0].paths] == ["a.txt", "c.txt"] and cfg.sources[0].name == name0
    assert cfg.sources[1].lang == "en"
    with pytest.raises(ConfigError, match=r"unknown key sources\[0\]\.pathz \(from --set\)"):
        load_recipe("corpus", CorpusConfig, "debug", ["sources[0].pathz=x"])
    with pytest.raises(ConfigError, match=rf"sources has {n} entries; there is no \[{n}\]"):
        load_recipe("corpus", CorpusConfig, "debug", [f"sources[{n}].lang=en"])
    with pytest.raises(ConfigError, match=r"sources is a list; name an entry, e\.g\. sources\[0\]\.lang"):
        load_recipe("corpus", CorpusConfig, "debug", ["sources.lang=en"])
    with pytest.raises(ConfigError, match=r"job is not a list"):
        load_recipe("corpus", CorpusConfig, "debug", ["job[0]=1"])
    with pytest.raises(ConfigError, match=r"cannot read key part 'sources\[0\]lang'"):
        load_recipe("corpus", CorpusConfig, "debug", ["sources[0]lang=en"])


def test_override_values_are_typed():
    assert parse_override("train.lr=1e-4") == ("train.lr", 1e-4)
    assert parse_override("a=3") == ("a", 3)
    assert parse_override("a=[x, y]") == ("a", ["x", "y"])
    assert parse_override("a=true") == ("a", True)
    with pytest.raises(ConfigError):
        parse_override("no-equals-sign")


@dataclass
class Inner:
    mode: Literal["a", "b"] = field("a", doc="mode")
    weights: dict[str, float] = field(default_factory=dict, doc="weights")


@dataclass
class Outer:
    name: str = field(doc="name")
    inner: Inner = field(default_factory=Inner, doc="inner")
    items: list[Inner] = field(default_factory=list, doc="list of sections")
    maybe: Optional[int] = field(None, doc="optional")

    def __post_init__(self):
        check(self.name != "", "name", "must not be empty")


def test_nested_lists_literals_and_roundtrip(tmp_path):
    cfg = from_dict(Outer, {"name": "x", "inner": {"mode": "b", "weights": {"ja": 1}},
                            "items": [{"mode": "a"}, {"mode": "b"}], "maybe": None}, origin="t.yaml")
    assert cfg.inner.weights == {"ja": 1.0} and isinstance(cfg.inner.weights["ja"], float)
    assert [i.mode for i in cfg.items] == ["a", "b"]
    dump_yaml(cfg, tmp_path / "config.yaml")
    again = from_dict(Outer, yaml.safe_load((tmp_path / "config.yaml").read_text()))
    assert to_dict(again) == to_dict(cfg)
    with pytest.raises(ConfigError, match=r"items\[1\].mode.*t.yaml"):
        from_dict(Outer, {"name": "x", "items": [{"mode": "a"}, {"mode": "c"}]}, origin="t.yaml")
    with pytest.raises(ConfigError, match="name.*must not be empty"):
        from_dict(Outer, {"name": ""})


def test_unknown_recipe_lists_known():
    with pytest.raises(ConfigError, match="known recipes.*debug"):
        load_recipe("selftest", SelfTestConfig, "no-such-recipe")


def test_describe_enters_lists_of_sections():
    from jiniac_hpc.config import describe

    rows = {k: (tp, doc) for k, tp, doc in describe(Outer)}
    assert rows["items"] == ("list[Inner]", "list of sections")
    assert rows["items[].mode"] == ("Literal['a', 'b']", "mode") and rows["items[].weights"][0] == "dict[str, float]"
    assert rows["inner.mode"][1] == "mode" and rows["maybe"][0] == "Optional[int]"


@dataclass
class _Scalars:
    f: float = 0.0
    i: int = 0
    b: bool = False
    s: str = ""


@pytest.mark.parametrize("key,value,what", [("f", True, "a number"), ("i", 2.0, "an integer"),
                                            ("i", False, "an integer"), ("b", 1, "true or false"),
                                            ("s", 1, "a string")])
def test_scalars_are_checked_and_a_bool_is_no_number(key, value, what):
    with pytest.raises(ConfigError, match=rf"^{key} \(from <dict>\): expected {what}, got {value!r}$"):
        from_dict(_Scalars, {key: value})
    assert from_dict(_Scalars, {"f": 3, "i": 2, "b": True, "s": "x"}) == _Scalars(3.0, 2, True, "x")
    assert isinstance(from_dict(_Scalars, {"f": 3}).f, float)
