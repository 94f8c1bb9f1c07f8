"""``DeepseekMoeForCausalLM``: DeepSeekMoE (LLaMA attention + DeepSeekMoE FFN) as a transformers model.

Checkpoint names are those of the reference ``DeepseekForCausalLM`` (``model.layers.N.mlp.gate.weight``,
``model.layers.N.mlp.experts.E.{gate,up,down}_proj.weight``, ``...mlp.shared_experts.*``, the dense
layers' ``mlp.{gate,up,down}_proj``, LLaMA-style ``self_attn.{q,k,v,o}_proj`` and norms), so
reference checkpoints load with no missing or unexpected keys and ours load in the reference code.
In memory the routed experts of a layer are two fused parameters (``mlp.experts.gate_up_proj``,
``mlp.experts.down_proj``); transformers' checkpoint conversion mapping fuses and splits them at
load and save (see :mod:`jiniac_hpc.model.moe`). Attention, RMSNorm
and RoPE are transformers' LLaMA modules (SDPA by default); the MoE layer lives in
:mod:`jiniac_hpc.model.moe`.

Outputs (:class:`DeepseekMoeCausalLMOutput`) add ``aux_loss`` (the balance loss summed over MoE
layers, already scaled by ``aux_loss_alpha``) and ``expert_load`` (``[n_moe_layers, E]``, fraction of
assignments per expert) for logging. With ``labels`` the returned ``loss`` *value* is the fp32
language-model cross-entropy (comparable to the reference's logged loss) while its *gradient* also
contains the aux loss: ``loss = lm_loss + (aux - aux.detach())``. The reference injects that same
gradient with an autograd trick; ours differs only in that it is scaled with the loss (gradient
accumulation, loss scaling), which is what the balance coefficient means. A trainer that computes
its own loss from the logits (e.g. DPO) must add ``outputs.aux_loss`` itself if it wants it.

    from jiniac_hpc.model.load import load_model
    model = load_model("path/to/checkpoint", dtype="bfloat16", device="cuda")
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.cache_utils import Cache, DynamicCache
from transformers.conversion_mapping import register_checkpoint_conversion_mapping
from transformers.masking_utils import create_causal_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutputWithPast
from transformers.modeling_utils import slice_logits_to_keep
from transformers.models.llama.modeling_llama import LlamaAttention, LlamaRMSNorm, LlamaRotaryEmbedding
from transformers.utils import ModelOutput

from jiniac_hpc.model.configuration_deepseek import DeepseekMoeConfig
from jiniac_hpc.model.moe import CHECKPOINT_CONVERSION, DeepseekMLP, DeepseekMoE, DeepseekMoeExperts, MoEGate


@dataclass
class DeepseekMoeModelOutput(BaseModelOutputWithPast):
    aux_loss: torch.Tensor | None = None
    expert_load: torch.Tensor | None = None


@dataclass
class DeepseekMoeCausalLMOutput(ModelOutput):
    """``loss``/``logits``/``cache`` as usual, plus ``aux_loss`` (scalar, fp32) and ``expert_load``
    ([n_moe_layers, n_routed_experts], rows sum to 1)."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    cache: Cache | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    aux_loss: torch.Tensor | None = None
    expert_load: torch.Tensor | None = None


class DeepseekDecoderLayer(GradientCheckpointingLayer):
    def __init__(self, config: DeepseekMoeConfig, layer_idx: int):
        super().__init__()
        self.self_attn = LlamaAttention(config=config, layer_idx=layer_idx)
        self.is_moe = config.is_moe_layer(layer_idx)
        self.mlp = DeepseekMoE(config) if self.is_moe else DeepseekMLP(config)
        self.input_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(self, hidden_states, attention_mask=None, position_ids=None, cache=None, use_cache=False,
                position_embeddings=None, **kwargs):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, _ = self.self_attn(hidden_states=hidden_states, attention_mask=attention_mask,
                                          position_ids=position_ids, cache=cache, use_cache=use_cache,
                                          position_embeddings=position_embeddings, **kwargs)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        aux_loss = load = None
        if self.is_moe:
            hidden_states, aux_loss, load = self.mlp(hidden_states)
        else:
            hidden_states = self.mlp(hidden_states)
        return residual + hidden_states, aux_loss, load


class DeepseekMoePreTrainedModel(PreTrainedModel):
    config_class = DeepseekMoeConfig
    config: DeepseekMoeConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["DeepseekDecoderLayer"]
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = True
    _supports_attention_backend = True
    _can_compile_fullgraph = False   # moe_implementation="loop" syncs on per-expert counts

    def train(self, mode: bool = True):
        # HF Trainer calls model.train() before every micro-batch, a recursive walk over every
        # module. Already training, skip it; eval() and the switch back from eval still walk.
        # (A submodule switched to eval on its own stays so until the model's next eval/train pair.)
        if mode and self.training:
            return self
        return super().train(mode)

    @classmethod
    def _can_set_experts_implementation(cls) -> bool:
        # transformers looks for "@use_experts_implementation" in the model's own source file; our
        # experts class (which has it) lives in moe.py.
        return True

    def _init_weights(self, module):
        super()._init_weights(module)
        if isinstance(module, MoEGate):
            init.kaiming_uniform_(module.weight, a=5 ** 0.5)
        elif isinstance(module, DeepseekMoeExperts):   # as nn.Linear experts would be: N(0, initializer_range)
            init.normal_(module.gate_up_proj, mean=0.0, std=self.config.initializer_range)
            init.normal_(module.down_proj, mean=0.0, std=self.config.initializer_range)


