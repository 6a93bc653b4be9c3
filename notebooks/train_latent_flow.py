"""Trains the bundled latent model: a Fashion-MNIST autoencoder (28x28x1 <-> 7x7x4) and a rectified-flow network
on its latents, conditioned on embeddings (one learned embedding per class name), and exports them as one model
directory.

    /usr/bin/python3 notebooks/train_latent_flow.py --out src/main/resources/models/fashion-mnist-latent-flow

1. Autoencoder (--ae-steps): convolutional encoder to 4 x 7 x 7 and decoder back to [-1, 1] (tanh), MSE on pixels
   plus a small L2 on the latents, Adam, fixed seeds. Deterministic: encoder.pt returns the latent itself.
   Then shift = mean and scale = 1 / std of the training set's latents (as Stable Diffusion's VAE factors):
   the network works on z = (encoder(x) - shift) * scale, and decoder.pt is given z / scale + shift.
2. Latent flow (--flow-steps): x_t = (1 - t) z + t noise, velocity v = noise - z, t logit-normal, a ResNet with
   self-attention at 7 x 7 conditioned on cond [B, L, D] (its mean over L, projected into the time embedding).
   The embeddings are learned with it: a table of 11 rows of D values (10 class names and a null embedding for
   classifier-free guidance, used with probability --label-dropout), exported outside the network.

Writes OUT/model.pt (forward(x [B, 4, 7, 7], t [B], cond [B, 1, D]) of the EMA weights), OUT/encoder.pt,
OUT/decoder.pt, OUT/null_embedding.json (the null embedding), OUT/embeddings.jsonl (one line per class:
key, class_label, cond, cond_shape: the table request tables point into), OUT/model.json (the card, with
the latent factors and provenance) and notebooks/results/fashion-mnist-latent-flow-{ae,flow}-loss.csv.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402
from train_fashion_mnist import git_commit  # noqa: E402
from unet import Attention, ResBlock, sinusoidal_embedding  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "fashion-mnist-latent-flow"


class Encoder(nn.Module):
    """[B, 1, 28, 28] in [-1, 1] -> [B, 4, 7, 7]."""

    def __init__(self, ch: int = 32, latent: int = 4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ch, 3, padding=1), nn.SiLU(),
            nn.Conv2d(ch, 2 * ch, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(2 * ch, 2 * ch, 3, padding=1), nn.SiLU(),
            nn.Conv2d(2 * ch, 2 * ch, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(2 * ch, 2 * ch, 3, padding=1), nn.SiLU(),
            nn.Conv2d(2 * ch, latent, 1))

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    """[B, 4, 7, 7] -> [B, 1, 28, 28] in [-1, 1]."""

    def __init__(self, ch: int = 32, latent: int = 4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(latent, 2 * ch, 3, padding=1), nn.SiLU(),
            nn.Conv2d(2 * ch, 2 * ch, 3, padding=1), nn.SiLU(),
            nn.Upsample(scale_factor=2.0, mode="nearest"),
            nn.Conv2d(2 * ch, 2 * ch, 3, padding=1), nn.SiLU(),
            nn.Upsample(scale_factor=2.0, mode="nearest"),
            nn.Conv2d(2 * ch, ch, 3, padding=1), nn.SiLU(),
            nn.Conv2d(ch, 1, 3, padding=1), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class LatentFlow(nn.Module):
    """forward(x [B, C, 7, 7], t [B] float, cond [B, L, D]) -> velocity [B, C, 7, 7]: four ResBlocks at 7 x 7, a
    self-attention after the second and the fourth, the time's sinusoidal embedding plus a projection of the mean
    of cond over L."""

    def __init__(self, channels: int = 4, base: int = 64, cond_dim: int = 32, emb: int = 128):
        super().__init__()
        self.base = base
        self.time_mlp = nn.Sequential(nn.Linear(base, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.cond_mlp = nn.Sequential(nn.Linear(cond_dim, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.inp = nn.Conv2d(channels, base, 3, padding=1)
        self.block1 = ResBlock(base, base, emb)
        self.block2 = ResBlock(base, base, emb)
        self.attn1 = Attention(base)
        self.block3 = ResBlock(base, base, emb)
        self.block4 = ResBlock(base, base, emb)
        self.attn2 = Attention(base)
        self.out_norm = nn.GroupNorm(8, base)
        self.out = nn.Conv2d(base, channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, t, cond):
        e = self.time_mlp(sinusoidal_embedding(t, self.base)) + self.cond_mlp(cond.mean(dim=1))
        h = self.attn1(self.block2(self.block1(self.inp(x), e), e))
        h = self.attn2(self.block4(self.block3(h, e), e))
        return self.out(F.silu(self.out_norm(h)))


def save_script(module, path):
    torch.jit.save(torch.jit.script(module.eval()), path)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def lr_at(step, steps, lr, warmup=200):
    if step <= warmup:
        return lr * step / warmup
    return lr * 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def batches(n, batch_size, generator):
    permutation, cursor = torch.randperm(n, generator=generator), 0
    while True:
        if cursor + batch_size > n:
            permutation, cursor = torch.randperm(n, generator=generator), 0
        yield permutation[cursor:cursor + batch_size]
        cursor += batch_size


def ema_update(ema, model, step, rate):
    with torch.no_grad():
        decay = min(rate, (1 + step) / (10 + step))
        for e, m in zip(ema.parameters(), model.parameters()):
            e.mul_(decay).add_(m.detach(), alpha=1 - decay)


def train_autoencoder(args, images, generator, curve):
    encoder, decoder = Encoder(), Decoder()
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(params, lr=args.ae_lr)
    started, running = time.time(), None
    draw = batches(images.shape[0], args.batch_size, generator)
    for step in range(1, args.ae_steps + 1):
        x = images[next(draw)]
        z = encoder(x)
        loss = F.mse_loss(decoder(z), x) + 1e-4 * z.pow(2).mean()
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, args.ae_steps, args.ae_lr)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        running = loss.item() if running is None else 0.99 * running + 0.01 * loss.item()
        if step % 50 == 0 or step == args.ae_steps:
            curve.write("%d,%.1f,%.5f\n" % (step, time.time() - started, running))
            curve.flush()
            print("autoencoder step %d/%d loss %.5f %.0f s" % (step, args.ae_steps, running, time.time() - started),
                  flush=True)
    return encoder.eval(), decoder.eval(), time.time() - started, running


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--ae-steps", type=int, default=2000)
    p.add_argument("--ae-lr", type=float, default=2e-3)
    p.add_argument("--flow-steps", type=int, default=3000)
    p.add_argument("--flow-lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--base", type=int, default=64)
    p.add_argument("--cond-dim", type=int, default=32)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--label-dropout", type=float, default=0.1)
    p.add_argument("--guidance", type=float, default=2.0, help="the recommended guidance written into the card")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    images, labels = fashion_mnist.load("train")
    test_images, _ = fashion_mnist.load("t10k")
    os.makedirs(os.path.join(ROOT, "notebooks", "results"), exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    results = os.path.join(ROOT, "notebooks", "results", NAME)

    with open(results + "-ae-loss.csv", "w") as curve:
        curve.write("step,seconds,loss\n")
        encoder, decoder, ae_seconds, ae_loss = train_autoencoder(args, images, generator, curve)
    with torch.no_grad():
        latents = torch.cat([encoder(images[i:i + 1000]) for i in range(0, images.shape[0], 1000)])
        shift = latents.mean().item()
        scale = 1.0 / latents.std().item()
        test_mse = sum(F.mse_loss(decoder(encoder(test_images[i:i + 1000])), test_images[i:i + 1000],
                                  reduction="sum").item() for i in range(0, test_images.shape[0], 1000))
        test_mse /= test_images.numel()
    # reconstruction error in [0, 1] pixels, as `invert --reconstruct` reports it: (2 x)^2 / 4
    print("autoencoder: shift %.5f scale %.5f, test MSE %.6f in [-1, 1] (%.6f in [0, 1] pixels)"
          % (shift, scale, test_mse, test_mse / 4), flush=True)
    z_all = (latents - shift) * scale

    model = LatentFlow(base=args.base, cond_dim=args.cond_dim)
    ema = LatentFlow(base=args.base, cond_dim=args.cond_dim)
    ema.load_state_dict(model.state_dict())
    for q in ema.parameters():
        q.requires_grad_(False)
    table = nn.Embedding(11, args.cond_dim)  # 10 class names and the null embedding (row 10)
    nn.init.normal_(table.weight, std=1.0)
    ema_table = nn.Embedding(11, args.cond_dim)
    ema_table.load_state_dict(table.state_dict())
    ema_table.weight.requires_grad_(False)
    optimizer = torch.optim.Adam(list(model.parameters()) + list(table.parameters()), lr=args.flow_lr)
    started, running = time.time(), None
    draw = batches(z_all.shape[0], args.batch_size, generator)
    with open(results + "-flow-loss.csv", "w") as curve:
        curve.write("step,seconds,loss\n")
        for step in range(1, args.flow_steps + 1):
            idx = next(draw)
            z = z_all[idx]
            y = labels[idx].clone()
            y[torch.rand(y.shape[0], generator=generator) < args.label_dropout] = 10
            noise = torch.randn(z.shape, generator=generator)
            t = torch.sigmoid(torch.randn(z.shape[0], generator=generator))
            tt = t.view(-1, 1, 1, 1)
            xt = (1 - tt) * z + tt * noise
            loss = F.mse_loss(model(xt, t * 1000.0, table(y)[:, None, :]), noise - z)
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, args.flow_steps, args.flow_lr)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(model.parameters()) + list(table.parameters()), 1.0)
            optimizer.step()
            ema_update(ema, model, step, args.ema)
            ema_update(ema_table, table, step, args.ema)
            running = loss.item() if running is None else 0.99 * running + 0.01 * loss.item()
            if step % 50 == 0 or step == args.flow_steps:
                curve.write("%d,%.1f,%.5f\n" % (step, time.time() - started, running))
                curve.flush()
                print("flow step %d/%d loss %.4f %.0f s" % (step, args.flow_steps, running, time.time() - started),
                      flush=True)
    flow_seconds = time.time() - started

    sha = save_script(ema, os.path.join(args.out, "model.pt"))
    encoder_sha = save_script(encoder, os.path.join(args.out, "encoder.pt"))
    decoder_sha = save_script(decoder, os.path.join(args.out, "decoder.pt"))
    embeddings = ema_table.weight.detach()
    with open(os.path.join(args.out, "embeddings.jsonl"), "w") as f:
        for c, name in enumerate(fashion_mnist.CLASS_NAMES):
            f.write(json.dumps({"key": name, "class_label": c, "cond": [round(v, 7) for v in embeddings[c].tolist()],
                                "cond_shape": [1, args.cond_dim]}) + "\n")
    with open(os.path.join(args.out, "null_embedding.json"), "w") as f:
        json.dump({"cond": [round(v, 7) for v in embeddings[10].tolist()], "cond_shape": [1, args.cond_dim]}, f)
        f.write("\n")
    command = "/usr/bin/python3 notebooks/train_latent_flow.py " + " ".join(sys.argv[1:])
    card = {
        "name": NAME, "prediction": "flow_velocity", "schedule": {"kind": "rectified_flow"},
        "timestep_input": "index", "sample_shape": [4, 7, 7], "value_range": [-1.0, 1.0],
        "latent": {"image_shape": [1, 28, 28], "scale": scale, "shift": shift, "decoder": "decoder.pt",
                   "encoder": "encoder.pt", "decoder_sha256": decoder_sha, "encoder_sha256": encoder_sha},
        "conditioning": {"kind": "embedding", "shape": [1, args.cond_dim], "null_embedding": "null_embedding.json",
                         "embeddings": "embeddings.jsonl"},
        "num_classes": 10, "class_names": fashion_mnist.CLASS_NAMES, "guidance": args.guidance,
        "training": {
            "dataset": "Fashion-MNIST train (60000 images, Debian dataset-fashion-mnist), 28x28, [-1, 1]",
            "autoencoder": "conv encoder 28x28x1 -> 7x7x4, decoder back (tanh); %.2fM parameters; %d steps, batch %d,"
                           " lr %g cosine; final loss %.5f; test MSE %.6f in [-1, 1]; %d s"
                           % (sum(q.numel() for q in list(encoder.parameters()) + list(decoder.parameters())) / 1e6,
                              args.ae_steps, args.batch_size, args.ae_lr, ae_loss, test_mse, ae_seconds),
            "network": "ResNet base %d at 7x7, 4 blocks, 2 self-attentions, cond mean-pooled into the time embedding,"
                       " %.2fM parameters" % (args.base, sum(q.numel() for q in model.parameters()) / 1e6),
            "steps": args.flow_steps, "batch_size": args.batch_size, "lr": args.flow_lr, "lr_decay": "cosine",
            "ema": args.ema, "label_dropout": args.label_dropout, "seed": args.seed, "final_loss": round(running, 5),
            "seconds": round(flow_seconds), "threads": args.threads, "torch": torch.__version__,
            "time_sampling": "logit-normal(0, 1)", "code_commit": git_commit(), "command": command},
        "sha256": sha,
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print("exported %s: autoencoder %.0f s, flow %.0f s" % (args.out, ae_seconds, flow_seconds))


if __name__ == "__main__":
    main()
