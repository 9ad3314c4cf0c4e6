"""Every public function and method of the core has complete type hints that resolve."""
import importlib
import inspect
import typing

import pytest

CORE = ["kernel.conv", "kernel.pool", "kernel.shapes", "kernel.grids", "kernel.notation", "lecture.layers",
        "lecture.blocks", "lecture.grammar", "lecture.architectures", "lecture.presets", "lecture.quiz.questions",
        "lecture.quiz.answers", "lecture.quiz.markdown", "kernel.validate", "images"]


def _public_callables(module):
    """(name, function) for the module's own public functions, and the public methods and properties of its
    public classes."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member) and member.__qualname__.startswith(obj.__qualname__ + "."):
                    yield f"{name}.{attr}", member


@pytest.mark.parametrize("module_name", CORE)
def test_public_functions_have_type_hints(module_name):
    module = importlib.import_module(f"cnnviz.{module_name}")
    missing = []
    for name, fn in _public_callables(module):
        hints = typing.get_type_hints(fn)  # every annotation must also resolve to a real type
        params = [p for p in inspect.signature(fn).parameters.values() if p.name not in ("self", "cls")]
        missing += [f"{name}({p.name})" for p in params if p.name not in hints]
        if "return" not in hints:
            missing.append(f"{name} -> ?")
    assert not missing, f"cnnviz.{module_name}: no type hint for " + ", ".join(missing)
