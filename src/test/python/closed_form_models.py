"""Writes closed-form Gaussian denoisers as TorchScript model directories.

For data x0 ~ N(mu_y, s^2 I) and x = a x0 + b noise, the exact posterior means are
    x0_hat = mu + a s^2 / (a^2 s^2 + b^2) (x - a mu),   noise_hat = b / (a^2 s^2 + b^2) (x - a mu),
from which every prediction type follows (v = a noise - b x0; flow velocity = noise - x0). The models
compute in float64 and return float32, so a Java port of the same formula agrees to float rounding.

mu_y[c, h, w] = amplitude * sin(0.7 h + 1.3 w + 0.5 c + 1.1 y) for class y, and 0 for the null class
y = num_classes (an unconditional model has the pattern of y = 0), unless a pattern is given (the demo model's stripes).

Run with Debian's torch:  /usr/bin/python3 src/test/python/closed_form_models.py
It rewrites src/test/resources/models/* and models/gaussian-stripes.
"""
import hashlib
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def betas(kind, T, beta_start, beta_end):
    if kind == "linear":
        return torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    if kind == "scaled_linear":
        return torch.linspace(beta_start ** 0.5, beta_end ** 0.5, T, dtype=torch.float64) ** 2
    if kind == "cosine":
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        return torch.tensor([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)], dtype=torch.float64)
    raise ValueError(kind)


class GaussianCore(torch.nn.Module):
    def __init__(self, prediction: str, flow: bool, unit: bool, alpha_bars, mus, s: float):
        super().__init__()
        self.prediction = prediction
        self.flow = flow
        self.unit = unit
        self.register_buffer("alpha_bars", alpha_bars)
        self.register_buffer("mus", mus)
        self.s = s

    def coefficients(self, t):
        if self.flow:
            tt = t.double() if self.unit else t.double() / 1000.0
            return 1.0 - tt, tt
        n = self.alpha_bars.shape[0]
        idx = torch.round(t.double() * (n - 1)) if self.unit else torch.round(t.double())
        ab = self.alpha_bars[idx.long()]
        return torch.sqrt(ab), torch.sqrt(1.0 - ab)

    def predict(self, x, t, y):
        a, b = self.coefficients(t)
        a = a.view(-1, 1, 1, 1)
        b = b.view(-1, 1, 1, 1)
        xd = x.double()
        mu = self.mus[y]
        var = a * a * self.s * self.s + b * b
        d = xd - a * mu
        x0 = mu + a * self.s * self.s / var * d
        eps = b / var * d
        if self.prediction == "epsilon":
            out = eps
        elif self.prediction == "sample":
            out = x0
        elif self.prediction == "v_prediction":
            out = a * eps - b * x0
        else:
            out = eps - x0
        return out.float()


class Unconditional(torch.nn.Module):
    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, x, t):
        y = torch.zeros(x.shape[0], dtype=torch.long)
        return self.core.predict(x, t, y)


class Conditional(torch.nn.Module):
    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, x, t, y):
        return self.core.predict(x, t, y)


class NanOnClassOne(torch.nn.Module):
    """A conditional model whose output is NaN for class 1: a stand-in for a model that breaks on some inputs."""

    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, x, t, y):
        out = self.core.predict(x, t, y)
        broken = (y == 1).view(-1, 1, 1, 1).expand_as(out)
        return torch.where(broken, torch.full_like(out, float("nan")), out)


def sine_means(num_classes, shape, amplitude):
    c, h, w = shape
    mus = torch.zeros((max(num_classes, 1) + 1,) + tuple(shape), dtype=torch.float64)
    cc, hh, ww = torch.meshgrid(torch.arange(c), torch.arange(h), torch.arange(w), indexing="ij")
    for y in range(max(num_classes, 1)):  # an unconditional model has the class-0 pattern
        mus[y] = amplitude * torch.sin(0.7 * hh + 1.3 * ww + 0.5 * cc + 1.1 * y)
    if num_classes > 0:
        mus[num_classes] = 0.0
    return mus


