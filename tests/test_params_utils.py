"""pytorchlite.utils.params: count_parameters (the guide's dict), freeze/unfreeze by pattern,
and the gradual unfreezing schedule."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.optim as optim
from pytorchlite.utils import GradualUnfreezer, count_parameters, freeze, unfreeze


class SimpleNN(nn.Module):
    def __init__(self, input_size=10, hidden_size=20, output_size=2):
        super().__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.layer2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.layer2(torch.relu(self.layer1(x)))


def test_count_parameters_is_the_guides_dict():
    model = SimpleNN(10, 20, 2)
    expected = sum(p.numel() for p in model.parameters())
    assert count_parameters(model) == {"total": expected, "trainable": expected,
                                       "non_trainable": 0}
    model.layer1.weight.requires_grad = False
    assert count_parameters(model) == {"total": expected, "trainable": expected - 200,
                                       "non_trainable": 200}


def test_count_parameters_counts_a_shared_parameter_once():
    a = nn.Linear(3, 3)
    model = nn.Sequential(a, nn.ReLU(), a)
    assert count_parameters(model)["total"] == 12


def test_freeze_a_layer_as_in_the_guide():
    model = SimpleNN()
    assert freeze(model, ["layer1"]) == ["layer1.weight", "layer1.bias"]
    assert {n: p.requires_grad for n, p in model.named_parameters()} == {
        "layer1.weight": False, "layer1.bias": False, "layer2.weight": True,
        "layer2.bias": True}
    assert freeze(model, "layer1") == []  # already frozen: nothing changed
    assert unfreeze(model, "layer1.bias") == ["layer1.bias"]


def test_patterns_are_prefixes_or_wildcards():
    model = nn.Sequential(*[nn.Linear(2, 2) for _ in range(12)])
    assert freeze(model, "1") == ["1.weight", "1.bias"]  # not 10.*, 11.*
    assert freeze(model, "*.bias") == [f"{i}.bias" for i in range(12) if i != 1]
    assert unfreeze(model, ["1[01].*"]) == ["10.bias", "11.bias"]  # the weights were trainable


def test_wildcard_unfreeze_returns_what_changed():
    model = nn.Sequential(*[nn.Linear(2, 2) for _ in range(12)])
    freeze(model, "*")
    assert unfreeze(model, "1[01].*") == ["10.weight", "10.bias", "11.weight", "11.bias"]
    assert count_parameters(model)["trainable"] == 12


def test_a_pattern_matching_nothing_raises_unless_not_strict():
    model = SimpleNN()
    with pytest.raises(ValueError, match="'layr1' matches no parameter"):
        freeze(model, ["layr1"])
    assert all(p.requires_grad for p in model.parameters())
    assert freeze(model, ["layr1"], strict=False) == []


def test_frozen_parameters_do_not_train():
    torch.manual_seed(0)
    model = SimpleNN()
    freeze(model, "layer1")
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = model(torch.randn(8, 10)).pow(2).mean()
    loss.backward()
    opt.step()
    for name, p in model.named_parameters():
        same = np.array_equal(p.detach().numpy(), before[name].numpy())
        assert same == name.startswith("layer1"), name


def test_gradual_unfreezer_unfreezes_one_group_every_n_epochs():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2))
    unfreezer = GradualUnfreezer(model, [["2"], ["1"], ["0"]], every=2)
    assert count_parameters(model)["trainable"] == 0
    seen = [unfreezer.step(epoch) for epoch in range(7)]
    assert seen == [["2.weight", "2.bias"], [], ["1.weight", "1.bias"], [],
                    ["0.weight", "0.bias"], [], []]
    assert count_parameters(model)["non_trainable"] == 0


def test_gradual_unfreezer_catches_up_and_restores_state():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    unfreezer = GradualUnfreezer(model, ["1", "0"], start=1)
    assert unfreezer.step(0) == []
    assert unfreezer.step(5) == ["1.weight", "1.bias", "0.weight", "0.bias"]  # skipped epochs
    state = unfreezer.state_dict()
    fresh_model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    fresh = GradualUnfreezer(fresh_model, ["1", "0"], start=1)
    fresh.load_state_dict({"unfrozen": 1})
    assert [p.requires_grad for p in fresh_model.parameters()] == [False, False, True, True]
    assert state == {"unfrozen": 2}
    with pytest.raises(ValueError, match="matches no parameter"):
        GradualUnfreezer(model, ["head"])
    with pytest.raises(ValueError, match="every must be"):
        GradualUnfreezer(model, ["0"], every=0)
