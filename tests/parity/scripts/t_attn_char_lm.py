# examples/char_lm.py with fewer steps (40), run as a user would: python char_lm.py 40
import runpy
import sys
from pathlib import Path

example = Path(__file__).resolve().parents[3] / "examples" / "char_lm.py"
sys.argv = [str(example), "40"]
runpy.run_path(str(example), run_name="__main__")
