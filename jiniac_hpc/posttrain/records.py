"""Reading post-training records, with every bad one reported by file and line.

    from jiniac_hpc.posttrain.records import read_examples, read_pairs
    examples, bad = read_examples(path, "auto", name, markers=fmt.markers)

A source is a JSONL file (plain, ``.gz`` or ``.zst``), a ``.json`` file holding one JSON array of
records or one record (the line given for a record is the line it starts on), a Parquet, Arrow,
CSV or TSV file (:mod:`.tables`; rows count as "lines", 1-based; a CSV row's is the line it starts
on), a folder of such files (a Hub dataset's ``data/`` folder of Parquet shards), or a folder
written by ``datasets.Dataset.save_to_disk``. Excel workbooks are refused with one line.
Every record becomes a normalised :class:`Example` or a :class:`BadRecord` (``file:line:
reason``); nothing here raises on bad data, so one broken line never stops a job. What to do with
bad records (skip and report, or reject the run) is the caller's choice (``data.on_bad_record``).

SFT record forms (``format: auto`` decides by the keys of each record):

- ``instruction``: ``{"instruction", "input"?, "output"}`` -> llm-jp template prompt, output;
- ``chat``: ``{"messages": [{"role", "content"}, ...]}`` -> loss on every assistant turn;
- ``prompt_completion``: ``{"prompt", "completion"}`` -> raw prompt, completion;
- ``math``: ``{"question", "answer", "level"}`` -> :mod:`.mathfmt`, then as instruction;
- ``sharegpt``: ``{"conversations": [{"from", "value"}, ...]}`` -> as chat (:mod:`.native`);
- ``dolly``: ``{"instruction", "context", "response"}`` -> as instruction (context is the input);
- (``auto`` only) ichikara-instruction ``{"ID", "text", "output"}`` and the Aya dataset's
  ``{"inputs", "targets"}`` -> as instruction; Alpaca rows with LLaMA-Factory's ``history`` or
  ``system`` filled -> as chat, every turn kept (:mod:`.native`);
- ``llm_jp_text``: ``{"text"}`` already in the llm-jp template -> prompt / completion split at the
  last ``### 応答:`` line (llm-jp-sft's data format);
- ``oasst``: OpenAssistant message rows or trees -> conversations along the best-ranked replies
  (:mod:`.oasst`); ``oasst_all``: every conversation path of the trees.

DPO pairs: ``{"prompt" | "messages" | "instruction"+"input", "chosen", "rejected"}``; the prompt
is rendered like SFT prompts (see :func:`prompt_of`). Answers given as messages (TRL's
conversational form, UltraFeedback-binarized, ShareGPT pairs), OpenAI preference rows,
Anthropic HH-RLHF transcripts and prompts that carry a system prompt or earlier turns (prompt
messages, a ``system`` column, Intel/orca_dpo_pairs' ``question``) are mapped by :mod:`.native`,
and so are OpenAssistant threads for SFT. OpenAssistant message rows and message trees (oasst1/oasst2, the ja translations) are
joined over the whole source by :mod:`.oasst`: conversations along the best-ranked replies for
SFT (format ``auto`` or ``oasst``), ranked sibling replies as pairs for DPO.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from jiniac_hpc import fileio
from jiniac_hpc.paths import resolve_path
from jiniac_hpc.posttrain.mathfmt import MathError, MathFormatConfig, format_record
from jiniac_hpc.posttrain.native import Skipped, pair_record, read_json_file, sft_record
from jiniac_hpc.posttrain.oasst import Trees, is_oasst_row
from jiniac_hpc.posttrain.tables import TABLE_FILES, plain_row, table_rows
from jiniac_hpc.posttrain.templates import RESPONSE_MARK, check_messages, render_instruction, render_turns

FORMATS = ("auto", "instruction", "chat", "prompt_completion", "math", "sharegpt", "dolly", "llm_jp_text", "oasst",
           "oasst_all")


@dataclass
class BadRecord:
    """A record not trained on: bad data, or (``left_out`` set) a well-formed record the source's
    own verdict or a selection leaves out (an OpenAssistant message that is deleted, or not on the
    best-ranked path: :data:`.oasst.LEFT_OUT`), which is counted but is no bad data."""

    file: str
    line: int
    reason: str
    source: str = ""
    left_out: str = ""
    skipped: str = ""       # a JSON-array record skipped as invalid JSON: the parser's reason
    nbytes: int = 0         # ... and its size in bytes

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "reason": self.reason, "source": self.source,
                **({"left_out": self.left_out} if self.left_out else {}),
                **({"skipped": self.skipped, "bytes": self.nbytes} if self.skipped else {})}


def skipped_json(records: list[BadRecord]) -> dict[str, dict[str, dict[str, int]]]:
    """``{"skipped_json": {reason: {"records", "bytes"}}}``: the JSON-array records skipped as
    invalid JSON, by the parser's reason (a report's entry); ``{}`` when there is none."""
    counts: dict[str, dict[str, int]] = {}
    for r in records:
        if r.skipped:
            c = counts.setdefault(r.skipped, {"records": 0, "bytes": 0})
            c["records"] += 1
            c["bytes"] += r.nbytes
    return {"skipped_json": counts} if counts else {}


def split_left_out(records: list[BadRecord]) -> tuple[list[BadRecord], dict[str, int]]:
    """(the bad records, count of the left-out ones by category)."""
    counts: dict[str, int] = {}
    for r in records:
        if r.left_out:
            counts[r.left_out] = counts.get(r.left_out, 0) + 1
    return [r for r in records if not r.left_out], counts


@dataclass
class Example:
    """One normalised training record. ``prompt``+``completion`` or ``messages`` is set."""

    source: str
    file: str
    line: int
    prompt: Optional[str] = None
    completion: Optional[str] = None
    messages: Optional[list] = None
    meta: Optional[dict] = None  # the original record (dpo-data keeps its fields)


def is_datasets_dir(p: Path) -> bool:
    return p.is_dir() and ((p / "dataset_info.json").exists() or (p / "state.json").exists())


# Files a folder source reads; a file named directly is read as JSON Lines unless it is a JSON
# array (.json), a table (.parquet, .arrow, .csv, .tsv) or a workbook named in NOT_READ.
RECORD_FILES = (".jsonl", ".json", ".jsonl.gz", ".jsonl.bz2", ".jsonl.xz", ".jsonl.zst") + TABLE_FILES
NOT_READ = (".xlsx", ".xls", ".ods")


def data_files(path: Path) -> list[Path]:
    """The record files of a source path (a file, or a folder of ``*.jsonl`` / ``*.json`` /
    ``*.jsonl.gz`` / ``.bz2`` / ``.xz`` / ``.zst`` / ``*.parquet`` / ``*.arrow`` / ``*.csv`` / ``*.tsv``)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(RECORD_FILES))
    return []


