"""Multilingual sentencepiece tokenizer (llm-jp-tokenizer v2 recipe, JINIAC's UniDic thinning).

    python -c "from jiniac_hpc.launch.runner import launch; launch('tokenizer', 'debug', cluster='local')"

config.py   typed recipe (languages, special tokens, EM, padding)      -- light, login node
inputs.py   corpus shards / JSQuAD / text -> training sample + held-out split
unidic.py   MeCab pre-split, UniDic thinning, 人名/地名 split rate
train.py    step 1: one unigram model per language (array task)
spmodel.py  merge vocabularies, build the final ModelProto
em.py       EM re-estimation of the merged scores on un-split text
hf.py       HF tokenizer folder (tokenizers Unigram + byte fallback, chat template)
nfkc.py     the code points whose NFKC differs between Unicode versions (HF export, accounting)
folder.py   an HF tokenizer folder's ids, checked against a model's embedding -- light, login node
report.py   held-out metrics, report.md
stage.py    plan() and step 2 (merge + EM + export + baseline + report)
"""
