"""The tour's training section: the built-in ParameterMonitor prints the guide's lines, and its
plot is written to the PNG the tour names when matplotlib is installed."""
import pytest

from pytorchlite.__main__ import tour_monitoring


def test_tour_prints_the_guides_lines_and_writes_the_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "monitor.png"
    tour_monitoring(epochs=2, plot_path=str(png))
    lines = capsys.readouterr().out.splitlines()
    assert "Parameter: fc2.bias" in lines
    assert sum(line.startswith("  Epoch 1: Mean=") for line in lines) == 4
    bias = lines.index("Parameter: fc2.bias")
    assert all("Std=nan," in line for line in lines[bias + 1:bias + 3])  # one element, as in
    assert not any("Std=nan" in line for line in lines[:bias])             # the guide
    assert lines[-1] == f"Monitor plot (mean, std, grad_mean per parameter) written to {png}"
    assert png.read_bytes()[:4] == b"\x89PNG"