def not_read_reason(f: Path) -> str:
    """Why ``f`` cannot be read as records ("" when it can)."""
    if f.suffix.lower() not in NOT_READ:
        return ""
    return f"{f.suffix} workbooks are not read here: save the sheet as CSV UTF-8, or the rows as JSON Lines"


def check_data_path(path: str, key: str, hint: str = "") -> None:
    """Login-node check that ``path`` holds records; a ConfigError naming ``key`` otherwise."""
    from jiniac_hpc.config import ConfigError

    p = resolve_path(path)
    files = data_files(p)
    why = next((w for w in map(not_read_reason, files) if w), "")
    if why:
        raise ConfigError(f"{key}: {path}: {why}")
    if not (is_datasets_dir(p) or files):
        raise ConfigError(f"{key}: {path} is not a JSONL, JSON-array, Parquet or CSV file, a folder of them or a "
                          f"datasets folder{hint}")


def iter_rows(path: str | Path) -> Iterator[tuple[str, int, Any]]:
    """(file, 1-based line, parsed object or BadRecord) for every line/row of a source."""
    p = Path(path)
    if is_datasets_dir(p):
        import datasets  # lazy: only jobs read datasets folders

        ds = datasets.load_from_disk(str(p))
        if isinstance(ds, datasets.DatasetDict):
            ds = ds["train"]
        for i, row in enumerate(ds):
            n, obj = plain_row(i + 1, dict(row))
            yield str(p), n, BadRecord(str(p), n, str(obj)) if isinstance(obj, ValueError) else obj
        return
    files = data_files(p)
    if not files:
        yield str(p), 0, BadRecord(str(p), 0, "no such file, or a folder without record files (*.jsonl, *.json, "
                                              "*.parquet, *.csv...)")
        return
    # A bad line is a BadRecord (reported with file:line), and the rest is still read.
    for f in files:
        why = not_read_reason(f)
        if why:
            yield str(f), 0, BadRecord(str(f), 0, why)
            continue
        records = (table_rows(f) if f.suffix.lower() in TABLE_FILES
                   else read_json_file(f) if f.suffix == ".json" else None)
        if records is not None:
            for n, obj in records:
                if isinstance(obj, Skipped):
                    obj = BadRecord(str(f), n, str(obj), skipped=obj.kind, nbytes=obj.nbytes)
                elif isinstance(obj, ValueError):
                    obj = BadRecord(str(f), n, str(obj))
                elif not isinstance(obj, dict):
                    obj = BadRecord(str(f), n, f"expected a JSON object, got {type(obj).__name__}")
                yield str(f), n, obj
            continue
        for n, obj in fileio.read_jsonl(f, numbered=True, keep_bad=True):
            if isinstance(obj, fileio.JsonlError):
                obj = BadRecord(str(f), n, obj.reason)
            elif not isinstance(obj, dict):
                obj = BadRecord(str(f), n, f"expected a JSON object, got {type(obj).__name__}")
            yield str(f), n, obj


