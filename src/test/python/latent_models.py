"""Writes a closed-form latent model directory: the Gaussian flow denoiser of closed_form_models.py on 4 x 4 x 4
latents, with an exactly invertible decoder / encoder pair around it: decoder.pt is a pixel shuffle (4 x 4 x 4 ->
1 x 8 x 8) and encoder.pt a pixel unshuffle, so that a latent decodes and encodes back to its own bytes, and the
Java side can compute the decoded image from a row's latent-space sample by the same rearrangement.

Run with Debian's torch:  /usr/bin/python3 src/test/python/latent_models.py
It writes src/test/resources/models/gaussian-latent.
"""
import hashlib
import os

import torch
import torch.nn.functional as F

from closed_form_models import ROOT, make


class PixelShuffle(torch.nn.Module):
    def forward(self, z):
        return F.pixel_shuffle(z, 2)


class PixelUnshuffle(torch.nn.Module):
    def forward(self, x):
        return F.pixel_unshuffle(x, 2)


if __name__ == "__main__":
    directory = os.path.join(ROOT, "src", "test", "resources", "models", "gaussian-latent")
    os.makedirs(directory, exist_ok=True)
    latent = {"image_shape": [1, 8, 8], "scale": 2.0, "shift": 0.25, "decoder": "decoder.pt", "encoder": "encoder.pt"}
    for key, module in (("decoder", PixelShuffle()), ("encoder", PixelUnshuffle())):
        path = os.path.join(directory, latent[key])
        torch.jit.save(torch.jit.script(module), path)
        with open(path, "rb") as f:
            latent[key + "_sha256"] = hashlib.sha256(f.read()).hexdigest()
    make(directory, "gaussian-latent", "flow_velocity", {"kind": "rectified_flow"}, "index", (4, 4, 4), 0, 0.5,
         extra={"latent": latent})
