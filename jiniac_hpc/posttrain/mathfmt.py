"""Math formatting: levelled arithmetic problems written in a consistent, tokenizer-friendly form.

    python -m jiniac_hpc.posttrain.mathfmt --tokenizer DIR [--input FILE.jsonl] [--set digits=plain]

JINIAC's SFT mix held ~100k levelled arithmetic problems (LV0-LV6) "with a special input
format". This transform is our version of that format. A math record is
``{"question": str, "answer": str|number, "level": int}`` (optionally ``"expression"``; else
the arithmetic expression is taken from the question). It becomes an instruction example:

- widths and separators are normalised (``１２，３４５`` -> ``12345``, ``＋`` -> ``+``), and
  operators are spaced (``12+3`` -> ``12 + 3``), so the same number is always the same text;
- with ``digits: split`` every digit run is written digit by digit (``345`` -> ``3 4 5``), so
  each digit is its own token even with a tokenizer that merges digits. The project tokenizer
  (llm-jp v2 style, ``split_digits``) already gives one token a digit, so the default is
  ``plain``: there ``split`` would only add a ``▁`` token between digits;
- with ``steps: true`` the response gets explicit working, one operation a line, evaluated
  innermost first (``3 + 4 = 7``), with partial products for multi-digit multiplication when
  ``long_multiplication`` is on, then ``答え: N``;
- the given answer is checked against the computed one; a mismatch is bad data (file, line).

The CLI prints, per level, characters and tokens of the prompt+response before and after,
and the share of number tokens that hold exactly one digit, for the configuration given.
Measured on tests/assets/posttrain/math_levels.jsonl with the debug tokenizer trained on
JSQuAD *without* split_digits (``tests/test_sft_data.py`` asserts the single-digit shares)::

    level  raw: tokens 1-digit | digits=split, steps: tokens 1-digit | digits=plain, no steps
        0          75.5    1.00 |                      88.5    1.00 |        79.0    1.00
        3          82.0    0.89 |                     172.0    1.00 |        87.0    0.89
        5          90.0    0.79 |                     140.0    1.00 |        91.0    0.69
        6         102.5    0.92 |                     183.0    1.00 |       108.5    0.92

The working lines cost tokens (LV3 long multiplication doubles the length); that is the point:
the model is shown each carry step instead of having to produce 4-digit products in one go.
"""
from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from jiniac_hpc import fileio
from jiniac_hpc.config import check, field

# "÷" is parsed as FloorDiv (and computed exactly) so that "a/b" between two numbers can stay a
# fraction literal, written as is, while "a ÷ b" is an operation that gets a working line.
OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "×", ast.FloorDiv: "÷", ast.Div: "/"}
_EXPR_CHARS = r"[0-9０-９.,，+\-*/×÷−－＋＊／（）() 　]"
_EXPR_RE = re.compile(rf"{_EXPR_CHARS}*[0-9０-９)）]{_EXPR_CHARS}*")


@dataclass
class MathFormatConfig:
    digits: Literal["plain", "split"] = field(
        "plain", doc="'split': write numbers digit by digit ('345' -> '3 4 5'), for tokenizers that merge "
                     "digits; 'plain': as they are (the project tokenizer already splits digits).")
    digit_sep: str = field(" ", doc="Separator between the digits of a number when digits=split.")
    normalize_width: bool = field(True, doc="Full-width digits/operators to ASCII (NFKC on numbers), × and ÷ kept.")
    strip_thousands: bool = field(True, doc="Remove thousands separators: '12,345' -> '12345'.")
    spaced_operators: bool = field(True, doc="One space around + - × ÷ = in questions and working.")
    steps: bool = field(True, doc="Write the working, one operation a line, before the answer.")
    long_multiplication: bool = field(True, doc="For multi-digit × multi-digit, list the partial products.")
    answer_prefix: str = field("答え: ", doc="Text before the final answer line.")
    check_answer: bool = field(True, doc="A record whose answer differs from the computed value is bad data.")

    def __post_init__(self):
        check(self.digits in ("plain", "split"), "digits", "must be 'plain' or 'split'")
        check("\n" not in self.digit_sep, "digit_sep", "must not contain a newline")