def detect_format(obj: dict) -> Optional[str]:
    if "messages" in obj:
        return "chat"
    if "instruction" in obj or "output" in obj:
        return "instruction"
    if "prompt" in obj or "completion" in obj:
        return "prompt_completion"
    if "question" in obj:
        return "math"
    return None


def _str_field(obj: dict, key: str, *, required: bool = True, nonempty: bool = True) -> tuple[Optional[str], str]:
    """(value, error) for a string field."""
    if key not in obj or obj[key] is None:
        return None, (f"missing field {key!r}" if required else "")
    v = obj[key]
    if not isinstance(v, str):
        return None, f"field {key!r} must be a string, got {type(v).__name__}"
    if nonempty and not v.strip():
        return None, f"field {key!r} is empty"
    return v, ""


def to_example(obj: dict, fmt: str, file: str, line: int, source: str, *, markers: list[str],
               math: Optional[MathFormatConfig] = None) -> Example | BadRecord:
    """One parsed record -> Example, or BadRecord with the reason."""
    bad = lambda reason: BadRecord(file, line, reason, source)  # noqa: E731
    obj, err = sft_record(obj, fmt)
    if err:
        return bad(err)
    if fmt in ("sharegpt", "dolly", "llm_jp_text", "oasst", "oasst_all"):
        fmt = "auto"
    kind = detect_format(obj) if fmt == "auto" else fmt
    if kind is None:
        return bad(f"cannot tell the record's format from its keys {sorted(obj)[:6]}; expected "
                   "instruction/output, messages, conversations, instruction/response, text, prompt/completion or "
                   "question/answer")
    if kind == "math":
        try:
            ins, out = format_record(obj, math or MathFormatConfig())
        except MathError as e:
            return bad(str(e))
        return Example(source, file, line, prompt=render_instruction(ins), completion=out)
    if kind == "instruction":
        ins, err = _str_field(obj, "instruction")
        if err:
            return bad(err)
        inp, err = _str_field(obj, "input", required=False, nonempty=False)
        if err:
            return bad(err)
        out, err = _str_field(obj, "output")
        if err:
            return bad("empty response: " + err if "empty" in err else err)
        return Example(source, file, line, prompt=render_instruction(ins, inp or ""), completion=out)
    if kind == "prompt_completion":
        prompt, err = _str_field(obj, "prompt")
        if err:
            return bad(err)
        comp, err = _str_field(obj, "completion")
        if err:
            return bad("empty response: " + err if "empty" in err else err)
        return Example(source, file, line, prompt=prompt, completion=comp)
    if kind == "chat":
        why = check_messages(obj.get("messages"), markers)
        if why:
            return bad(why)
        msgs = []
        for i, m in enumerate(obj["messages"]):
            # OpenAI's fine-tuning format: "weight": 0 on an assistant turn keeps it as context
            # but trains nothing on it (encode.render leaves it out of the loss spans).
            # (None: a datasets folder fills the key in on turns that lack it.)
            w = m.get("weight")
            if w is not None and not (m["role"] == "assistant" and w in (0, 1)):
                return bad(f"messages[{i}].weight must be 0 or 1, on an assistant turn")
            msgs.append({"role": m["role"], "content": m["content"], **({"weight": w} if w is not None else {})})
        return Example(source, file, line, messages=msgs)
    return bad(f"unknown format {kind!r}")


