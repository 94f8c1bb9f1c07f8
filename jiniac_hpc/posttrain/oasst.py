"""OpenAssistant message trees -> SFT conversations and DPO pairs, every message accounted for.

    from jiniac_hpc.posttrain.oasst import Trees, is_oasst_row
    trees = Trees()
    for file, line, row in rows:
        if is_oasst_row(row):
            trees.add(file, line, row)
    for item in trees.conversations():  # (file, line, messages) or (file, line, reason, category)
        ...
    for item in trees.pairs():  # (file, line, prompt messages, chosen, rejected) or (file, line, reason, category)
        ...

OpenAssistant data (oasst1, oasst2) is distributed as message trees: a prompter's question, the
assistant replies to it (ranked against each other by volunteers: ``rank`` 0 is the best), the
prompter's follow-ups to each reply, and so on. The layouts read here, as they are downloaded:

- message rows (``*.messages.jsonl.gz``, the Hub's Parquet files): one message a row with
  ``message_id``, ``parent_id`` (null at the root), ``role`` (``prompter`` | ``assistant``),
  ``text``, ``rank``, ``deleted``, ``review_result``, ``tree_state``;
- tree rows (``*.trees.jsonl.gz``): ``{"message_tree_id", "tree_state", "prompt": {message,
  "replies": [message, ...]}}``, one whole tree a row; its messages all carry the row's line;
- the Japanese translation kunishou/oasst1-89k-ja (``oasst1_89k_ja_*.json``, one JSON array):
  message rows with ``text`` (the original) and ``text_ja`` (the translation, which is what is
  trained), ``parent_id`` the string ``"nan"`` at the root, ``ng_translation`` ``"1"``/``"1.0"``
  where the translation failed (``text_ja`` then holds the untranslated text), and no
  ``rank``/``deleted``/``review_result`` columns.

Messages are joined by ``message_id`` across every file of a source (the Hub splits train and
validation by tree, so no tree spans two sources).

SFT (:meth:`Trees.conversations`): one conversation per path from the root prompt that follows
the best-ranked reply at each prompt (what the "top-1" oasst derivatives train on) and every
follow-up prompt, ending at an assistant reply. Where a prompt's replies carry no rank at all
(a lone reply, or the ja translation, which dropped the column), every reply is followed. Each
conversation is reported at the line of its last message. Format ``oasst_all`` takes every path
instead (each reply, whatever its rank, and what follows it), as OpenAssistant's own SFT exports
of conversation threads do.

DPO (:meth:`Trees.pairs`): at each prompt with two or more ranked replies, the best-ranked reply
is chosen and each other ranked reply is rejected once (n replies give n - 1 pairs); the prompt
is the conversation from the root down to that prompt. A pair is reported at its rejected
reply's line.

A message that is in no conversation (or no pair) is one reason at its line, naming the message
and a category. Malformed data (a missing id or text, a wrong role, a duplicate id, an orphan
whose parent is not in the source, a tree that starts with a reply) has category "" and is bad
data like any bad record. A well-formed message left out by the dataset's own verdict (deleted,
failed or missing review, a tree not ready for export, a failed translation, below such a
message) or by the selection made here (not the best-ranked reply and what follows it, a prompt
nobody answered, no ranked sibling to pair with) is counted under its category (:data:`LEFT_OUT`),
not as bad data: on a whole oasst1 split most messages are left out by the selection alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

ROLES = {"prompter": "user", "assistant": "assistant"}
# Why a well-formed message is in no conversation (or pair): the dataset's own verdicts and the
# selection made here. Such messages are counted by category, not as bad data (on a whole oasst1
# split, most messages are left out by the best-ranked selection alone).
LEFT_OUT = ("deleted", "review_failed", "not_reviewed", "tree_not_ready", "translation_failed", "below_left_out",
            "not_best_ranked", "below_not_followed", "unanswered", "no_ranked_pair")
KEPT = {"message_id", "parent_id", "role", "text", "text_ja", "rank", "deleted", "review_result", "tree_state",
        "ng_translation"}


def is_message_row(obj: dict) -> bool:
    return obj.get("role") in ROLES and "message_id" in obj and "parent_id" in obj


def is_tree_row(obj: dict) -> bool:
    return "message_tree_id" in obj and isinstance(obj.get("prompt"), dict)


def is_oasst_row(obj: dict) -> bool:
    return is_message_row(obj) or is_tree_row(obj)


@dataclass
class Node:
    file: str
    line: int
    row: dict
    children: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.row["message_id"]

    @property
    def text(self) -> str:
        # The ja translation trains its Japanese text; the original stays in "text".
        return self.row["text_ja"] if "text_ja" in self.row else self.row["text"]

    @property
    def rank(self) -> Optional[int]:
        r = self.row.get("rank")
        return r if isinstance(r, (int, float)) and r == r else None  # NaN (pandas' missing) is no rank


def _root_parent(v: Any) -> bool:
    # null at the root; "nan" where pandas wrote a missing value as text (kunishou's ja files)
    return v is None or v == "" or (isinstance(v, str) and v.lower() == "nan") or (isinstance(v, float) and v != v)


def _failed_translation(v: Any) -> bool:
    try:
        return float(v) == 1.0
    except (TypeError, ValueError):
        return False


def own_reason(row: dict) -> tuple[str, str]:
    """(why a message is out by itself, its category) -- ("", "") when it is not. The category is
    "" for a malformed message (bad data) and names the dataset's own verdict otherwise."""
    mid = row.get("message_id")
    if not isinstance(mid, str) or not mid:
        return "OpenAssistant message: field 'message_id' must be a non-empty string", ""
    if row.get("role") not in ROLES:
        return f"OpenAssistant message {mid}: field 'role' is {row.get('role')!r}, expected 'prompter' or 'assistant'", ""
    key = "text_ja" if "text_ja" in row else "text"
    if not isinstance(row.get(key), str):
        return f"OpenAssistant message {mid}: field {key!r} must be a string", ""
    if row.get("deleted") is True:
        return f"OpenAssistant message {mid} deleted (deleted: true)", "deleted"
    if "review_result" in row and row["review_result"] is not True:
        if row["review_result"] is False:
            return f"OpenAssistant message {mid} failed review (review_result: false)", "review_failed"
        return f"OpenAssistant message {mid} not reviewed (review_result: null)", "not_reviewed"
    state = row.get("tree_state")
    if state is not None and state != "ready_for_export":
        return f"OpenAssistant message {mid}: its tree is not ready for export (tree_state: {state})", "tree_not_ready"
    if _failed_translation(row.get("ng_translation")):
        return (f"OpenAssistant message {mid}: its translation failed (ng_translation: {row['ng_translation']})",
                "translation_failed")
    if not row[key].strip():
        return f"OpenAssistant message {mid}: empty {key!r}", ""
    return "", ""


