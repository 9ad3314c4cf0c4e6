"""Every public function and method of the core has complete type hints that resolve."""
import importlib
import inspect
import pkgutil
import typing
from pathlib import Path

import pytest

import cnnviz

# The core: what sits below the views. Its packages are walked, so a new module is covered as it lands.
CORE_PACKAGES = ["kernel", "lecture", "learn"]
CORE_MODULES = ["images"]


def _core_modules() -> list[str]:
    """The core's module names under ``cnnviz``: each package, every module and subpackage in it, and the modules."""
    names = list(CORE_MODULES)
    for package in CORE_PACKAGES:
        names.append(package)
        path = importlib.import_module(f"cnnviz.{package}").__path__
        found = pkgutil.walk_packages(path, prefix=f"cnnviz.{package}.")  # full names: subpackages are walked too
        names += [info.name.removeprefix("cnnviz.") for info in found]
    return sorted(names)


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


def test_every_core_file_is_covered():
    root = Path(cnnviz.__file__).parent
    files = {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
             for package in CORE_PACKAGES for p in (root / package).rglob("*.py")}
    assert files <= set(_core_modules()), files - set(_core_modules())


@pytest.mark.parametrize("module_name", _core_modules())
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