def read_examples(path: str, fmt: str, source: str, *, markers: list[str],
                  math: Optional[MathFormatConfig] = None, limit: Optional[int] = None
                  ) -> tuple[list[Example], list[BadRecord]]:
    good: list[Example] = []
    bad: list[BadRecord] = []
    trees = Trees()  # OpenAssistant messages are joined over the whole source, then read
    for file, line, obj in iter_rows(path):
        if limit is not None and len(good) >= limit:
            break
        if isinstance(obj, BadRecord):
            obj.source = source
            bad.append(obj)
            continue
        if fmt in ("auto", "oasst", "oasst_all") and is_oasst_row(obj):
            trees.add(file, line, obj)
            continue
        if fmt in ("oasst", "oasst_all"):
            bad.append(BadRecord(file, line, "not an OpenAssistant message or tree row (message_id, parent_id, role; "
                                             "or message_tree_id and prompt)", source))
            continue
        ex = to_example(obj, fmt, file, line, source, markers=markers, math=math)
        (bad if isinstance(ex, BadRecord) else good).append(ex)
    for file, line, item, *category in trees.conversations(every=fmt == "oasst_all"):
        if isinstance(item, str):
            bad.append(BadRecord(file, line, item, source, *category))
        elif limit is None or len(good) < limit:
            ex = to_example({"messages": item}, "chat", file, line, source, markers=markers)
            (bad if isinstance(ex, BadRecord) else good).append(ex)
    return good, bad


# ------------------------------------------------------------------------------------------ DPO


def prompt_of(obj: dict, style: str) -> tuple[Optional[str | list], str]:
    """The prompt of a DPO / dpo-data record: a string, or messages (for the chat template).

    ``{"instruction", "input"?}`` -> llm-jp template; ``{"prompt": str}`` -> per ``style``:
    ``instruction`` (the string is the instruction), ``chat`` (one user turn) or ``raw`` (used as
    is; a string already ending with the llm-jp template's ``### 応答:`` line is refused under the
    other two, which would frame it twice); ``{"messages": [...]}`` (without the final assistant
    answer) -> per ``style`` too (:func:`_framed`): ``instruction`` renders the user turns and
    the answers between them in the llm-jp template (as llm-jp-dpo does) and refuses a system
    turn; ``chat`` and ``raw`` keep the messages for the chat template.
    """
    if "messages" in obj:
        msgs = obj["messages"]
        if not isinstance(msgs, list) or not msgs or not all(
                isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role") in ("system", "user",
                                                                                                 "assistant")
                for m in msgs):
            return None, "'messages' must be a non-empty list of {role, content} objects"
        if msgs[-1]["role"] != "user":
            return None, "the prompt's last message must be the user's"
        msgs = [{"role": m["role"], "content": m["content"]} for m in msgs]
        return _framed(msgs, style)
    if "instruction" in obj:
        ins, err = _str_field(obj, "instruction")
        if err:
            return None, err
        inp, err = _str_field(obj, "input", required=False, nonempty=False)
        if err:
            return None, err
        return render_instruction(ins, inp or ""), ""
    p, err = _str_field(obj, "prompt")
    if err:
        return None, err
    if style != "raw" and p.endswith(RESPONSE_MARK):
        # Already rendered (llm-jp's own preference files are): framed again, the model would
        # learn from a template inside a template.
        return None, (f"the prompt is already in the llm-jp template (it ends with {RESPONSE_MARK.strip()!r}); "
                      f"prompt_style {style!r} would frame it again: set prompt_style: raw")
    if style == "instruction":
        return render_instruction(p), ""
    if style == "chat":
        return [{"role": "user", "content": p}], ""
    return p, ""


