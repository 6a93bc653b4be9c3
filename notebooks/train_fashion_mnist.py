"""Trains a bundled ddim-spark model on Fashion-MNIST and exports it as a model directory.

    /usr/bin/python3 notebooks/train_fashion_mnist.py --kind ddpm --out src/main/resources/models/fashion-mnist-ddpm
    /usr/bin/python3 notebooks/train_fashion_mnist.py --kind flow --out src/main/resources/models/fashion-mnist-flow

--kind ddpm: noise prediction, linear betas 1e-4 .. 0.02, T = 1000, t uniform on 0..999.
--kind flow: rectified flow x_t = (1 - t) x0 + t noise, velocity v = noise - x0, t logit-normal (as SD3).
Both: the UNet of unet.py on 28x28 images in [-1, 1], class-conditional with the null class 10 for
classifier-free guidance (labels dropped with probability --label-dropout), Adam with warm-up and gradient
clipping, an optional cosine decay of the learning rate (--lr-decay), EMA weights (exported), fixed seeds. The network gets t as a float: the timestep index for ddpm,
t * 1000 for flow (timestep_input 'index').

Writes OUT/model.pt (TorchScript of the EMA weights), OUT/model.json (the card, with provenance) and
notebooks/results/<name>-loss.csv (the loss curve). Checkpoints every --export-every steps are exported the
same way, so an interrupted run still leaves a usable model.
"""
import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402
from unet import UNet  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git_commit():
    try:
        commit = subprocess.check_output(["git", "-C", ROOT, "rev-parse", "HEAD"], text=True).strip()
        dirty = subprocess.call(["git", "-C", ROOT, "diff", "--quiet", "--", "notebooks"]) != 0
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def export(model, card, out):
    os.makedirs(out, exist_ok=True)
    scripted = torch.jit.script(model.eval())
    path = os.path.join(out, "model.pt")
    torch.jit.save(scripted, path)
    with open(path, "rb") as f:
        card["sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def learning_rate(args, step):
    """Linear warm-up to --lr, then constant or a cosine decay that reaches zero at --steps."""
    if step <= args.warmup:
        return args.lr * step / args.warmup
    if args.lr_decay == "none":
        return args.lr
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * 0.5 * (1.0 + math.cos(math.pi * progress))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=["ddpm", "flow"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch-size", type=int, default=96)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--lr-decay", choices=["none", "cosine"], default="none",
                   help="after warm-up: constant lr, or cosine decay to zero at --steps")
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--label-dropout", type=float, default=0.1)
    p.add_argument("--base", type=int, default=24)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--export-every", type=int, default=500)
    p.add_argument("--guidance", type=float, default=2.0, help="the recommended guidance written into the card")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    images, labels = fashion_mnist.load("train")
    name = "fashion-mnist-" + args.kind
    mults = (1, 2, 3)
    model = UNet(channels=1, base=args.base, mults=mults, num_classes=10)
    ema = UNet(channels=1, base=args.base, mults=mults, num_classes=10)
    ema.load_state_dict(model.state_dict())
    for q in ema.parameters():
        q.requires_grad_(False)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    alpha_bars = torch.cumprod(1 - betas, 0).float()
    commit = git_commit()
    schedule = ({"kind": "linear", "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02}
                if args.kind == "ddpm" else {"kind": "rectified_flow"})
    card = {"name": name, "prediction": "epsilon" if args.kind == "ddpm" else "flow_velocity",
            "schedule": schedule, "timestep_input": "index", "sample_shape": [1, 28, 28],
            "value_range": [-1.0, 1.0], "num_classes": 10, "class_names": fashion_mnist.CLASS_NAMES,
            "guidance": args.guidance}
    os.makedirs(os.path.join(ROOT, "notebooks", "results"), exist_ok=True)
    curve_path = os.path.join(ROOT, "notebooks", "results", name + "-loss.csv")
    curve = open(curve_path, "w")
    curve.write("step,seconds,loss\n")
    started = time.time()
    running = None
    n = images.shape[0]
    permutation = torch.randperm(n, generator=generator)
    cursor = 0
    for step in range(1, args.steps + 1):
        if cursor + args.batch_size > n:
            permutation = torch.randperm(n, generator=generator)
            cursor = 0
        idx = permutation[cursor:cursor + args.batch_size]
        cursor += args.batch_size
        x0 = images[idx]
        y = labels[idx].clone()
        drop = torch.rand(y.shape[0], generator=generator) < args.label_dropout
        y[drop] = 10
        noise = torch.randn(x0.shape, generator=generator)
        if args.kind == "ddpm":
            t = torch.randint(0, 1000, (x0.shape[0],), generator=generator)
            ab = alpha_bars[t].view(-1, 1, 1, 1)
            xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
            target = noise
            t_in = t.float()
        else:
            t = torch.sigmoid(torch.randn(x0.shape[0], generator=generator))
            tt = t.view(-1, 1, 1, 1)
            xt = (1 - tt) * x0 + tt * noise
            target = noise - x0
            t_in = t * 1000.0
        loss = torch.nn.functional.mse_loss(model(xt, t_in, y), target)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(args, step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        with torch.no_grad():
            decay = min(args.ema, (1 + step) / (10 + step))
            for e, m in zip(ema.parameters(), model.parameters()):
                e.mul_(decay).add_(m.detach(), alpha=1 - decay)
            for e, m in zip(ema.buffers(), model.buffers()):
                e.copy_(m)
        running = loss.item() if running is None else 0.99 * running + 0.01 * loss.item()
        if step % 50 == 0 or step == args.steps:
            elapsed = time.time() - started
            curve.write("%d,%.1f,%.5f\n" % (step, elapsed, running))
            curve.flush()
            print("step %d/%d loss %.4f %.0f s" % (step, args.steps, running, elapsed), flush=True)
        if step % args.export_every == 0 or step == args.steps:
            card["training"] = {
                "dataset": "Fashion-MNIST train (60000 images, Debian dataset-fashion-mnist), 28x28, [-1, 1]",
                "network": "UNet base %d, channel multipliers %s, attention at 7x7, %.2fM parameters"
                           % (args.base, list(mults), sum(q.numel() for q in model.parameters()) / 1e6),
                "steps": step, "planned_steps": args.steps, "batch_size": args.batch_size, "lr": args.lr,
                "lr_decay": args.lr_decay,
                "ema": args.ema, "label_dropout": args.label_dropout, "seed": args.seed,
                "final_loss": round(running, 5), "seconds": round(time.time() - started),
                "threads": args.threads, "torch": torch.__version__,
                "time_sampling": "uniform on 0..999" if args.kind == "ddpm" else "logit-normal(0, 1)",
                "code_commit": commit,
                "command": "/usr/bin/python3 notebooks/train_fashion_mnist.py " + " ".join(sys.argv[1:])}
            export(ema, card, args.out)
    curve.close()
    print("exported %s after %d steps in %.0f s" % (args.out, args.steps, time.time() - started))


if __name__ == "__main__":
    main()
