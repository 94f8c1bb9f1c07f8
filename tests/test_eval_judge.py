"""MT-bench grading against a real judge server on loopback (http.server in a thread).

    .venv/bin/python -m pytest tests/test_eval_judge.py -q

The server plays an OpenAI-compatible /v1/chat/completions endpoint whose answers the test
scripts: a good rating, an unparsable answer followed by a good one (the retry), and HTTP 500
(a clear failure that keeps the answers generated so far; a rerun resumes without regenerating).
These runs judge both turns of three example questions; tests/test_eval_fastchat.py checks the
requests against FastChat jp-stable's templates and the broken-body cases.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jiniac_hpc.config import ConfigError, from_dict
from jiniac_hpc.eval.config import EvalConfig, JudgeConfig
from jiniac_hpc.eval.judge import JudgeError, OpenAIJudge, grade
from jiniac_hpc.eval.report import read_log
from jiniac_hpc.paths import REPO_ROOT

N_QUESTIONS = 3   # the first three example questions, two turns each -> 6 judgements
EXAMPLES = "tests/assets/eval/mtbench_questions.jsonl"
MESSAGES = [{"role": "system", "content": "あなたは有益な助手です。"}, {"role": "user", "content": "Q"}]


class JudgeServer:
    """Answers POST /v1/chat/completions with scripted (status, content) pairs; the last one repeats.

    content bytes are sent as the raw body; a third item declares a longer Content-Length than the
    body has, so the client's read ends early (http.client.IncompleteRead)."""

    def __init__(self, script: list[tuple[int, str]]):
        self.script = list(script)
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                status, content, *length = outer.script.pop(0) if len(outer.script) > 1 else outer.script[0]
                if isinstance(content, bytes):
                    data = content
                elif status == 200:
                    data = json.dumps({"id": "x", "object": "chat.completion", "model": body["model"],
                                       "choices": [{"index": 0, "finish_reason": "stop",
                                                    "message": {"role": "assistant", "content": content}}]}).encode()
                else:
                    data = json.dumps({"error": {"message": content}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(length[0] if length else len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    from jiniac_hpc.eval.tiny import build

    return build(tmp_path_factory.mktemp("judge") / "model")


def _cfg(model: Path, **judge) -> EvalConfig:
    return from_dict(EvalConfig, {
        "model": str(model), "device": "cpu", "dtype": "float32", "suites": ["mtbench"],
        "mtbench": {"questions": EXAMPLES, "limit": N_QUESTIONS, "max_new_tokens": 6,
                    "judge": {"kind": "openai", "model": "judge-1", "http_retries": 1, "turns": [1, 2], **judge}},
        "job": {"gpus": False}})


@pytest.fixture
def judge_env(monkeypatch):
    def use(server: JudgeServer):
        monkeypatch.setenv("JINIAC_JUDGE_URL", server.url)
        monkeypatch.setenv("JINIAC_JUDGE_API_KEY", "test-key")
    return use


def test_good_scores(tiny, tmp_path, judge_env):
    from jiniac_hpc.eval.run import evaluate

    with JudgeServer([(200, "Helpful and correct. Rating: [[8]]")]) as srv:
        judge_env(srv)
        scores = evaluate(_cfg(tiny), tiny, tmp_path, tmp_path / "tb")
    assert len(srv.requests) == 2 * N_QUESTIONS
    r = srv.requests[0]
    assert r["path"] == "/v1/chat/completions" and r["auth"] == "Bearer test-key"
    assert r["body"]["model"] == "judge-1" and r["body"]["temperature"] == 0.0 and r["body"]["max_tokens"] == 2048
    assert r["body"]["messages"][0] == {"role": "system", "content": "あなたは有益な助手です。"}
    assert "[[評価]]" in r["body"]["messages"][1]["content"]                 # jp-stable's Japanese single-v1
    assert "Assistant A's Conversation" in srv.requests[1]["body"]["messages"][1]["content"]   # turn 2: multi-turn
    mt = scores["mtbench"]
    assert mt["AVG"] == 8.0 and mt["n_judged"] == 2 * N_QUESTIONS and mt["n_unparsable"] == 0
    assert mt["categories"] == {"writing": 8.0, "roleplay": 8.0, "reasoning": 8.0} and mt["turns"] == {"1": 8.0, "2": 8.0}
    on_disk = json.loads((tmp_path / "scores.json").read_text())
    assert on_disk["mtbench"]["AVG"] == 8.0
    # the reasoning question (the third) has a reference answer, and the judge saw it in both turns
    ref = json.loads((REPO_ROOT / EXAMPLES).read_text(encoding="utf-8").splitlines()[2])["reference"]
    users = [q["body"]["messages"][1]["content"] for q in srv.requests]
    assert ref[0] in users[4] and "[参考回答の開始]" in users[4] and ref[1] in users[5]
    assert not any(ref[0] in u for u in users[:4])


def test_unparsable_answer_is_retried(tiny, tmp_path, judge_env):
    from jiniac_hpc.eval.run import evaluate

    script = [(200, "I cannot decide."), (200, "On reflection: [[6]]")] + [(200, "[[9]]")]
    with JudgeServer(script) as srv:
        judge_env(srv)
        scores = evaluate(_cfg(tiny, max_retries=2, retry_temperature=0.5), tiny, tmp_path, None)
    assert len(srv.requests) == 2 * N_QUESTIONS + 1                 # one extra ask for the retry
    assert srv.requests[1]["body"]["temperature"] == 0.5            # the retry samples
    js = read_log(tmp_path / "mtbench" / "judgments.jsonl")
    assert js[0]["score"] == 6.0 and js[0]["attempts"] == 2 and js[0]["judge_outputs"][0] == "I cannot decide."
    assert all(j["score"] == 9.0 and j["attempts"] == 1 for j in js[1:])
    mt = scores["mtbench"]
    assert mt["retries"] == 1 and mt["n_unparsable"] == 0
    assert mt["AVG"] == pytest.approx((6 + 9 * 5) / 6)


def test_never_parsable_is_recorded_and_left_out(tmp_path, monkeypatch):
    with JudgeServer([(200, "no rating here")]) as srv:
        monkeypatch.setenv("JINIAC_JUDGE_URL", srv.url)
        cfg = JudgeConfig(kind="openai", max_retries=1)
        res = grade(OpenAIJudge(cfg), MESSAGES, cfg)
    assert res == {"score": None, "judge_outputs": ["no rating here"] * 2, "attempts": 2}


def test_server_error_fails_clearly_and_keeps_answers(tiny, tmp_path, judge_env):
    from jiniac_hpc.eval.run import evaluate

    # two good judgements, then the server breaks
    with JudgeServer([(200, "[[7]]"), (200, "[[7]]"), (500, "internal error: model overloaded")]) as srv:
        judge_env(srv)
        with pytest.raises(JudgeError) as e:
            evaluate(_cfg(tiny), tiny, tmp_path, None)
    msg = str(e.value)
    assert srv.url in msg and "HTTP 500" in msg and "model overloaded" in msg and "2 request(s)" in msg
    answers = read_log(tmp_path / "mtbench" / "answers.jsonl")
    assert len(answers) == N_QUESTIONS and all(len(a["turns"]) == 2 for a in answers)
    assert [j["score"] for j in read_log(tmp_path / "mtbench" / "judgments.jsonl")] == [7.0, 7.0]
    assert (tmp_path / "scores.json").exists()   # the task raised: the executor writes no marker

    # the server is back: the rerun judges the remaining 4 turns and regenerates nothing
    answers_before = (tmp_path / "mtbench" / "answers.jsonl").read_bytes()
    with JudgeServer([(200, "[[5]]")]) as srv2:
        judge_env(srv2)
        scores = evaluate(_cfg(tiny), tiny, tmp_path, None)
    assert len(srv2.requests) == 2 * N_QUESTIONS - 2
    assert (tmp_path / "mtbench" / "answers.jsonl").read_bytes() == answers_before
    assert scores["mtbench"]["AVG"] == pytest.approx((7 * 2 + 5 * 4) / 6)


def test_missing_judge_url_is_a_config_error(tiny, tmp_path, monkeypatch):
    from jiniac_hpc.eval.stage import plan

    monkeypatch.delenv("JINIAC_JUDGE_URL", raising=False)
    with pytest.raises(ConfigError, match="mtbench.judge.url_env: environment variable JINIAC_JUDGE_URL"):
        plan(_cfg(tiny), tmp_path)


def test_judge_inputs_are_checked_at_plan(tiny, tmp_path, monkeypatch):
    from jiniac_hpc.eval.stage import plan

    monkeypatch.setenv("JINIAC_JUDGE_URL", "http://127.0.0.1:9/v1")
    # turn 2 needs a multi-turn prompt, and the Japanese file alone has none
    with pytest.raises(ConfigError, match="no judge prompt named 'single-v1-multi-turn'"):
        plan(_cfg(tiny, prompts=["mtbench:judge_ja_prompts.jsonl"]), tmp_path)
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"question_id": 1, "category": "math", "turns": ["1+1?"]}\n'
                   '{"question_id": 7, "category": "math", "turns": ["2+2?"]}\n')
    cfg = _cfg(tiny)
    cfg.mtbench.questions, cfg.mtbench.references = str(bad), str(tmp_path / "refs.jsonl")
    with pytest.raises(ConfigError, match="mtbench.references: .*refs.jsonl does not exist"):
        plan(cfg, tmp_path)
    (tmp_path / "refs.jsonl").write_text('{"question_id": "1", "choices": [{"index": 0, "turns": ["2"]}]}\n')
    with pytest.raises(ConfigError, match=r"question 7 \(math\) is judged with a reference answer"):
        plan(cfg, tmp_path)


def test_unreachable_judge_is_a_judge_error(monkeypatch):
    with JudgeServer([(200, "[[1]]")]) as srv:
        url = srv.url
    monkeypatch.setenv("JINIAC_JUDGE_URL", url)                      # closed: connection refused
    cfg = JudgeConfig(kind="openai", http_retries=0, timeout_s=5)
    with pytest.raises(JudgeError, match="127.0.0.1"):
        OpenAIJudge(cfg).complete([{"role": "user", "content": "x"}], 0.0)


def test_local_hf_judge(tiny, tmp_path):
    """A local HF model as judge: a random model never writes [[N]], so every ask is retried once."""
    from jiniac_hpc.eval.judge import HFJudge

    cfg = JudgeConfig(kind="hf", model=str(tiny), max_tokens=4, max_retries=1)
    j = HFJudge(cfg, device="cpu", dtype="float32")
    res = grade(j, MESSAGES, cfg)
    assert res["attempts"] == 2 and j._calls == 2 and len(res["judge_outputs"]) == 2
    assert res["score"] is None or 1 <= res["score"] <= 10
