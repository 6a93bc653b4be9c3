#!/usr/bin/python3
"""Loads every model directory under the given folders on the CPU and on a GPU, runs one forward with the same
inputs on both, and prints one JSON line per model: the torch that loaded it and the largest difference between
the two outputs relative to the largest output value. A model traced by an older torch (the bundled ones come
from torch 1.13) that a newer torch cannot load or runs differently shows here.

    python3 models_on_device.py src/main/resources/models src/test/resources/models [--device cuda]
"""
import argparse
import json
import os
import sys

import torch


def inputs(card, rows, device):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn([rows] + card["sample_shape"], generator=generator)
    unit = card.get("timestep_input", "index") == "unit"
    t = torch.linspace(0.1, 0.9, rows) if unit else torch.linspace(10.0, 900.0, rows)
    args = [x, t]
    if card.get("num_classes", 0) > 0:
        args.append(torch.arange(rows) % (card["num_classes"] + 1))
    return [a.to(device) for a in args]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    failed = 0
    for folder in args.folders:
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not os.path.isfile(os.path.join(path, "model.json")):
                continue  # a model directory has its card; the classifier beside them has none
            card = json.load(open(os.path.join(path, "model.json")))
            line = {"model": name, "torch": torch.__version__, "device": args.device}
            try:
                with torch.inference_mode():
                    cpu = torch.jit.load(os.path.join(path, "model.pt"), map_location="cpu").eval()
                    gpu = torch.jit.load(os.path.join(path, "model.pt"), map_location=args.device).eval()
                    expected = cpu(*inputs(card, 8, "cpu")).double()
                    actual = gpu(*inputs(card, 8, args.device)).double().cpu()
                line["relative_difference"] = ((actual - expected).abs().max() / expected.abs().max()).item()
                line["shape"] = list(actual.shape)
            except Exception as error:  # one line per model, whatever broke
                line["error"] = str(error).splitlines()[0] if str(error) else type(error).__name__
                failed += 1
            print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
