# examples/transfer_resnet18.py run as a user would: freeze a ResNet-18 backbone, train a new
# head, unfreeze layer4 in a second parameter group, evaluate
import runpy
import sys
from pathlib import Path

example = Path(__file__).resolve().parents[3] / "examples" / "transfer_resnet18.py"
sys.argv = [str(example)]
runpy.run_path(str(example), run_name="__main__")
