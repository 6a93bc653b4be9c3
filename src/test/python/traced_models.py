"""Writes a traced TorchScript model that holds a float64 constant, as many DDPM codebases' models do.

The timestep embedding `exp(-log(10000) * arange(half) / half)` is traced by torch 1.13 into an int64
`arange` times a 0-dim float64 constant. Without TorchScript's graph optimizer, libtorch 2.x promotes that
product to float64 and the next linear layer fails ("mat1 and mat2 must have the same dtype"); with the
optimizer (PyTorch's default) the model runs. TorchScriptDenoiserTest loads it through DJL.

Run with Debian's torch:  /usr/bin/python3 src/test/python/traced_models.py
It rewrites src/test/resources/models/traced-sinusoidal.
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


def main():
    torch.manual_seed(0)
    model = SinusoidalDenoiser().eval()
    example = (torch.randn(2, 1, 16, 16), torch.tensor([999.0, 500.0]), torch.tensor([0, 3]))
    traced = torch.jit.trace(model, example)
    assert "Double" in str(traced.graph), "the traced graph should hold a float64 constant"
    out = os.path.join(ROOT, "src", "test", "resources", "models", "traced-sinusoidal")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "model.pt")
    traced.save(path)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    card = {
        "name": "traced-sinusoidal",
        "prediction": "epsilon",
        "schedule": {"kind": "linear", "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02},
        "timestep_input": "index",
        "sample_shape": [1, 16, 16],
        "value_range": [-1.0, 1.0],
        "num_classes": 3,
        "provenance": "src/test/python/traced_models.py: torch.jit.trace with torch " + torch.__version__
        + "; untrained weights (seed 0), a float64 constant in the timestep embedding",
        "sha256": sha,
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