class MathError(ValueError):
    """A math record that cannot be formatted (no expression, unsupported syntax, wrong answer)."""


# ------------------------------------------------------------------------------------------- text


def normalize_text(s: str, cfg: MathFormatConfig) -> str:
    if cfg.normalize_width:
        s = re.sub(r"[０-９＋－−＊／（）．，　]", lambda m: unicodedata.normalize("NFKC", m.group()), s)
        s = s.replace("−", "-")
    if cfg.strip_thousands:
        s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)
    if cfg.spaced_operators:
        s = re.sub(r"\s*\*\s*", " × ", s)  # '/' stays: between two numbers it is a fraction bar
        s = re.sub(r"(?<=[\d)])\s*([+\-×÷=])\s*(?=[\d(-])", r" \1 ", s)
    return s


def split_digits(s: str, cfg: MathFormatConfig) -> str:
    if cfg.digits != "split":
        return s
    return re.sub(r"\d{2,}", lambda m: cfg.digit_sep.join(m.group()), s)


def fmt_num(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    return f"{x.numerator}/{x.denominator}"


# ----------------------------------------------------------------------------------- evaluation


def extract_expression(question: str) -> str:
    """The longest run of digits and operators that contains an operator."""
    cands = [m.group().strip() for m in _EXPR_RE.finditer(question)]
    cands = [c for c in cands if re.search(r"\d\s*[+\-*/×÷−－＋＊／]\s*[\d(（]", c)]
    if not cands:
        raise MathError("no arithmetic expression found in 'question' (add an 'expression' field)")
    return max(cands, key=len)


def _to_python(expr: str) -> str:
    e = unicodedata.normalize("NFKC", expr).replace("×", "*").replace("÷", "//").replace("−", "-")
    return re.sub(r"(?<=\d),(?=\d{3})", "", e)


def _eval(node: ast.AST, lines: list[str], cfg: MathFormatConfig) -> Fraction:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return Fraction(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, lines, cfg)
    if isinstance(node, ast.BinOp) and type(node.op) in OPS:
        op = OPS[type(node.op)]
        if op == "/" and all(isinstance(x, ast.Constant) for x in (node.left, node.right)):
            if not node.right.value:
                raise MathError("division by zero in the expression")
            return Fraction(str(node.left.value)) / Fraction(str(node.right.value))  # a fraction literal
        a, b = _eval(node.left, lines, cfg), _eval(node.right, lines, cfg)
        if op in "÷/" and b == 0:
            raise MathError("division by zero in the expression")
        r = {"+": a + b, "-": a - b, "×": a * b, "÷": a / b if b else None, "/": a / b if b else None}[op]
        if op == "×" and cfg.long_multiplication and _is_multi_digit_int(a) and _is_multi_digit_int(b):
            parts = []
            for k, d in enumerate(reversed(str(abs(b.numerator)))):
                p = a * int(d) * 10 ** k
                lines.append(f"{fmt_num(a)} × {int(d) * 10 ** k} = {fmt_num(p)}")
                parts.append(p)
            lines.append(" + ".join(fmt_num(p) for p in parts) + f" = {fmt_num(sum(parts))}")
            if b < 0:
                lines.append(f"{fmt_num(sum(parts))} × -1 = {fmt_num(r)}")
        else:
            lines.append(f"{fmt_num(a)} {op} {fmt_num(b)} = {fmt_num(r)}")
        return r
    raise MathError(f"unsupported syntax in the expression: {ast.dump(node)[:60]}")


def _is_multi_digit_int(x: Fraction) -> bool:
    return x.denominator == 1 and abs(x.numerator) >= 10


def evaluate(expr: str, cfg: MathFormatConfig) -> tuple[Fraction, list[str]]:
    """(value, working lines) of an arithmetic expression written with + - × ÷ * / and ()."""
    try:
        tree = ast.parse(_to_python(expr), mode="eval")
    except SyntaxError:
        raise MathError(f"cannot parse the expression {expr!r}") from None
    lines: list[str] = []
    return _eval(tree.body, lines, cfg), lines


def parse_answer(ans) -> Fraction:
    try:
        s = _to_python(str(ans)).strip()
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise MathError(f"'answer' {ans!r} is not a number or fraction") from None


# ------------------------------------------------------------------------------------ transform


def format_record(rec: dict, cfg: MathFormatConfig) -> tuple[str, str]:
    """A math record -> (instruction, output) in the configured form. Raises MathError."""
    q = rec.get("question")
    if not isinstance(q, str) or not q.strip():
        raise MathError("missing field 'question'")
    if "answer" not in rec or str(rec["answer"]).strip() == "":
        raise MathError("empty response: missing field 'answer'")
    expr = rec.get("expression") or extract_expression(q)
    value, lines = evaluate(expr, cfg)
    if cfg.check_answer and parse_answer(rec["answer"]) != value:
        raise MathError(f"'answer' is {rec['answer']!r} but the expression {expr!r} gives {fmt_num(value)}")
    answer = fmt_num(value) if cfg.check_answer else str(rec["answer"])
    body = ([normalize_text(x, cfg) for x in lines] if cfg.steps else []) + [cfg.answer_prefix + answer]
    instruction = split_digits(normalize_text(q, cfg), cfg)
    output = "\n".join(split_digits(x, cfg) for x in body)
    return instruction, output


def _main() -> None:  # pragma: no cover - documentation tool
    import argparse
    from pathlib import Path

    from jiniac_hpc.config import from_dict, parse_override
    from jiniac_hpc.posttrain.templates import render_instruction

    ap = argparse.ArgumentParser(description="Show the effect of the math formatting on token counts.")
    ap.add_argument("--tokenizer", required=True, help="HF tokenizer folder")
    ap.add_argument("--input", default=str(Path(__file__).parents[2] / "tests/assets/posttrain/math_levels.jsonl"))
    ap.add_argument("--set", dest="overrides", action="append", default=[], help="e.g. digits=plain")
    a = ap.parse_args()
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(a.tokenizer)
    cfg = from_dict(MathFormatConfig, dict(parse_override(o) for o in a.overrides))
    for row in effect(tok, list(fileio.read_jsonl(a.input)), cfg, render_instruction):
        print(row)


def effect(tok, records: list[dict], cfg: MathFormatConfig, render) -> list[str]:
    """Per level: chars, tokens and single-digit share of number tokens, raw vs formatted."""
    def stats(text: str) -> tuple[int, int, float]:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        pieces = [tok.decode([i]) for i in ids]  # the text of each token (byte pieces: not digits)
        num = [p for p in pieces if any(c.isdigit() for c in p)]
        one = sum(1 for p in num if sum(c.isdigit() for c in p) == 1)
        return len(text), len(pieces), one / max(len(num), 1)

    by_level: dict = {}
    for r in records:
        raw = render(r["question"]) + str(r["answer"])
        ins, out = format_record(r, cfg)
        new = render(ins) + out
        acc = by_level.setdefault(r.get("level", "?"), [0, 0, 0.0, 0, 0, 0.0, 0])
        for j, v in enumerate(stats(raw) + stats(new)):
            acc[j] += v
        acc[6] += 1
    rows = [f"{'level':>5} {'n':>3} | {'chars':>7} {'tokens':>7} {'1-digit':>7} | "
            f"{'chars':>7} {'tokens':>7} {'1-digit':>7}   (raw | formatted, digits={cfg.digits}, steps={cfg.steps})"]
    for lv, a in sorted(by_level.items(), key=lambda kv: str(kv[0])):
        n = a[6]
        rows.append(f"{lv!s:>5} {n:>3} | {a[0] / n:7.1f} {a[1] / n:7.1f} {a[2] / n:7.2f} | "
                    f"{a[3] / n:7.1f} {a[4] / n:7.1f} {a[5] / n:7.2f}")
    return rows


if __name__ == "__main__":
    _main()
