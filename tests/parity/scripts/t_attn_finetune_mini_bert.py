# examples/finetune_mini_bert.py with fewer steps (15), run as a user would: python finetune_mini_bert.py 15
import runpy
import sys
from pathlib import Path

example = Path(__file__).resolve().parents[3] / "examples" / "finetune_mini_bert.py"
sys.argv = [str(example), "15"]
runpy.run_path(str(example), run_name="__main__")
