"""MT-bench judges (an OpenAI-compatible chat endpoint or a local HF model) and FastChat's rating parser.

    JINIAC_JUDGE_URL=http://127.0.0.1:8000/v1 python -m jiniac_hpc.eval.judge 1 "回答"   # judge question 1

A judge is anything with ``complete(messages, temperature) -> str``. The request itself is built
by :mod:`jiniac_hpc.eval.mtbench_data`. :func:`grade` asks and parses the rating as
Stability-AI/FastChat ``jp-stable`` (commit e37eb28) ``fastchat/llm_judge/common.py``
``run_judge_single`` does: the first ``[[N]]`` (``one_score_pattern``), else the first ``[N]``
(``one_score_pattern_backup``); the first ask is greedy (temperature 0) and the OpenAI request
carries ``max_tokens`` 2048 and ``n`` 1, as ``chat_compeletion_openai`` sends them.

A judgement without a rating is recorded as ``None`` (counted as unparsable and left out of the
averages, like FastChat's -1). By default it is not asked again, as in FastChat; with
``max_retries`` > 0 we ask again at ``retry_temperature`` (so the retry can differ), and the
average can then include ratings FastChat would not have.

Where the patterns match digits that ``ast.literal_eval`` rejects (a full-width ``[[８]]``, which
``\\d`` matches, or ``[[08]]``), FastChat's judging thread raises SyntaxError and its run stops;
here ``float`` reads them (8.0). No recorded judgment of GPT-4 seen has either.

Where we also knowingly differ, on failures only: FastChat retries any API error 16 times and then
records ``$ERROR$`` as the judgement; here HTTP errors, dropped or truncated connections and malformed bodies are *not*
judged answers: after ``http_retries`` re-sends they raise :class:`JudgeError`, which stops the
run, keeping what was judged so far.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import time
import urllib.error
import urllib.request
from typing import Optional, Protocol, Sequence

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.config import JudgeConfig

# FastChat's one_score_pattern and one_score_pattern_backup (common.py), searched in this order.
RATING_PATTERNS = (re.compile(r"\[\[(\d+\.?\d*)\]\]"), re.compile(r"\[(\d+\.?\d*)\]"))


class JudgeError(RuntimeError):
    """The judge could not be reached or answered with an error (not an unparsable judgement)."""


class Judge(Protocol):
    name: str

    def complete(self, messages: Sequence[dict], temperature: float) -> str: ...


def parse_rating(text: str) -> Optional[float]:
    """The rating FastChat parses: the first ``[[N]]``, else the first ``[N]``; None (FastChat's -1) if
    neither. No range check, as in FastChat (``ast.literal_eval`` of the digits)."""
    for rx in RATING_PATTERNS:
        m = rx.search(text)
        if m:
            return float(m.group(1))
    return None


def grade(judge: Judge, messages: list[dict], cfg: JudgeConfig) -> dict:
    """Ask until a rating parses (1 + max_retries asks). Returns score (None if never), outputs, attempts."""
    outputs = []
    for attempt in range(cfg.max_retries + 1):
        text = judge.complete(messages, temperature=0.0 if attempt == 0 else cfg.retry_temperature)
        outputs.append(text)
        score = parse_rating(text)
        if score is not None:
            return {"score": score, "judge_outputs": outputs, "attempts": attempt + 1}
    return {"score": None, "judge_outputs": outputs, "attempts": len(outputs)}


class OpenAIJudge:
    """POST {base_url}/chat/completions with the standard library (no SDK needed)."""

    def __init__(self, cfg: JudgeConfig):
        url = os.environ.get(cfg.url_env)
        if not url:
            raise ConfigError(f"mtbench.judge.url_env: environment variable {cfg.url_env} is not set "
                              f"(the judge endpoint's base URL, e.g. https://api.openai.com/v1)")
        self.url = url.rstrip("/") + "/chat/completions"
        self.key = os.environ.get(cfg.key_env, "")
        self.cfg = cfg
        self.name = f"openai:{cfg.model}"

    def _post(self, payload: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        req = urllib.request.Request(self.url, data=json.dumps(payload).encode(), headers=headers, method="POST")
        last = ""
        for attempt in range(self.cfg.http_retries + 1):
            if attempt:
                time.sleep(min(30.0, 0.5 * 2 ** attempt))
            try:
                with urllib.request.urlopen(req, timeout=self.cfg.timeout_s) as r:
                    raw = r.read()
                return json.loads(raw.decode("utf-8"))
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}: {_preview(_read_error_body(e))}"
                if e.code != 429 and e.code < 500:   # a client error does not heal by resending
                    break
            except http.client.IncompleteRead as e:   # the connection dropped mid-body: resend
                last = f"connection closed after {len(e.partial)} bytes of the answer (IncompleteRead)"
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as e:
                last = f"{type(e).__name__}: {getattr(e, 'reason', e)}"
            except UnicodeDecodeError as e:   # a proxy's error page, a wrong charset: not an answer
                last = f"answer is not UTF-8 ({e.reason} at byte {e.start}): {_preview(raw)}"
                break
            except json.JSONDecodeError as e:
                last = f"answer is not JSON: {e}: {_preview(raw)}"
                break
        raise JudgeError(f"judge {self.url} failed after {attempt + 1} request(s): {last}")

    def complete(self, messages: Sequence[dict], temperature: float) -> str:
        data = self._post({"model": self.cfg.model, "messages": list(messages), "n": 1, "temperature": temperature,
                           "max_tokens": self.cfg.max_tokens})
        try:
            return data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise JudgeError(f"judge {self.url}: unexpected answer {json.dumps(data)[:300]}") from None


def _read_error_body(e: urllib.error.HTTPError) -> bytes:
    try:
        return e.read()
    except (http.client.HTTPException, OSError) as err:   # the error body itself may be cut short
        return f"<body unreadable: {type(err).__name__}>".encode()


def _preview(raw: bytes, n: int = 300) -> str:
    """The start of a body for an error message, undecodable bytes shown as escapes."""
    return raw[:n].decode("utf-8", "backslashreplace")


class HFJudge:
    """A local HF causal LM as judge (greedy first ask, sampled retries)."""

    def __init__(self, cfg: JudgeConfig, device: str = "auto", dtype: str = "auto"):
        from jiniac_hpc.eval.generate import Generator
        from jiniac_hpc.paths import resolve_path

        self.gen = Generator(resolve_path(cfg.model), device=device, dtype=dtype, batch_size=1, key="mtbench.judge.model")
        self.cfg = cfg
        self.name = f"hf:{cfg.model}"
        self._calls = 0

    def complete(self, messages: Sequence[dict], temperature: float) -> str:
        self._calls += 1
        return self.gen.generate([self.gen.chat_prompt(messages)], self.cfg.max_tokens, temperature=temperature,
                                 seed=self._calls)[0]


def make_judge(cfg: JudgeConfig, device: str = "auto", dtype: str = "auto") -> Optional[Judge]:
    if cfg.kind == "openai":
        return OpenAIJudge(cfg)
    if cfg.kind == "hf":
        return HFJudge(cfg, device, dtype)
    return None


if __name__ == "__main__":
    import sys

    from jiniac_hpc.eval.config import MTBenchConfig
    from jiniac_hpc.eval.mtbench_data import load_judge_prompts, load_questions, load_references, qid, request
    from jiniac_hpc.paths import resolve_path

    m, c = MTBenchConfig(), JudgeConfig(kind="openai")
    q = {q["question_id"]: q for q in load_questions(resolve_path(m.questions))}[qid(sys.argv[1])]
    _, msgs = request(load_judge_prompts([resolve_path(p) for p in c.prompts]), q, [sys.argv[2]], 1,
                      load_references(resolve_path(m.references)))
    print(grade(OpenAIJudge(c), msgs, c))
