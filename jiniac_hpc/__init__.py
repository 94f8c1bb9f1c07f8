"""jiniac-hpc: a Slurm-native job suite from raw text to an evaluated Japanese MoE LLM.

Importing this package is cheap (no torch, no transformers). The DeepSeekMoE model classes
(:mod:`jiniac_hpc.model`) are registered with transformers' Auto classes the moment transformers
is imported (or right away if it already is), so after ``import jiniac_hpc``
``AutoModelForCausalLM.from_pretrained(dir)`` loads ``model_type: deepseek`` checkpoints.
"""
import importlib.abc
import sys

__version__ = "0.1.0"


def _register_models() -> None:
    try:
        from jiniac_hpc.model.registration import register_if_idle

        register_if_idle()
    except Exception as e:   # never break `import transformers` itself; say why loading will fail
        import warnings

        warnings.warn(f"jiniac_hpc: could not register the DeepSeekMoE model with transformers: {e!r}")


class _RegisterAfterImport(importlib.abc.Loader):
    """Wraps transformers' loader: run it, then register our Auto classes."""

    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _register_models()

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _TransformersImportHook(importlib.abc.MetaPathFinder):
    """One-shot finder: intercepts the first ``import transformers`` (and removes itself)."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "transformers":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _RegisterAfterImport(spec.loader)
                return spec
        return None


if "transformers" in sys.modules:
    _register_models()
elif not any(isinstance(f, _TransformersImportHook) for f in sys.meta_path):
    sys.meta_path.insert(0, _TransformersImportHook())
