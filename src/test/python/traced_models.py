"""Writes TorchScript models that test how the engine's outputs are read.

traced-sinusoidal: a traced model that holds a float64 constant, as many DDPM codebases' models do.

The timestep embedding `exp(-log(10000) * arange(half) / half)` is traced by torch 1.13 into an int64
`arange` times a 0-dim float64 constant. Without TorchScript's graph optimizer, libtorch 2.x promotes that
product to float64 and the next linear layer fails ("mat1 and mat2 must have the same dtype"); with the
optimizer (PyTorch's default) the model runs. TorchScriptDenoiserTest loads it through DJL.

strided-output and offset-output: out = 2 x, returned as a transposed (non-contiguous) view and as a view
into the second half of a larger tensor (a storage offset): a model's output layout is its own business, and
TorchScriptDenoiserTest checks that the values read back are 2 x in order.

Run with Debian's torch:  /usr/bin/python3 src/test/python/traced_models.py
It rewrites src/test/resources/models/traced-sinusoidal, strided-output and offset-output.
"""
import hashlib
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class SinusoidalDenoiser(torch.nn.Module):
    """A small class-conditional denoiser with the common sinusoidal timestep embedding."""

    def __init__(self, classes=3, dim=16, size=16):
        super().__init__()
        self.dim = dim
        self.size = size
        self.time = torch.nn.Linear(dim, size * size)
        self.label = torch.nn.Embedding(classes + 1, size * size)
        self.conv = torch.nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, x, t, y):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
        args = t[:, None] * freqs[None]
        emb = torch.cat([torch.sin(args), torch.cos(args)], dim=1)
        h = self.time(emb).view(-1, 1, self.size, self.size) + self.label(y).view(-1, 1, self.size, self.size)
        return self.conv(x) + 0.1 * h


class StridedOutput(torch.nn.Module):
    """out = 2 x as a non-contiguous view: the transpose of a contiguous transpose."""

    def forward(self, x, t):
        return (2 * x).transpose(2, 3).contiguous().transpose(2, 3)


class OffsetOutput(torch.nn.Module):
    """out = 2 x as the second half of a concatenation: contiguous, at a storage offset."""

    def forward(self, x, t):
        return torch.cat([x, 2 * x])[x.shape[0]:]


def save(module, name, shape, provenance, num_classes=None):
    """Writes model.pt and its card (an epsilon model on the linear schedule) under src/test/resources/models."""
    out = os.path.join(ROOT, "src", "test", "resources", "models", name)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "model.pt")
    module.save(path)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    card = {
        "name": name,
        "prediction": "epsilon",
        "schedule": {"kind": "linear", "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02},
        "timestep_input": "index",
        "sample_shape": shape,
        "value_range": [-1.0, 1.0],
    }
    if num_classes is not None:
        card["num_classes"] = num_classes
    card["provenance"] = provenance
    card["sha256"] = sha
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def main():
    x = torch.randn(3, 1, 4, 6)
    for module, name in ((StridedOutput(), "strided-output"), (OffsetOutput(), "offset-output")):
        scripted = torch.jit.script(module)
        out = scripted(x, torch.zeros(3))
        assert torch.equal(out, 2 * x)
        assert out.is_contiguous() == (name == "offset-output") and (name != "offset-output" or out.storage_offset() > 0)
        save(scripted, name, [1, 4, 6], "src/test/python/traced_models.py: torch.jit.script of out = 2 x as a "
             + ("transposed view" if name == "strided-output" else "view at a storage offset")
             + " with torch " + torch.__version__)
    torch.manual_seed(0)
    model = SinusoidalDenoiser().eval()
    example = (torch.randn(2, 1, 16, 16), torch.tensor([999.0, 500.0]), torch.tensor([0, 3]))
    traced = torch.jit.trace(model, example)
    assert "Double" in str(traced.graph), "the traced graph should hold a float64 constant"
    save(traced, "traced-sinusoidal", [1, 16, 16], "src/test/python/traced_models.py: torch.jit.trace with torch "
         + torch.__version__ + "; untrained weights (seed 0), a float64 constant in the timestep embedding",
         num_classes=3)


if __name__ == "__main__":
    main()
