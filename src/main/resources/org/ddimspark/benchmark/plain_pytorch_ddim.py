#!/usr/bin/python3
"""The DDIM loop a user would write in plain PyTorch, over a ddim-spark model directory (model.pt + model.json).

Column d of `ddim bench --compare` (which runs this file from the jar): the same TorchScript file, uniform
spacing (range(0, T, T // S) as the DDIM paper's code, or S equal steps of a flow), eta = 0, the card's
guidance with both halves in one forward (class i mod K), batches of --batch rows, --threads intra-op threads.
Prints one JSON line: images per second and milliseconds per step after one warm-up batch, and the process's
peak resident memory. With --flops it prints instead the floating-point operations of one row of a forward
(2 per multiply-add of the convolutions, linear layers and einsums, counted at the dispatcher), for GFLOP/s.

    python3 plain_pytorch_ddim.py MODEL_DIR [--rows 64] [--batch 16] [--steps 10] [--threads 1] [--device cpu]
    python3 plain_pytorch_ddim.py MODEL_DIR --flops

Needs PyTorch; Debian's python3-torch (torch 1.13, apt-get install python3-torch) is what the README's figures used.
"""
import argparse
import json
import math
import resource
import sys
import time

import torch


def alpha_bars(schedule):
    kind, t = schedule["kind"], schedule.get("num_train_timesteps", 1000)
    if kind == "linear":
        betas = torch.linspace(schedule["beta_start"], schedule["beta_end"], t, dtype=torch.float64)
    elif kind == "scaled_linear":
        betas = torch.linspace(schedule["beta_start"] ** 0.5, schedule["beta_end"] ** 0.5, t, dtype=torch.float64) ** 2
    elif kind in ("cosine", "squaredcos_cap_v2"):
        f = lambda i: math.cos((i / t + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = torch.tensor([min(1 - f(i + 1) / f(i), 0.999) for i in range(t)], dtype=torch.float64)
    else:
        raise SystemExit("unsupported schedule kind %r" % kind)
    return torch.cumprod(1 - betas, 0)


def points(card, steps):
    """(a, b, model time) of each visited point, noisiest first, ending at the clean point."""
    schedule, unit = card["schedule"], card.get("timestep_input", "index") == "unit"
    if schedule["kind"] == "rectified_flow":
        ts = [1 - i / steps for i in range(steps)]
        out = [(1 - t, t, t if unit else t * 1000) for t in ts]
    else:
        ab, t = alpha_bars(schedule), schedule.get("num_train_timesteps", 1000)
        ts = list(range(0, t, t // steps))[::-1]
        out = [(ab[i].sqrt().item(), (1 - ab[i]).sqrt().item(), i / (t - 1) if unit else float(i)) for i in ts]
    return out + [(1.0, 0.0, 0.0)]


def clean_and_noise(prediction, out, x, a, b):
    if prediction == "epsilon":
        return (x - b * out) / a, out
    if prediction == "v_prediction":
        return a * x - b * out, b * x + a * out
    if prediction == "sample":
        return out, (x - a * out) / b
    return x - b * out, x + a * out  # flow_velocity


def sample(model, card, path, x, y, guidance):
    conditional = y is not None
    guided = conditional and guidance != 1.0
    rows = x.shape[0]
    yy = torch.cat([y, torch.full_like(y, card["num_classes"])]) if guided else y
    for (a, b, time_in), (a_to, b_to, _) in zip(path, path[1:]):
        inputs = torch.cat([x, x]) if guided else x
        t = torch.full((inputs.shape[0],), time_in, dtype=torch.float32, device=x.device)
        out = model(inputs, t, yy) if conditional else model(inputs, t)
        if guided:
            out = out[rows:] + guidance * (out[:rows] - out[rows:])
        x0, noise = clean_and_noise(card["prediction"], out, x, a, b)
        x = a_to * x0 + b_to * noise
    return x


def forward_flops(model, card):
    """Floating-point operations of one row of a forward: 2 per multiply-add of conv2d, linear, matmul, einsum."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Count(TorchDispatchMode):
        flops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            name = func.overloadpacket.__name__
            if name in ("conv1d", "conv2d", "conv3d", "convolution", "_convolution"):
                self.flops += 2 * out.numel() * math.prod(args[1].shape[1:])
            elif name == "linear":
                self.flops += 2 * out.numel() * args[1].shape[1]
            elif name in ("mm", "bmm", "matmul"):
                self.flops += 2 * out.numel() * args[0].shape[-1]
            elif name == "addmm":
                self.flops += 2 * out.numel() * args[1].shape[-1]
            elif name == "einsum":
                sizes = {}
                for term, operand in zip(args[0].split("->")[0].split(","), args[1]):
                    sizes.update(zip(term.replace(" ", ""), operand.shape))
                self.flops += 2 * math.prod(sizes.values())
            return out

    rows = 2
    x = torch.randn([rows] + card["sample_shape"])
    t = torch.full((rows,), 0.5 if card.get("timestep_input") == "unit" else 500.0)
    inputs = (x, t, torch.zeros(rows, dtype=torch.long)) if card.get("num_classes", 0) > 0 else (x, t)
    count = Count()
    with torch.inference_mode():
        model(*inputs)
        with count:
            model(*inputs)
    return count.flops / rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU host")
    parser.add_argument("--flops", action="store_true", help="print the operations of one row of a forward, and exit")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    card = json.load(open(args.model + "/model.json"))
    model = torch.jit.load(args.model + "/model.pt", map_location=args.device).eval()
    if args.flops:
        print(json.dumps({"flops_per_row": forward_flops(model, card), "torch": torch.__version__}))
        return 0
    path = points(card, args.steps)
    guidance = card.get("guidance", 1.0) if card.get("num_classes", 0) > 0 else 1.0
    shape = card["sample_shape"]
    generator = torch.Generator().manual_seed(0)

    def batch(start, rows):
        x = torch.randn([rows] + shape, generator=generator).to(args.device)
        y = torch.arange(start, start + rows) % card["num_classes"] if card.get("num_classes", 0) > 0 else None
        return x, None if y is None else y.to(args.device)

    with torch.inference_mode():
        sample(model, card, path, *batch(0, args.batch), guidance)  # warm-up (TorchScript profiling runs)
        started = time.perf_counter()
        done = 0
        while done < args.rows:
            rows = min(args.batch, args.rows - done)
            sample(model, card, path, *batch(done, rows), guidance)
            done += rows
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds = time.perf_counter() - started
    batches = math.ceil(args.rows / args.batch)
    print(json.dumps({"loop": "plain PyTorch", "torch": torch.__version__, "rows": args.rows, "batch": args.batch,
                      "steps": args.steps, "threads": args.threads, "seconds": round(seconds, 4),
                      "images_per_second": round(args.rows / seconds, 3),
                      "ms_per_step": round(1000 * seconds / (batches * args.steps), 4), "device": args.device,
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == "__main__":
    sys.exit(main())
