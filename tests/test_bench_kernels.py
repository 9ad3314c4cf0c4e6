"""The kernel benchmark stays optional: without PyTorch it says so and stops."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_kernels.py"


def test_benchmark_without_torch_stops_with_a_clear_message():
    # sys.modules["torch"] = None makes `import torch` fail, as on a machine without PyTorch.
    code = f"import runpy, sys; sys.modules['torch'] = None; runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "PyTorch" in run.stderr and "pip install torch" in run.stderr
    assert "Traceback" not in run.stderr