def _framed(msgs: list[dict], style: str) -> tuple[Optional[str | list], str]:
    """A prompt given as messages, framed as ``style`` says, or why it cannot be.

    The prompt must be framed as the SFT model was tuned (the pairs train that model): under
    ``instruction`` the turns go into the llm-jp template (:func:`render_turns`: one user turn is
    that turn's text as the instruction; earlier turns as llm-jp-dpo writes hh-rlhf-12k-ja's, each
    user turn a ``### 指示:`` block and each answer a ``### 応答:`` block); a system turn, or turns
    that do not run from a user turn to a user turn, have no place in that template and are a bad record rather than silently going through the chat template the model
    never saw. ``chat`` keeps the turns; so does ``raw``, which adds no frame to a string and
    leaves messages to the chat template, their own frame (a source mixing pre-rendered prompts
    and chat turns, as the tiny pipeline's held-out prompts do, reads both as SFT trained them).
    """
    if style != "instruction":
        return msgs, ""
    roles = [m["role"] for m in msgs]
    if roles[0] == roles[-1] == "user" and "system" not in roles:
        # (two answers in a row, as some HH-RLHF transcripts have, are two blocks there too)
        return render_turns([(m["role"], m["content"]) for m in msgs]), ""
    return None, (f"prompt_style is 'instruction' but the prompt's turns are {'/'.join(roles)}: the llm-jp "
                  "instruction template holds user turns and the answers between them, from a user turn to a "
                  "user turn, and no system turn; set prompt_style: chat for an SFT model tuned on the chat "
                  "template")


def read_pairs_rows(rows, style: str, *, need_rejected: bool = True, source: str = "") -> Iterator[Example | BadRecord]:
    """Rows from :func:`iter_rows` -> DPO Examples (or BadRecords).

    ``Example.prompt`` holds the rendered prompt (str) or ``messages`` the prompt turns;
    ``completion`` the chosen answer; ``meta`` the original record (with ``rejected``).
    ``need_rejected=False`` reads dpo-data input: prompts with their chosen answer only.
    """
    for file, line, obj in rows:
        if isinstance(obj, BadRecord):
            yield obj
            continue
        chosen = prompt = None
        obj, err = pair_record(obj)
        if not err:
            prompt, err = prompt_of(obj, style)
        if not err:
            chosen, err = _str_field(obj, "chosen")
            if err and "empty" in err:
                err = "empty response: " + err
        if not err and need_rejected:
            rej, err = _str_field(obj, "rejected")
            if err and "empty" in err:
                err = "empty response: " + err
            elif not err and rej == chosen:
                err = "'chosen' and 'rejected' are identical"
        if err:
            yield BadRecord(file, line, err, source)
            continue
        ex = Example(source, file, line, completion=chosen, meta=obj)
        if isinstance(prompt, list):
            ex.messages = prompt
        else:
            ex.prompt = prompt
        yield ex


def read_pairs(path: str, style: str, *, need_rejected: bool = True) -> tuple[list[Example], list[BadRecord]]:
    """All DPO pairs of a source: (good examples, bad records). OpenAssistant messages and
    trees are joined over the whole source and give their ranked pairs (:mod:`.oasst`)."""
    good: list[Example] = []
    bad: list[BadRecord] = []
    trees = Trees()

    def rows():     # streamed: the source's rows, then the OpenAssistant trees' ranked pairs
        for file, line, obj in iter_rows(path):
            if isinstance(obj, dict) and is_oasst_row(obj):
                trees.add(file, line, obj)
            else:
                yield file, line, obj
        for file, line, *item in trees.pairs():
            if isinstance(item[0], str):
                bad.append(BadRecord(file, line, item[0], Path(path).name, item[1]))
            else:
                prompt, chosen, rejected = item
                yield file, line, {"messages": prompt, "chosen": chosen, "rejected": rejected}

    for ex in read_pairs_rows(rows(), style, need_rejected=need_rejected, source=Path(path).name):
        (bad if isinstance(ex, BadRecord) else good).append(ex)
    return good, bad
