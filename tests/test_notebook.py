"""examples/guide.ipynb (the guide end to end) runs on a real ipykernel, prints the guide's
numbers, displays tensors and modules as PyTorch does (plain text, no HTML), the summary as a
table and the monitor's plot as an image; the cells tagged torch-parity print the same under
real PyTorch."""
import copy
import os
import re

import pytest

from conftest import child_env

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "examples", "guide.ipynb")


def run(nb):
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": ROOT}})
    client.execute(env=child_env())
    return nb


def stdout(cell):
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def results(cell):
    return [o.data for o in cell.outputs if o.output_type in ("execute_result", "display_data")]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def find(nb, text):
    """The one code cell whose source contains text."""
    matches = [c for c in code_cells(nb) if text in c.source]
    assert len(matches) == 1, text
    return matches[0]


@pytest.fixture(scope="module")
def executed():
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("matplotlib")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for c in code_cells(nb):
        c.outputs = []
    probe = nbformat.v4.new_code_cell("import pytorchlite\nprint(pytorchlite.__file__)")
    nb.cells.append(probe)
    return run(nb)


def test_runs_on_this_checkout_without_errors(executed):
    for c in code_cells(executed):
        assert not [o for o in c.outputs if o.output_type == "error"], c.source
    assert stdout(code_cells(executed)[-1]).startswith(os.path.join(ROOT, "pytorchlite"))


def test_prints_the_guides_numbers(executed):
    assert stdout(find(executed, "print(f\"{name}: {param.size()}\")")).splitlines() == [
        "layer1.weight: torch.Size([20, 10])", "layer1.bias: torch.Size([20])",
        "layer2.weight: torch.Size([2, 20])", "layer2.bias: torch.Size([2])"]
    assert stdout(find(executed, "param_counts = count_parameters(model)")).splitlines() == [
        "Total parameters: 262", "Trainable parameters: 262", "Non-trainable parameters: 0"]
    [counts] = results(find(executed, "from pytorchlite.utils import ParameterMonitor, count"))
    assert counts["text/plain"] == "{'total': 262, 'trainable': 262, 'non_trainable': 0}"
    assert stdout(find(executed, "print(freeze(model")).splitlines() == [
        "['layer1.weight', 'layer1.bias']", "{'total': 262, 'trainable': 42, 'non_trainable': 220}",
        "['layer1.weight', 'layer1.bias']", "{'total': 262, 'trainable': 262, 'non_trainable': 0}"]
    frozen = stdout(find(executed, "freeze_layers(model, ['layer1'])")).splitlines()
    assert frozen == [f"layer{i}.{p}: requires_grad = {i == 2}" for i in (1, 2) for p in ("weight", "bias")]


def test_training_and_monitor(executed):
    lines = stdout(find(executed, "param_history = train_with_monitoring")).splitlines()
    assert [l for l in lines if l.startswith("Parameter:")] == [
        "Parameter: fc1.weight", "Parameter: fc1.bias", "Parameter: fc2.weight", "Parameter: fc2.bias"]
    epochs = [l for l in lines if l.startswith("  Epoch")]
    assert len(epochs) == 20
    assert all(re.fullmatch(r"  Epoch \d: Mean=-?\d\.\d{4}, Std=(\d\.\d{4}|nan), Grad Mean=-?\d\.\d{4}", l)
               for l in epochs)
    assert ["Std=nan," in l for l in epochs] == [False] * 15 + [True] * 5
    built_in = stdout(find(executed, "monitor.record(epoch)")).splitlines()
    assert built_in[0] == "same statistics as the guide's monitor: True"
    assert built_in[1] == "ParameterMonitor(every='epoch', parameters=4, records=5)"
    plot = find(executed, "monitor.plot(")
    assert stdout(plot).strip() == "['mean', 'std', 'grad_mean']"
    [figure] = results(plot)
    assert "image/png" in figure and figure["text/plain"].endswith("with 3 Axes>")


def test_displays(executed):
    [table] = results(find(executed, "summary(model, input_size=(1, 10))"))
    text = table["text/plain"].splitlines()
    assert "Total params: 262" in text and "Non-trainable params: 0" in text
    assert "<table" in table["text/html"] and "262" in table["text/html"]
    [module] = results([c for c in code_cells(executed) if c.source == "model"][0])
    assert list(module) == ["text/plain"] and module["text/plain"].startswith("SimpleNN(\n  (layer1): Linear(")
    [tensor] = results([c for c in code_cells(executed) if c.source == "model.layer2.bias"][0])
    assert list(tensor) == ["text/plain"]  # PyTorch has no HTML form for tensors
    assert tensor["text/plain"].startswith("Parameter containing:\ntensor([")


def test_parity_cells_print_what_torch_prints(executed):
    pytest.importorskip("torch")
    nbformat = pytest.importorskip("nbformat")
    ours = [c for c in code_cells(executed) if "torch-parity" in c.metadata.get("tags", [])]
    assert len(ours) >= 8
    theirs = nbformat.v4.new_notebook(cells=[copy.deepcopy(c) for c in ours])
    for c in theirs.cells:
        c.outputs = []
        c.source = c.source.replace("pytorchlite", "torch")
    run(theirs)
    for mine, real in zip(ours, theirs.cells):
        assert not [o for o in real.outputs if o.output_type == "error"], real.source
        assert stdout(mine) == stdout(real), mine.source
        assert [r.get("text/plain") for r in results(mine)] == [r.get("text/plain") for r in results(real)]
