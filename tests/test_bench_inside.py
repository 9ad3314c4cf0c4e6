"""The interpretation benchmark runs without PyTorch too: excite timed alone, occlusion against the naive loop."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_inside.py"


def test_benchmark_without_torch_times_cnnviz_alone():
    # sys.modules["torch"] = None makes `import torch` fail, as on a machine without PyTorch.
    code = (f"import runpy, sys; sys.modules['torch'] = None; sys.argv = ['bench', '--repeats', '1']; "
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "PyTorch is not installed" in run.stdout and "pip install torch" in run.stdout
    assert "| cnnviz excite conv2 0, 8 + 8 filters" in run.stdout and "| PyTorch" not in run.stdout
    assert "| naive loop occlusion 3x3, 8 filters" in run.stdout
    assert "an excited input under 200 ms" in run.stdout
