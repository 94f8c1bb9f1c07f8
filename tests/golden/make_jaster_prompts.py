"""Write tests/golden/jaster_<task>.txt: llm-jp-eval's few-shot prompt for the first validation item.

    PYTHONPATH=$PWD .venv/bin/python tests/golden/make_jaster_prompts.py

The expected text is built here, independently of jiniac_hpc.eval.jaster, from llm-jp-eval
v1.3.0's own definitions (read in swallow-llm/swallow-evaluation@78de0dba5324f9539b824cc1a4f08b9c4b8c181d):

- ``llm-jp-eval/src/llm_jp_eval/utils.py`` ``get_evaluation_prompt`` without a custom template:
  a langchain ``PromptTemplate`` whose text is the header, the instruction and the shots, with
  an ``{input}`` slot that ``format_prompt(input=...)`` fills (reproduced with ``str.format``);
- ``llm-jp-eval/src/llm_jp_eval/datasets/<task>.py``: the instruction text and how a JGLUE
  record becomes ``Sample(input, output)``.

Only the choice of shots is jiniac's (no JGLUE train file here): their ids come from
``jaster.split`` with the default config and seed 0 and are written into each file's header,
which the test checks too.
"""
from __future__ import annotations

import json
from pathlib import Path

SOURCE = "swallow-llm/swallow-evaluation@78de0dba5324f9539b824cc1a4f08b9c4b8c181d"
CUT = "#---8<---\n"

# Instruction texts, as the four v1.3.0 dataset builders set output_info.instruction.
INSTRUCTION = {
    "jcommonsenseqa": "質問と回答の選択肢を入力として受け取り、選択肢から回答を選択してください。なお、回答は選択肢の番号（例：0）でするものとします。 回答となる数値をint型で返し、他には何も含めないことを厳守してください。",
    "jnli": "前提と仮説の関係をentailment、contradiction、neutralの中から回答してください。それ以外には何も含めないことを厳守してください。\n\n制約：\n- 前提から仮説が、論理的知識や常識的知識を用いて導出可能である場合はentailmentと出力\n- 前提と仮説が両立しえない場合はcontradictionと出力\n- そのいずれでもない場合はneutralと出力",
    "jsquad": "質問に対する回答を文章から一言で抽出してください。回答は名詞で答えてください。 それ以外には何も含めないことを厳守してください。",
    "jsts": "日本語の文ペアの意味がどのくらい近いかを判定し、類似度を0.0〜5.0までの間の値で付与してください。0.0に近いほど文ペアの意味が異なり、5.0に近いほど文ペアの意味が似ていることを表しています。整数値のみを返し、それ以外には何も含めないことを厳守してください。",
}
FILES = {"jcommonsenseqa": "jcommonsenseqa-v1.3-valid.json", "jnli": "jnli-v1.3-valid.json",
         "jsquad": "jsquad-v1.3-valid.json", "jsts": "jsts-v1.3-valid.json"}


def records(task: str, path: Path) -> list[tuple[str, str, str]]:
    """(id, input, output) per JGLUE record, as the llm-jp-eval builder makes its Sample."""
    if task == "jsquad":
        out = []
        for art in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for p in art["paragraphs"]:
                for q in p["qas"]:
                    out.append((q["id"], "文章：" + p["context"] + "\n質問：" + q["question"], q["answers"][0]["text"]))
        return out
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if task == "jcommonsenseqa":
        return [(str(r["q_id"]), "質問：%s\n選択肢：0.%s,1.%s,2.%s,3.%s,4.%s" % (
            r["question"], r["choice0"], r["choice1"], r["choice2"], r["choice3"], r["choice4"]), str(r["label"]))
            for r in rows]
    a, b = ("前提", "仮説") if task == "jnli" else ("文1", "文2")
    return [(str(r["sentence_pair_id"]), "%s：%s\n%s：%s" % (a, r["sentence1"], b, r["sentence2"]), str(r["label"]))
            for r in rows]


def llm_jp_eval_prompt(instruction: str, shots: list[tuple[str, str]], input_text: str) -> str:
    template = ("以下は、タスクを説明する指示と、文脈のある入力の組み合わせです。要求を適切に満たす応答を書きなさい。"
                "\n\n### 指示:\n" + instruction)
    for shot_in, shot_out in shots:
        template += "\n\n### 入力:\n" + shot_in + "\n\n### 応答:\n" + shot_out
    template += "\n\n### 入力:\n{input}\n\n### 応答:\n"
    return template.format(input=input_text)     # PromptTemplate.format_prompt(input=...).text


def main() -> None:
    from jiniac_hpc.eval import jaster
    from jiniac_hpc.eval.config import JasterConfig
    from jiniac_hpc.paths import jglue_dir

    cfg = JasterConfig()
    for task, name in FILES.items():
        path = jglue_dir() / name
        recs = records(task, path)
        by_id = {r[0]: r for r in recs}
        _, _, info = jaster.split(task, jaster.LOADERS[task](path), cfg, seed=0)
        first = recs[0]
        shots = [(by_id[i][1], by_id[i][2]) for i in info["shots"]]
        header = [
            f"# Golden few-shot prompt of {task}: first validation item (id {first[0]}) of {name} (JGLUE v1.3).",
            "# Template: llm-jp-eval v1.3.0 src/llm_jp_eval/utils.py get_evaluation_prompt (no custom template),",
            f"#   instruction and Sample format from src/llm_jp_eval/datasets/{task}.py;",
            f"#   read in {SOURCE} under llm-jp-eval/ (llm-jp-eval: Apache-2.0).",
            "# Text: JGLUE v1.3 validation data (yahoojapan/JGLUE, CC BY-SA 4.0), from ../shared/data/jglue/.",
            f"# Shots (ids): {' '.join(info['shots'])} (jiniac's validation pool, default config, seed 0).",
            "# Built by tests/golden/make_jaster_prompts.py; the prompt is every byte after the next line.",
        ]
        text = "\n".join(header) + "\n" + CUT + llm_jp_eval_prompt(INSTRUCTION[task], shots, first[1])
        out = Path(__file__).with_name(f"jaster_{task}.txt")
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
