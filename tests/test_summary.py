"""pytorchlite.utils.summary: the table's rows and totals, checked line by line, and against
torchinfo's table for the same torch model when torchinfo is installed."""
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
from pytorchlite.utils import summary

ALL_COLUMNS = ("input_size", "output_size", "num_params", "params_percent", "kernel_size",
               "mult_adds", "trainable")


def models(lib):
    """The same three models built with pytorchlite or with torch."""
    class SimpleNN(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = lib.nn.Linear(10, 20)
            self.layer2 = lib.nn.Linear(20, 2)

        def forward(self, x):
            return self.layer2(lib.relu(self.layer1(x)))

    class Blocks(lib.nn.Module):  # a ModuleList never called itself, a parameter of its own
        def __init__(self):
            super().__init__()
            self.blocks = lib.nn.ModuleList(
                [lib.nn.Sequential(lib.nn.Linear(8, 8), lib.nn.ReLU()) for _ in range(2)])
            self.head = lib.nn.Linear(8, 3)
            self.extra = lib.nn.Parameter(lib.zeros(5))

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    class Reuse(lib.nn.Module):  # a module called twice, nesting three deep
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(4, 4)
            self.out = lib.nn.Sequential(lib.nn.Linear(4, 2),
                                         lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Linear(2, 2)))

        def forward(self, x):
            return self.out(self.fc(self.fc(x)))

    lib.manual_seed(0)
    simple, blocks, reuse = SimpleNN(), Blocks(), Reuse()
    blocks.head.weight.requires_grad_(False)
    reuse.fc.requires_grad_(False)
    return simple, blocks, reuse


def tables(lib, summarize):
    simple, blocks, reuse = models(lib)
    return [
        summarize(simple, input_size=(3, 10), col_names=("output_size", "num_params")),
        summarize(simple, col_names=("num_params",)),
        summarize(blocks, input_size=(2, 8), col_names=ALL_COLUMNS),
        summarize(blocks, depth=1, col_names=("num_params",)),
        summarize(reuse, input_data=lib.zeros(5, 4), col_names=ALL_COLUMNS,
                  row_settings=("depth", "var_names")),
        summarize(reuse, input_data=[lib.zeros(5, 4)], depth=1,
                  col_names=("output_size", "num_params", "trainable")),
        summarize(reuse, input_size=(500, 4), depth=2, col_names=("output_size", "num_params")),
    ]


def test_tables_match_torchinfo_line_by_line():
    real = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    theirs = tables(real, lambda m, **kw: torchinfo.summary(m, verbose=0, **kw))
    ours = tables(torch, lambda m, **kw: summary(m, verbose=0, **kw))
    for a, b in zip(ours, theirs):
        assert str(a).splitlines() == str(b).splitlines()


def two_output_tables(lib, summarize):
    class Two(lib.nn.Module):  # two inputs, two outputs, a layer never called
        def __init__(self):
            super().__init__()
            self.a, self.b, self.unused = (lib.nn.Linear(3, 4), lib.nn.Linear(3, 2),
                                           lib.nn.Linear(9, 9))

        def forward(self, x, y=None):
            return self.a(x), self.b(x if y is None else y)

    def deep(n):
        return lib.nn.Sequential(lib.nn.Linear(3, 3), *([deep(n - 1)] if n else []))

    lib.manual_seed(0)
    model = Two()
    return [
        summarize(model, input_data={"x": lib.zeros(2, 3), "y": lib.zeros(2, 3)},
                  col_names=("input_size", "output_size", "num_params", "mult_adds")),
        summarize(model, input_size=[(2, 3), (2, 3)],
                  col_names=("input_size", "output_size", "num_params")),
        summarize(deep(3), input_size=(1, 3), depth=2,
                  col_names=("output_size", "num_params", "mult_adds")),
    ]


def test_inputs_outputs_and_depth_match_torchinfo():
    real = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    theirs = two_output_tables(real, lambda m, **kw: torchinfo.summary(m, verbose=0, **kw))
    ours = two_output_tables(torch, lambda m, **kw: summary(m, verbose=0, **kw))
    for a, b in zip(ours, theirs):
        assert str(a).splitlines() == str(b).splitlines()