class DeepseekMoeModel(DeepseekMoePreTrainedModel):
    def __init__(self, config: DeepseekMoeConfig):
        super().__init__(config)
        self.padding_idx = config.pad_token_id
        self.vocab_size = config.vocab_size
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, self.padding_idx)
        self.layers = nn.ModuleList([DeepseekDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
        self.norm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = LlamaRotaryEmbedding(config=config)
        self.gradient_checkpointing = False
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, cache: Cache | None = None,
                inputs_embeds=None, use_cache: bool | None = None, output_hidden_states: bool | None = None,
                past_key_values: Cache | None = None, **kwargs) -> DeepseekMoeModelOutput:
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        cache = cache if cache is not None else past_key_values
        use_cache = use_cache if use_cache is not None else self.config.use_cache
        if self.gradient_checkpointing and self.training:
            use_cache = False   # the recompute would write the cache twice
        output_hidden_states = (output_hidden_states if output_hidden_states is not None
                                else self.config.output_hidden_states)
        kwargs.pop("output_attentions", None)
        kwargs.pop("return_dict", None)
        if inputs_embeds is None:
            inputs_embeds = self.embed_tokens(input_ids)
        if use_cache and cache is None:
            cache = DynamicCache(config=self.config)
        if position_ids is None:
            past = cache.get_seq_length() if cache is not None else 0
            position_ids = (torch.arange(inputs_embeds.shape[1], device=inputs_embeds.device) + past).unsqueeze(0)
        causal_mask = create_causal_mask(config=self.config, inputs_embeds=inputs_embeds,
                                         attention_mask=attention_mask, cache=cache, position_ids=position_ids)
        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids=position_ids)
        all_hidden = [] if output_hidden_states else None
        aux_losses, loads = [], []
        for layer in self.layers:
            if all_hidden is not None:
                all_hidden.append(hidden_states)
            hidden_states, aux, load = layer(hidden_states, attention_mask=causal_mask,
                                             position_embeddings=position_embeddings, position_ids=position_ids,
                                             cache=cache, use_cache=use_cache, **kwargs)
            if aux is not None:
                aux_losses.append(aux)
            if load is not None:
                loads.append(load)
        hidden_states = self.norm(hidden_states)
        if all_hidden is not None:
            all_hidden.append(hidden_states)
        return DeepseekMoeModelOutput(
            last_hidden_state=hidden_states, cache=cache if use_cache else None,
            hidden_states=tuple(all_hidden) if all_hidden is not None else None,
            aux_loss=torch.stack(aux_losses).sum() if aux_losses else None,
            expert_load=torch.stack(loads) if loads else None)


class DeepseekMoeForCausalLM(DeepseekMoePreTrainedModel, GenerationMixin):
    _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}

    def __init__(self, config: DeepseekMoeConfig):
        super().__init__(config)
        self.model = DeepseekMoeModel(config)
        self.vocab_size = config.vocab_size
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, cache: Cache | None = None,
                inputs_embeds=None, labels=None, use_cache: bool | None = None,
                logits_to_keep: int | torch.Tensor = 0, past_key_values: Cache | None = None,
                return_dict: bool | None = None, **kwargs) -> DeepseekMoeCausalLMOutput:
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         cache=cache if cache is not None else past_key_values, inputs_embeds=inputs_embeds,
                         use_cache=use_cache, **kwargs)
        hidden_states = slice_logits_to_keep(out.last_hidden_state, logits_to_keep)
        logits = self.lm_head(hidden_states)
        loss = None
        if labels is not None:
            # fp32 cross-entropy (ForCausalLMLoss upcasts the logits); shifts labels internally.
            loss = self.loss_function(logits=logits, labels=labels, vocab_size=self.config.vocab_size, **kwargs)
            if out.aux_loss is not None and self.training:
                loss = loss + (out.aux_loss - out.aux_loss.detach())   # value: LM loss; gradient: + aux
        result = DeepseekMoeCausalLMOutput(loss=loss, logits=logits, cache=out.cache, hidden_states=out.hidden_states,
                                           aux_loss=out.aux_loss, expert_load=out.expert_load)
        return result.to_tuple() if return_dict is False else result


# Part of the class's definition: every save_pretrained/from_pretrained of a model_type "deepseek"
# model, however it was built, writes and reads the reference per-expert names.
register_checkpoint_conversion_mapping(DeepseekMoeConfig.model_type, CHECKPOINT_CONVERSION, overwrite=True)

__all__ = ["DeepseekMoeForCausalLM", "DeepseekMoeModel", "DeepseekMoePreTrainedModel",
           "DeepseekMoeCausalLMOutput", "DeepseekMoeModelOutput", "DeepseekDecoderLayer"]
