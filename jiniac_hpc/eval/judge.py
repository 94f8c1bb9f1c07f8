"""MT-bench judges: an OpenAI-compatible chat endpoint or a local HF model, and the [[N]] parser.

    JINIAC_JUDGE_URL=http://127.0.0.1:8000/v1 python -m jiniac_hpc.eval.judge "質問" "回答"

A judge is anything with ``complete(messages, temperature) -> str``. :func:`grade` builds
the single-answer grading prompt (turn 1, or turn 2 with the whole conversation; with the
reference answer when the question has one), asks, and parses the rating from ``[[N]]``.
An answer without a parsable rating is asked again (up to ``max_retries``, at
``retry_temperature`` so the retry can differ); HTTP errors are *not* judged answers: after
``http_retries`` re-sends they raise :class:`JudgeError`, which stops the run.
"""
from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from typing import Optional, Protocol, Sequence

from jiniac_hpc.config import ConfigError
from jiniac_hpc.eval.config import JudgeConfig

SYSTEM = "You are a helpful assistant."
RULES = ("Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant "
         "to the user question displayed below. Consider helpfulness, relevance, accuracy, depth, creativity and "
         "level of detail. The expected language is Japanese: a response in another language loses points unless "
         "the question asks for it. Begin with a short explanation, be as objective as possible, then give your "
         "rating from 1 to 10 strictly in this format: \"[[rating]]\", for example: \"Rating: [[5]]\".")
REF_RULE = (" Compare the assistant's answer with the reference answer; identify and correct any mistakes.")

_RATING = re.compile(r"\[\[(\d+(?:\.\d+)?)\]\]")
_RATING_LOOSE = re.compile(r"\[(\d+(?:\.\d+)?)\]")


class JudgeError(RuntimeError):
    """The judge could not be reached or answered with an error (not an unparsable judgement)."""


class Judge(Protocol):
    name: str

    def complete(self, messages: Sequence[dict], temperature: float) -> str: ...


def parse_rating(text: str) -> Optional[float]:
    """The 1-10 rating of a judgement: ``[[N]]`` (else FastChat's fallback ``[N]``); None if absent."""
    for rx in (_RATING, _RATING_LOOSE):
        m = rx.findall(text)
        if m:
            v = float(m[-1])
            return v if 1.0 <= v <= 10.0 else None
    return None


def grading_messages(turns: Sequence[str], answers: Sequence[str], turn: int,
                     reference: Optional[Sequence[str]] = None) -> list[dict]:
    """Single-answer grading of ``turn`` (1-based): the question(s), the answer(s), the reference."""
    rules = RULES + (REF_RULE if reference else "")
    if turn == 1:
        body = f"[Question]\n{turns[0]}\n\n"
        if reference:
            body += f"[The Start of Reference Answer]\n{reference[0]}\n[The End of Reference Answer]\n\n"
        body += f"[The Start of Assistant's Answer]\n{answers[0]}\n[The End of Assistant's Answer]"
    else:
        rules += " Your evaluation should focus on the assistant's answer to the second user question."
        conv = "".join(f"### User:\n{q}\n\n### Assistant:\n{a}\n\n" for q, a in zip(turns[:turn], answers[:turn]))
        body = f"<|The Start of Assistant A's Conversation with User|>\n\n{conv}<|The End of Assistant A's Conversation with User|>"
        if reference and len(reference) >= turn:
            refs = "".join(f"### Reference answer ({i + 1}):\n{r}\n\n" for i, r in enumerate(reference[:turn]))
            body = f"<|The Start of Reference Answer|>\n\n{refs}<|The End of Reference Answer|>\n\n" + body
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"[Instruction]\n{rules}\n\n{body}"}]


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
                    return json.loads(r.read().decode("utf-8"))
            except urllib.error.HTTPError as e:
                body = e.read().decode("utf-8", "replace")[:300]
                last = f"HTTP {e.code}: {body}"
                if e.code != 429 and e.code < 500:   # a client error does not heal by resending
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                last = f"{type(e).__name__}: {getattr(e, 'reason', e)}"
            except json.JSONDecodeError as e:
                last = f"answer is not JSON: {e}"
                break
        raise JudgeError(f"judge {self.url} failed after {attempt + 1} request(s): {last}")

    def complete(self, messages: Sequence[dict], temperature: float) -> str:
        data = self._post({"model": self.cfg.model, "messages": list(messages), "temperature": temperature,
                           "max_tokens": self.cfg.max_tokens})
        try:
            return data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise JudgeError(f"judge {self.url}: unexpected answer {json.dumps(data)[:300]}") from None


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

    q, a = sys.argv[1], sys.argv[2]
    c = JudgeConfig(kind="openai")
    print(grade(OpenAIJudge(c), grading_messages([q], [a], 1), c))