class Trees:
    """The OpenAssistant messages of one source, joined into trees."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.order: list[Node] = []
        self.bad: list[tuple[str, int, str]] = []  # rows that are no message at all (bad data)

    def add(self, file: str, line: int, obj: dict) -> None:
        if is_tree_row(obj):
            self._add_tree(file, line, obj["prompt"], None, obj.get("tree_state"))
        else:
            self._add(file, line, obj)

    def _add_tree(self, file: str, line: int, msg: Any, parent: Optional[str], state: Any) -> None:
        if not isinstance(msg, dict):
            self.bad.append((file, line, "OpenAssistant tree: a message or reply is not an object"))
            return
        row = {k: v for k, v in msg.items() if k != "replies"}
        row.setdefault("parent_id", parent)
        if state is not None:
            row.setdefault("tree_state", state)
        self._add(file, line, row)
        replies = msg.get("replies") or []
        if not isinstance(replies, list):
            self.bad.append((file, line, f"OpenAssistant message {row.get('message_id')}: 'replies' must be a list"))
            return
        for r in replies:
            self._add_tree(file, line, r, row.get("message_id"), state)

    def _add(self, file: str, line: int, row: dict) -> None:
        mid = row.get("message_id")
        if isinstance(mid, str) and mid in self.nodes:  # reported here, never joined twice
            first = self.nodes[mid]
            self.bad.append((file, line, f"OpenAssistant message {mid} appears twice (first at {first.file}:"
                                         f"{first.line})"))
            return
        # Only what is read is kept: a Hub row also holds labels, emojis and detoxify scores,
        # several times its text, for each of oasst1's ~88k messages.
        node = Node(file, line, {k: v for k, v in row.items() if k in KEPT})
        self.order.append(node)
        if isinstance(mid, str) and mid:
            self.nodes[mid] = node

    def _roots(self) -> tuple[list[Node], dict[int, str]]:
        """The roots of the trees, and the reason of every message out of them (by id(node))."""
        out: dict[int, str] = {}
        roots = []
        for n in self.order:
            n.children = []  # each reading joins the tree anew
        for n in self.order:
            if not isinstance(n.row.get("message_id"), str) or not n.row["message_id"]:
                out[id(n)] = own_reason(n.row)
                continue
            why = own_reason(n.row)
            if why[0]:
                out[id(n)] = why
            parent = n.row.get("parent_id")
            if _root_parent(parent):
                if n.row["role"] != "prompter":
                    out.setdefault(id(n), (f"OpenAssistant message {n.id}: a tree must start with the prompter's "
                                           "message", ""))
                roots.append(n)
            elif parent in self.nodes:
                self.nodes[parent].children.append(n)
            else:
                out.setdefault(id(n), (f"OpenAssistant message {n.id} is an orphan: its parent {parent} is not in "
                                       "the source", ""))
        # Below a message that is out, nothing is reachable: each says which ancestor is.
        def below(n: Node, cause: str) -> None:
            for c in n.children:
                if id(c) not in out:  # (a parent_id loop ends here too)
                    out[id(c)] = (f"OpenAssistant message {c.id} is below message {cause}, which is out",
                                  "below_left_out")
                    below(c, cause)
        for n in self.order:
            if id(n) in out and n.row.get("message_id") in self.nodes:
                below(n, n.id)
        return [r for r in roots if id(r) not in out], out

    def _kept(self, n: Node, out: dict) -> list[Node]:
        return [c for c in n.children if id(c) not in out]

    def conversations(self, every: bool = False) -> Iterator[tuple]:
        """(file, line, messages) per conversation, then (file, line, reason, category) per message
        left out (category "" for bad data, else what :data:`LEFT_OUT` names).
        ``every``: every path to an assistant reply, not only the best-ranked ones."""
        roots, out = self._roots()
        used: set[int] = set()
        found: list[tuple] = []

        def walk(n: Node, path: list[Node]) -> None:
            path = path + [n]
            kept = self._kept(n, out)
            if n.row["role"] == "prompter":
                ranked = [] if every else [c for c in kept if c.rank is not None]
                best = min(ranked, key=lambda c: c.rank) if ranked else None
                follow = [best] if best else kept
                for c in kept:
                    if c is not best and best is not None:
                        had = f"rank {c.rank}" if c.rank is not None else "unranked"
                        out[id(c)] = (f"OpenAssistant reply {c.id} is not the best-ranked reply ({had}; the best is "
                                      f"{best.id}, rank {best.rank}): SFT follows the best-ranked path",
                                      "not_best_ranked")
                        _below(c, out)
                if not follow:
                    out.setdefault(id(n), (f"OpenAssistant prompt {n.id} has no reply to train on", "unanswered"))
                for c in follow:
                    walk(c, path)
                return
            nexts = [c for c in kept if self._kept(c, out)]
            for c in kept:
                if c not in nexts:
                    out.setdefault(id(c), (f"OpenAssistant prompt {c.id} has no reply to train on", "unanswered"))
            if not nexts:
                found.append(path)
                used.update(id(m) for m in path)
            for c in nexts:
                walk(c, path)

        for r in roots:
            walk(r, [])
        for n in self.order:
            if id(n) not in out and id(n) not in used:
                out[id(n)] = (f"OpenAssistant message {n.id} is not reachable from a tree's first prompt (its "
                              "parent_id chain loops)", "")
        for path in found:
            last = path[-1]
            yield last.file, last.line, _messages(path)
        yield from self._left_out(out, used)

    def pairs(self) -> Iterator[tuple]:
        """(file, line, prompt messages, chosen, rejected) per pair, then (file, line, reason,
        category) per message in no pair."""
        roots, out = self._roots()
        found: list[tuple] = []
        todo = [(r, []) for r in roots]
        while todo:  # every kept message: a reply that lost its ranking still has follow-ups to compare
            n, before = todo.pop()
            path = before + [n]
            todo += [(c, path) for c in self._kept(n, out)]
            if n.row["role"] == "prompter":
                ranked = sorted((c for c in self._kept(n, out) if c.rank is not None), key=lambda c: c.rank)
                found += [(path, ranked[0], c) for c in ranked[1:]]
        used = {id(m) for path, best, worse in found for m in path + [best, worse]}
        for path, best, worse in sorted(found, key=lambda f: (f[2].file, f[2].line)):  # in file order
            yield worse.file, worse.line, _messages(path), best.text, worse.text
        for n in self.order:
            if id(n) not in out and id(n) not in used:
                out[id(n)] = (f"OpenAssistant message {n.row.get('message_id')} is in no ranked pair (a prompt "
                              "without two ranked replies, or a reply without a ranked sibling)", "no_ranked_pair")
        yield from self._left_out(out, used)

    def _left_out(self, out: dict, used: set) -> Iterator[tuple]:
        for f, line, why in self.bad:
            yield f, line, why, ""
        for n in self.order:
            if id(n) in used:
                continue
            why = out.get(id(n))
            if why:
                yield n.file, n.line, *why


def _messages(path: list[Node]) -> list[dict]:
    """A path of messages as chat messages (prompter -> user)."""
    return [{"role": ROLES[m.row["role"]], "content": m.text} for m in path]


def _below(n: Node, out: dict) -> None:
    for c in n.children:
        if id(c) not in out:
            out[id(c)] = (f"OpenAssistant message {c.id} is below reply {n.id}, which SFT does not follow",
                          "below_not_followed")
            _below(c, out)