def test_simple_model_rows_and_totals():
    simple, _, _ = models(torch)
    stats = summary(simple, input_size=(1, 10), verbose=0)
    lines = str(stats).splitlines()
    w1, w2 = 10 * 20 + 20, 20 * 2 + 2
    width = 40 + 3 * 25
    assert lines[0] == lines[2] == "=" * width
    assert lines[1].split() == ["Layer", "(type:depth-idx)", "Output", "Shape", "Param", "#",
                                "Trainable"]
    def row(name, shape, params, flag):
        return f"{name:<40} {shape:<25} {params:<25} {flag}"

    assert lines[3] == row("SimpleNN", "[1, 2]", "--", "True")
    assert lines[4] == row("├─Linear: 1-1", "[1, 20]", str(w1), "True")
    assert lines[5] == row("├─Linear: 1-2", "[1, 2]", str(w2), "True")
    assert lines[6] == "=" * width
    assert f"Total params: {w1 + w2:,}" in lines
    assert f"Trainable params: {w1 + w2:,}" in lines
    assert "Non-trainable params: 0" in lines
    assert stats.counts == {"total": w1 + w2, "trainable": w1 + w2, "non_trainable": 0}
    assert stats.total_param_bytes == (w1 + w2) * 4
    assert stats.total_input == 10 * 4
    assert stats.total_output_bytes == 2 * 4 * (20 + 2)  # outputs of layers with weights, x2


def test_frozen_layers_show_as_false_and_partial():
    simple, _, _ = models(torch)
    simple.layer1.weight.requires_grad = False
    stats = summary(simple, verbose=0)
    rows = str(stats).splitlines()[3:6]
    assert rows[0].split()[-1] == "Partial"
    assert rows[1].split()[-2:] == ["220", "Partial"]
    assert rows[2].split()[-1] == "True"
    assert stats.counts == {"total": 262, "trainable": 62, "non_trainable": 200}
    simple.layer1.bias.requires_grad = False
    assert str(summary(simple, verbose=0)).splitlines()[4].split()[-2:] == ["(220)", "False"]


def test_depth_limits_rows_and_folds_counts_into_parents():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    deep = str(summary(model, input_size=(2, 3), verbose=0)).splitlines()
    shallow = str(summary(model, input_size=(2, 3), depth=1, verbose=0)).splitlines()
    assert any("│    └─Linear: 2-1" in line for line in deep)
    assert not any("2-1" in line for line in shallow)
    nested = [line for line in shallow if line.startswith("├─Sequential: 1-2")]
    assert nested and nested[0].split()[-2] == str(4 * 4 + 4)


def test_the_forward_pass_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5))
    model.train()
    summary(model, input_data=torch.ones(2, 3), verbose=0)
    assert model.training and model[1].training
    assert not model._forward_hooks and not model[0]._forward_pre_hooks
    summary(model, input_data=torch.ones(2, 3), mode="train", verbose=0)
    assert model.training


def test_verbose_prints_the_table(capsys):
    model = nn.Linear(2, 2)
    stats = summary(model, verbose=1)
    assert capsys.readouterr().out == str(stats) + "\n"
    summary(model, verbose=0)
    assert capsys.readouterr().out == ""


def test_html_view_lists_the_layers():
    simple, _, _ = models(torch)
    html = summary(simple, input_size=(1, 10), verbose=0)._repr_html_()
    assert html.count("<tr>") == 1 + 3 + 3 + 4  # header, rows, counts, sizes
    assert "Linear: 1-1" in html and "[1, 20]" in html and "Total params" in html


def test_argument_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="Only one of"):
        summary(model, input_size=(1, 2), input_data=torch.ones(1, 2), verbose=0)
    with pytest.raises(ValueError, match="You must pass input_data or input_size"):
        summary(model, col_names=("output_size",), verbose=0)
    with pytest.raises(ValueError, match="negative size"):
        summary(model, input_size=(0, 2), verbose=0)
    with pytest.raises(RuntimeError, match="Failed to run summary") as info:
        summary(model, input_size=(1, 3), verbose=0)
    assert info.value.__cause__ is not None
    assert not model._forward_hooks