def stripe_means(num_classes, shape):
    """Class k: stripes at 18k degrees, in a colour of its own, in [-1, 1]."""
    c, h, w = shape
    hh, ww = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    mus = torch.zeros((num_classes + 1, c, h, w), dtype=torch.float64)
    for k in range(num_classes):
        angle = math.pi * k / num_classes
        wave = torch.cos(2 * math.pi * (math.cos(angle) * ww + math.sin(angle) * hh) / 8.0)
        hue = 2 * math.pi * k / num_classes
        for ch in range(c):
            tint = 0.5 + 0.5 * math.cos(hue + 2 * math.pi * ch / 3)
            mus[k, ch] = -0.8 + 1.6 * tint * (0.5 + 0.5 * wave)
    return mus


def write(directory, card, module):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "model.pt")
    torch.jit.save(torch.jit.script(module), path)
    with open(path, "rb") as f:
        card["sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(directory, card["sha256"])


def make(directory, name, prediction, schedule, timestep_input, shape, num_classes, s, mus=None, guidance=None,
         amplitude=0.8, description=None, wrapper=None, extra=None):
    flow = schedule["kind"] == "rectified_flow"
    alpha_bars = torch.ones(1, dtype=torch.float64) if flow else torch.cumprod(
        1 - betas(schedule["kind"], schedule["num_train_timesteps"], schedule.get("beta_start", 0.0),
                  schedule.get("beta_end", 0.0)), 0)
    if mus is None:
        mus = sine_means(num_classes, shape, amplitude)
    core = GaussianCore(prediction, flow, timestep_input == "unit", alpha_bars, mus, s)
    module = wrapper(core) if wrapper else Conditional(core) if num_classes > 0 else Unconditional(core)
    card = {"name": name, "prediction": prediction, "schedule": schedule, "timestep_input": timestep_input,
            "sample_shape": list(shape), "value_range": [-1.0, 1.0]}
    if num_classes > 0:
        card["num_classes"] = num_classes
        card["class_names"] = ["class-%d" % i for i in range(num_classes)]
    if guidance is not None:
        card["guidance"] = guidance
    card["closed_form"] = {"data": "N(mu_y, s^2 I)", "s": s,
                           "mu": description or "%g * sin(0.7 h + 1.3 w + 0.5 c + 1.1 y); 0 for the null class; y = 0 when unconditional" % amplitude}
    card.update(extra or {})
    write(directory, card, module)


if __name__ == "__main__":
    torch.manual_seed(0)
    res = os.path.join(ROOT, "src", "test", "resources", "models")
    linear = {"kind": "linear", "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02}
    make(os.path.join(res, "gaussian-eps"), "gaussian-eps", "epsilon", linear, "index", (1, 16, 16), 0, 0.5)
    make(os.path.join(res, "gaussian-v"), "gaussian-v", "v_prediction",
         {"kind": "cosine", "num_train_timesteps": 1000}, "unit", (1, 16, 16), 0, 0.5)
    make(os.path.join(res, "gaussian-x0-cond"), "gaussian-x0-cond", "sample",
         {"kind": "scaled_linear", "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012},
         "index", (3, 8, 8), 3, 0.3, guidance=2.0)
    make(os.path.join(res, "gaussian-flow-cond"), "gaussian-flow-cond", "flow_velocity",
         {"kind": "rectified_flow"}, "index", (1, 16, 16), 3, 0.5)
    make(os.path.join(res, "nan-on-class-1"), "nan-on-class-1", "epsilon", linear, "index", (1, 8, 8), 3, 0.5,
         wrapper=NanOnClassOne, description="as gaussian-eps, but the output is NaN for class 1")
    make(os.path.join(ROOT, "models", "gaussian-stripes"), "gaussian-stripes", "epsilon", linear, "index",
         (3, 32, 32), 10, 0.08, mus=stripe_means(10, (3, 32, 32)), guidance=1.0,
         description="class k: coloured stripes at 18k degrees; 0 for the null class")
