"""Writes the closed-form model directories of the Stable-Diffusion-3-like contract (README, "Latent models" and
"Embedding conditioning"):

- gaussian-latent: the Gaussian flow denoiser of closed_form_models.py on 4 x 4 x 4 latents, with an exactly
  invertible decoder / encoder pair around it: decoder.pt is a pixel shuffle (4 x 4 x 4 -> 1 x 8 x 8) and
  encoder.pt a pixel unshuffle, so that a latent decodes and encodes back to its own bytes, and the Java side can
  compute the decoded image from a row's latent-space sample by the same rearrangement.
- gaussian-embedding: the Gaussian flow denoiser on 1 x 8 x 8 whose class mean is its conditioning embedding
  itself: forward(x, t, cond [B, 1, 64]) with mu = cond reshaped, the embeddings table holding the sine means of
  closed_form_models.py for 3 classes and the null embedding zeros, so that the Java closed form with class means
  is the exact reference, guidance included.

- gaussian-pooled: gaussian-embedding with a pooled vector [B, 2] as a fourth input, added to the mean as its sum
  (0 for the table's classes and the null embedding), for the contract's optional pooled conditioning.

Run with Debian's torch:  /usr/bin/python3 src/test/python/latent_models.py [gaussian-latent gaussian-embedding ...]
It writes the named model directories under src/test/resources/models (all three without names).
"""
import hashlib
import json
import os

import torch
import torch.nn.functional as F

from closed_form_models import ROOT, GaussianCore, make, sine_means, write


class PixelShuffle(torch.nn.Module):
    def forward(self, z):
        return F.pixel_shuffle(z, 2)


class PixelUnshuffle(torch.nn.Module):
    def forward(self, x):
        return F.pixel_unshuffle(x, 2)


class EmbeddingMean(torch.nn.Module):
    """The closed form with mu = cond: forward(x [B, C, H, W], t [B], cond [B, 1, C * H * W])."""

    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, x, t, cond):
        a, b = self.core.coefficients(t)
        a = a.view(-1, 1, 1, 1)
        b = b.view(-1, 1, 1, 1)
        mu = cond.double().reshape(x.shape)
        var = a * a * self.core.s * self.core.s + b * b
        d = x.double() - a * mu
        x0 = mu + a * self.core.s * self.core.s / var * d
        eps = b / var * d
        return (eps - x0).float()


class PooledEmbeddingMean(torch.nn.Module):
    """The closed form with mu = cond + the sum of pooled: forward(x, t, cond [B, 1, C * H * W], pooled [B, 2])."""

    def __init__(self, core):
        super().__init__()
        self.inner = EmbeddingMean(core)

    def forward(self, x, t, cond, pooled):
        return self.inner(x, t, cond + pooled.sum(dim=1).view(-1, 1, 1))


def embedding_model(directory, pooled=False):
    shape, classes, s = (1, 8, 8), 3, 0.5
    os.makedirs(directory, exist_ok=True)
    means = sine_means(classes, shape, 0.8)  # row `classes` is the null class: zeros
    size = shape[0] * shape[1] * shape[2]
    with open(os.path.join(directory, "embeddings.jsonl"), "w") as f:
        for y in range(classes):
            line = {"key": "class-%d" % y, "class_label": y, "cond": means[y].flatten().tolist(), "cond_shape": [1, size]}
            if pooled:
                line["pooled"] = [0.25, -0.25]  # sums to 0: the class means stay the closed form's
            f.write(json.dumps(line) + "\n")
    with open(os.path.join(directory, "null_embedding.json"), "w") as f:
        null = {"cond": means[classes].flatten().tolist(), "cond_shape": [1, size]}
        if pooled:
            null["pooled"] = [0.0, 0.0]
        json.dump(null, f)
        f.write("\n")
    core = GaussianCore("flow_velocity", True, False, torch.ones(1, dtype=torch.float64), means, s)
    name = os.path.basename(directory)
    card = {"name": name, "prediction": "flow_velocity", "schedule": {"kind": "rectified_flow"},
            "timestep_input": "index", "sample_shape": list(shape), "value_range": [-1.0, 1.0],
            "num_classes": classes, "class_names": ["class-%d" % i for i in range(classes)], "guidance": 2.0,
            "conditioning": {"kind": "embedding", "shape": [1, size], "null_embedding": "null_embedding.json",
                             "embeddings": "embeddings.jsonl"},
            "closed_form": {"data": "N(mu, s^2 I)", "s": s,
                            "mu": "the conditioning embedding reshaped to sample_shape; the table holds"
                                  " 0.8 * sin(0.7 h + 1.3 w + 0.5 c + 1.1 y) for class y, the null embedding zeros"}}
    if pooled:
        card["conditioning"]["pooled"] = 2
        card["closed_form"]["mu"] += "; plus the sum of the pooled vector (0 for the table's classes)"
    write(directory, card, PooledEmbeddingMean(core) if pooled else EmbeddingMean(core))


def latent_model(directory):
    os.makedirs(directory, exist_ok=True)
    latent = {"image_shape": [1, 8, 8], "scale": 2.0, "shift": 0.25, "decoder": "decoder.pt", "encoder": "encoder.pt"}
    for key, module in (("decoder", PixelShuffle()), ("encoder", PixelUnshuffle())):
        path = os.path.join(directory, latent[key])
        torch.jit.save(torch.jit.script(module), path)
        with open(path, "rb") as f:
            latent[key + "_sha256"] = hashlib.sha256(f.read()).hexdigest()
    make(directory, "gaussian-latent", "flow_velocity", {"kind": "rectified_flow"}, "index", (4, 4, 4), 0, 0.5,
         extra={"latent": latent})


if __name__ == "__main__":
    import sys
    models = os.path.join(ROOT, "src", "test", "resources", "models")
    makers = {"gaussian-latent": latent_model, "gaussian-embedding": embedding_model,
              "gaussian-pooled": lambda d: embedding_model(d, pooled=True)}
    for name in sys.argv[1:] or makers:  # each writes anew: name the ones to write
        makers[name](os.path.join(models, name))
