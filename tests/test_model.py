"""DeepSeekMoE semantics: logits and aux loss vs a straightforward reference, dispatch paths, layout.

    pytest tests/test_model.py

The reference below is written from the published equations (DeepSeekMoE paper, the reference
modeling file's MoEGate/DeepseekMoE), with per-token Python loops and no shared code with
``jiniac_hpc.model``; it only reads the weights by their reference state-dict names.
"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from transformers.integrations.moe import ALL_EXPERTS_FUNCTIONS, grouped_mm_experts_forward

import jiniac_hpc.model.moe as moe
from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
from jiniac_hpc.model.modeling_deepseek import DeepseekMoeForCausalLM
from jiniac_hpc.model.moe import DeepseekMLP, DeepseekMoE


def tiny_config(**kw) -> DeepseekMoeConfig:
    base = dict(vocab_size=64, hidden_size=32, intermediate_size=48, moe_intermediate_size=16, num_hidden_layers=3,
                num_attention_heads=4, n_routed_experts=8, n_shared_experts=2, num_experts_per_tok=3,
                first_k_dense_replace=1, moe_layer_freq=1, aux_loss_alpha=0.01, seq_aux=True, norm_topk_prob=False,
                max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=3, rope_theta=10000.0)
    base.update(kw)
    return DeepseekMoeConfig(**base)


def tiny_model(seed: int = 0, **kw) -> DeepseekMoeForCausalLM:
    torch.manual_seed(seed)
    model = DeepseekMoeForCausalLM(tiny_config(**kw)).float()
    with torch.no_grad():   # larger router weights than the init: routing decisions differ per token
        for name, p in model.named_parameters():
            if name.endswith("mlp.gate.weight"):
                p.normal_(0, 0.5)
    return model


# ---------------------------------------------------------------------------------------------
# The straightforward reference (fp32, loops)
# ---------------------------------------------------------------------------------------------


def ref_rmsnorm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def ref_mlp(x, sd, prefix):
    g = x @ sd[prefix + "gate_proj.weight"].T
    u = x @ sd[prefix + "up_proj.weight"].T
    return (F.silu(g) * u) @ sd[prefix + "down_proj.weight"].T


def ref_rope(x, theta):
    """x [heads, T, d]; rotate pairs (i, i + d/2) by angle pos * theta^(-2i/d)."""
    _, T, d = x.shape
    inv = theta ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]          # [T, d/2]
    cos, sin = ang.cos().float(), ang.sin().float()
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def ref_attention(x, sd, p, cfg):
    T, H = x.shape
    nh = cfg.num_attention_heads
    hd = H // nh
    q = (x @ sd[p + "q_proj.weight"].T).view(T, nh, hd).transpose(0, 1)
    k = (x @ sd[p + "k_proj.weight"].T).view(T, nh, hd).transpose(0, 1)
    v = (x @ sd[p + "v_proj.weight"].T).view(T, nh, hd).transpose(0, 1)
    q, k = ref_rope(q, cfg.rope_parameters["rope_theta"]), ref_rope(k, cfg.rope_parameters["rope_theta"])
    att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
    att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
    return (att @ v).transpose(0, 1).reshape(T, H) @ sd[p + "o_proj.weight"].T


def ref_moe(xb, sd, p, cfg):
    """xb [B, T, H] -> (out [B, T, H], aux loss). Each token: s = softmax(W x); sum over top-k
    experts of s_i * FFN_i(x) (renormalised if norm_topk_prob) + shared FFN(x)."""
    B, T, H = xb.shape
    E, K = cfg.n_routed_experts, cfg.num_experts_per_tok
    out = torch.zeros_like(xb)
    scores = torch.zeros(B, T, E)
    chosen = torch.zeros(B, T, E)
    for b in range(B):
        for t in range(T):
            x = xb[b, t]
            s = (sd[p + "gate.weight"] @ x).softmax(-1)
            w, idx = s.topk(K)
            if K > 1 and cfg.norm_topk_prob:     # the published rule: top-1 keeps its raw score
                w = w / w.sum()
            for weight, e in zip(w.tolist(), idx.tolist()):
                out[b, t] += weight * ref_mlp(x[None], sd, f"{p}experts.{e}.")[0]
                chosen[b, t, e] = 1
            out[b, t] += ref_mlp(x[None], sd, p + "shared_experts.")[0]
            scores[b, t] = s
    # balance loss: f_i = E/(K*T') * (#tokens choosing i), P_i = mean score of i; alpha * sum f_i P_i
    if cfg.seq_aux:
        f = chosen.sum(1) * E / (K * T)                 # per sequence [B, E]
        P = scores.mean(1)
        aux = cfg.aux_loss_alpha * (f * P).sum(-1).mean()
    else:
        f = chosen.sum((0, 1)) * E / (K * B * T)
        P = scores.mean((0, 1))
        aux = cfg.aux_loss_alpha * (f * P).sum()
    return out, aux


def reference_state_dict(model) -> dict[str, torch.Tensor]:
    """The model's weights under the reference checkpoint names (what ``save_pretrained`` writes),
    split by transformers' own reverse conversion."""
    from transformers.core_model_loading import revert_weight_conversion

    return revert_weight_conversion(model, dict(model.state_dict()))


