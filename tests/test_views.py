"""The views: no Streamlit below cnnviz.ui."""
import subprocess
import sys

from conftest import ROOT


def test_views_import_without_streamlit():
    # A fresh interpreter: this test process has Streamlit loaded by other tests.
    code = (
        "import importlib, pkgutil, sys\n"
        "import cnnviz, cnnviz.views\n"
        "names = [m.name for m in pkgutil.iter_modules(cnnviz.views.__path__, 'cnnviz.views.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names), 'streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    count, loaded = out.split()
    assert int(count) >= 5 and loaded == "False"
