"""A pytest plugin for code written against PyTorch's API: the ``torch_seed`` fixture, the
``framework`` fixture and the ``both_frameworks`` marker.

Enable it per run with ``pytest -p pytorchlite.testing._plugin``, or for a project in its
top-level ``conftest.py``::

    pytest_plugins = ["pytorchlite.testing._plugin"]

It is opt-in on purpose (there is no ``pytest11`` entry point): installing pytorchlite does not
add fixtures to, or import a C extension into, every pytest session on the machine.

Fixtures and markers:

``torch_seed``
    Seeds pytorchlite (and torch, when the test also uses the ``framework`` fixture or torch is
    already imported) with ``torch.manual_seed`` before the test, and restores the random
    number generators' states after it, so a test neither depends on nor disturbs the streams
    of other tests. The value is the seed: 0, or the ``torch_seed`` ini option, or
    ``@pytest.mark.torch_seed(1234)`` on the test.

``framework``
    The module a test runs under: ``pytorchlite`` by default.

``@pytest.mark.both_frameworks``
    Runs the test twice, with ``framework`` set to pytorchlite and then to torch (the torch
    run is skipped when torch is not installed)::

        @pytest.mark.both_frameworks
        def test_softmax_sums_to_one(framework, torch_seed):
            x = framework.randn(4, 5)
            framework.testing.assert_close(x.softmax(1).sum(1), framework.ones(4))
"""
import sys

import pytest

FRAMEWORKS = ("pytorchlite", "torch")


def pytest_addoption(parser):
    parser.addini("torch_seed", "the seed of the torch_seed fixture (default 0)", default="0")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "both_frameworks: run the test under pytorchlite and, when it is installed, "
                   "under torch (the `framework` fixture)")
    config.addinivalue_line(
        "markers", "torch_seed(seed): the seed the torch_seed fixture uses for this test")


def pytest_generate_tests(metafunc):
    if (metafunc.definition.get_closest_marker("both_frameworks")
            and "framework" in metafunc.fixturenames):
        metafunc.parametrize("framework", FRAMEWORKS, indirect=True, ids=FRAMEWORKS)


@pytest.fixture
def framework(request):
    """pytorchlite, or torch in the second run of a ``both_frameworks`` test."""
    name = getattr(request, "param", "pytorchlite")
    if name == "torch":
        return pytest.importorskip("torch", reason="torch is not installed")
    import pytorchlite

    return pytorchlite


@pytest.fixture
def torch_seed(request):
    """Seeds the generators for the test and restores their states afterwards."""
    import pytorchlite

    marker = request.node.get_closest_marker("torch_seed")
    if marker is not None and marker.args:
        seed = int(marker.args[0])
    else:
        seed = int(request.config.getini("torch_seed"))
    if "framework" in request.fixturenames:
        request.getfixturevalue("framework")  # import the test's framework before seeding it
    libraries = [pytorchlite]
    real = sys.modules.get("torch")
    if real is not None and real is not pytorchlite and hasattr(real, "get_rng_state"):
        libraries.append(real)
    saved = [(lib, lib.get_rng_state()) for lib in libraries]
    for lib in libraries:
        lib.manual_seed(seed)
    yield seed
    for lib, state in saved:
        lib.set_rng_state(state)