def ref_forward(model, ids):
    cfg = model.config
    sd = {k: v.detach().float() for k, v in reference_state_dict(model).items()}
    h = sd["model.embed_tokens.weight"][ids]                                     # [B, T, H]
    aux_total = torch.zeros(())
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        a = torch.stack([ref_attention(ref_rmsnorm(hb, sd[p + "input_layernorm.weight"], cfg.rms_norm_eps), sd,
                                       p + "self_attn.", cfg) for hb in h])
        h = h + a
        n = ref_rmsnorm(h, sd[p + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
        moe = i >= cfg.first_k_dense_replace and i % cfg.moe_layer_freq == 0
        if moe:
            m, aux = ref_moe(n, sd, p + "mlp.", cfg)
            aux_total = aux_total + aux
        else:
            m = ref_mlp(n, sd, p + "mlp.")
        h = h + m
    h = ref_rmsnorm(h, sd["model.norm.weight"], cfg.rms_norm_eps)
    return h @ sd["lm_head.weight"].T, aux_total


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seq_aux,norm_topk", [(True, False), (False, False), (True, True)])
def test_logits_and_aux_loss_match_reference(seq_aux, norm_topk):
    model = tiny_model(seq_aux=seq_aux, norm_topk_prob=norm_topk)
    model.train()   # the aux loss is a training quantity; dropout is 0
    torch.manual_seed(1)
    ids = torch.randint(0, 64, (2, 10))
    out = model(input_ids=ids, labels=ids)
    ref_logits, ref_aux = ref_forward(model, ids)
    assert (out.logits - ref_logits).abs().max().item() <= 1e-5
    assert abs(out.aux_loss.item() - ref_aux.item()) <= 1e-5
    assert out.aux_loss.item() > 0
    # the loss value is the LM cross-entropy (fp32); the aux loss only adds gradient
    lm = F.cross_entropy(ref_logits[:, :-1].reshape(-1, 64), ids[:, 1:].reshape(-1))
    assert abs(out.loss.item() - lm.item()) <= 1e-5


def test_aux_loss_gradient_reaches_router_and_alpha_scales_it():
    ids = torch.randint(0, 64, (2, 10), generator=torch.Generator().manual_seed(2))
    grads = {}
    for alpha in (0.0, 1.0):
        model = tiny_model(aux_loss_alpha=alpha).train()
        out = model(input_ids=ids, labels=ids)
        assert (out.aux_loss is None) == (alpha == 0.0)
        out.loss.backward()
        grads[alpha] = model.model.layers[1].mlp.gate.weight.grad.clone()
    # same weights and data: the only difference in the router gradient is the balance term
    assert (grads[1.0] - grads[0.0]).abs().max().item() > 1e-4


def test_expert_load_output():
    model = tiny_model().eval()
    out = model(input_ids=torch.randint(0, 64, (2, 12)))
    assert out.expert_load.shape == (2, 8)          # layers 1 and 2 are MoE, 8 experts
    assert torch.allclose(out.expert_load.sum(-1), torch.ones(2))
    assert out.expert_load.requires_grad is False


def test_moe_layer_placement_rule():
    cfg = tiny_config(num_hidden_layers=7, first_k_dense_replace=2, moe_layer_freq=2)
    model = DeepseekMoeForCausalLM(cfg)
    kinds = ["moe" if isinstance(layer.mlp, DeepseekMoE) else "dense" for layer in model.model.layers]
    # layer >= first_k_dense_replace and layer % moe_layer_freq == 0
    assert kinds == ["dense", "dense", "moe", "dense", "moe", "dense", "moe"]
    assert cfg.moe_layers == [2, 4, 6]
    dense = DeepseekMoeForCausalLM(tiny_config(n_routed_experts=None, num_experts_per_tok=None))
    assert all(isinstance(layer.mlp, DeepseekMLP) for layer in dense.model.layers)


def reference_state_dict_names(cfg) -> set[str]:
    names = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        names |= {p + f"self_attn.{x}_proj.weight" for x in "qkvo"}
        names |= {p + "input_layernorm.weight", p + "post_attention_layernorm.weight"}
        if i >= cfg.first_k_dense_replace and i % cfg.moe_layer_freq == 0:
            names.add(p + "mlp.gate.weight")
            names |= {p + f"mlp.experts.{e}.{x}_proj.weight" for e in range(cfg.n_routed_experts)
                      for x in ("gate", "up", "down")}
            names |= {p + f"mlp.shared_experts.{x}_proj.weight" for x in ("gate", "up", "down")}
        else:
            names |= {p + f"mlp.{x}_proj.weight" for x in ("gate", "up", "down")}
    return names


def test_checkpoint_names_are_the_reference_names_and_experts_are_fused():
    model = tiny_model()
    sd = reference_state_dict(model)
    assert set(sd) == reference_state_dict_names(model.config)
    fused = model.state_dict()
    assert fused["model.layers.1.mlp.experts.gate_up_proj"].shape == (8, 2 * 16, 32)    # [E, 2I, H]
    assert fused["model.layers.1.mlp.experts.down_proj"].shape == (8, 32, 16)           # [E, H, I]
    # expert 5's gate rows come first, then its up rows
    assert torch.equal(fused["model.layers.1.mlp.experts.gate_up_proj"][5, 16:],
                       sd["model.layers.1.mlp.experts.5.up_proj.weight"])
    assert not any(".experts.0." in k for k in fused)
    assert sd["model.layers.1.mlp.gate.weight"].shape == (8, 32)
    assert sd["model.layers.1.mlp.shared_experts.gate_proj.weight"].shape == (32, 32)   # 2 shared x 16
    assert sd["model.layers.1.mlp.experts.7.down_proj.weight"].shape == (32, 16)
    assert sd["model.layers.0.mlp.up_proj.weight"].shape == (48, 32)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_grouped_and_loop_dispatch_agree_with_gradients(dtype):
    cfg = tiny_config()
    torch.manual_seed(0)
    layer = DeepseekMoE(cfg).to(dtype)
    x = torch.randn(2, 16, 32, dtype=dtype)
    results = {}
    for impl in ("grouped_mm", "batched_mm", "loop"):
        cfg.moe_implementation = impl
        layer.zero_grad(set_to_none=True)
        xi = x.clone().requires_grad_()
        y, aux, load = layer(xi)
        (y.float().square().sum() + aux).backward()
        results[impl] = (y.detach().float(), xi.grad.float(),
                         torch.cat([p.grad.float().flatten() for p in layer.parameters()]))
    tol = 1e-5 if dtype == torch.float32 else 3e-2
    for impl in ("grouped_mm", "batched_mm"):
        for a, b in zip(results[impl], results["loop"]):
            assert (a - b).abs().max().item() <= tol * max(1.0, b.abs().max().item()), impl


def test_auto_runs_the_loop_on_cpu_and_leaves_transformers_dispatch_alone(monkeypatch):
    calls = []
    loop = moe.loop_experts_forward
    monkeypatch.setattr(moe, "loop_experts_forward", lambda *a: calls.append(1) or loop(*a))
    cfg = tiny_config()
    layer = DeepseekMoE(cfg)
    x = torch.randn(2, 16, 32)
    ran = {}
    for impl in ("auto", "grouped_mm", "loop"):
        cfg.moe_implementation = impl
        calls.clear()
        ran[impl] = (layer(x)[0], len(calls))
    assert [ran[i][1] for i in ("auto", "grouped_mm", "loop")] == [1, 0, 1]
    assert torch.equal(ran["auto"][0], ran["loop"][0])
    assert ALL_EXPERTS_FUNCTIONS["grouped_mm"] is grouped_mm_experts_forward   # other models keep the kernel


def test_train_and_eval_switch_every_module():
    model = DeepseekMoeForCausalLM(tiny_config())
    modes = lambda: {m.training for m in model.modules()}   # noqa: E731
    assert model.eval() is model and modes() == {False}
    assert model.train() is model and modes() == {True}
    assert model.train() is model and modes() == {True}      # already training: the walk is skipped
    model.model.layers[0].eval()
    assert model.eval() is model and modes() == {False}
    assert model.train(True) is model and modes() == {True}


def test_router_runs_in_fp32_in_a_bf16_model():
    cfg = tiny_config()
    layer = DeepseekMoE(cfg).to(torch.bfloat16)
    idx, w, aux = layer.gate(torch.randn(2, 5, 32, dtype=torch.bfloat16))
    assert w.dtype == torch.float32 and aux.dtype == torch.float32
    y, _, _ = layer(torch.randn(2, 5, 32, dtype=torch.bfloat16))
    assert y.dtype == torch.bfloat16


def test_bf16_model_forward_backward_is_finite_with_fp32_loss():
    torch.manual_seed(0)
    model = DeepseekMoeForCausalLM(tiny_config()).to(torch.bfloat16).train()
    ids = torch.randint(0, 64, (2, 16))
    out = model(input_ids=ids, labels=ids)
    assert out.logits.dtype == torch.bfloat16
    assert out.loss.dtype == torch.float32 and torch.isfinite(out.loss)
    out.loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    assert model.model.layers[1].mlp.experts.gate_up_proj.grad.abs().sum() > 0


def test_torch_compile_moe_layer_fp32_and_bf16():
    cfg = tiny_config()
    torch.manual_seed(0)
    for dtype in (torch.float32, torch.bfloat16):
        layer = DeepseekMoE(cfg).to(dtype)
        x = torch.randn(2, 8, 32, dtype=dtype)

        def f(inp):
            y, aux, _ = layer(inp)
            return y.float().square().mean() + aux

        compiled = torch.compile(f, fullgraph=True)
        xc, xe = x.clone().requires_grad_(), x.clone().requires_grad_()
        lc, le = compiled(xc), f(xe)
        lc.backward()
        le.backward()
        tol = 1e-5 if dtype == torch.float32 else 2e-2
        assert abs(lc.item() - le.item()) <= tol * max(1.0, abs(le.item()))
        assert (xc.grad.float() - xe.grad.float()).abs().max().item() <= tol * max(1.0, xe.grad.abs().max().item())
