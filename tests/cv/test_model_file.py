"""The small networks' file layout and their inference form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cv import jersey, reid
from cv.errors import WeightsError
from cv.model_file import inference_net, load_model, save_model


def _with_statistics(net):
    """A fresh network with batch-norm statistics and scales that are not the identity (something to fold)."""
    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return net.eval()


@pytest.mark.parametrize("which", ["reid", "jersey"])
def test_the_inference_form_computes_what_the_network_does(which: str):
    """Batch norms folded into the convolutions and the channels-last layout change the speed, not the result."""
    import torch

    if which == "reid":
        net = _with_statistics(reid.build_net(reid.CropGeometry()))
        body, x = net, torch.rand(5, 3, 64, 32)
    else:
        net = _with_statistics(jersey.build_net(jersey.PatchGeometry()))
        body, x = net.body, torch.rand(5, 3, 32, 32)
    fast = inference_net(body)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fast.modules())
    assert sum(isinstance(m, torch.nn.Conv2d) for m in fast.modules()) == sum(
        isinstance(m, torch.nn.Conv2d) for m in body.modules())
    with torch.inference_mode():
        ref = body(x)
        got = fast(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(ref, got, atol=1e-5)


def test_a_saved_model_loads_with_its_geometry_and_bad_files_name_the_file(tmp_path: Path):
    import torch

    geo = reid.CropGeometry(height=16, width=8, dim=4)
    net = reid.build_net(geo)
    path = save_model(net, tmp_path / "m.pt", geo, {"note": "x"})
    back, g = load_model(path, "re-identification", reid.CropGeometry, reid.build_net)
    assert g == geo and torch.load(path, weights_only=True)["meta"] == {"note": "x"}
    x = torch.rand(2, 3, 16, 8)
    with torch.inference_mode():
        assert np.allclose(back(x).numpy(), net.eval()(x).numpy())
    with pytest.raises(WeightsError, match=r"m\.pt: not a pitchlens shirt-number model"):
        load_model(path, "shirt-number", jersey.PatchGeometry, jersey.build_net)
