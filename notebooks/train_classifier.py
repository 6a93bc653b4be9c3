"""Trains the Fashion-MNIST classifier that `ddim evaluate` uses, and the test set's feature statistics.

    /usr/bin/python3 notebooks/train_classifier.py --out src/main/resources/models/fashion-mnist-classifier

A small CNN on 28x28 images in [-1, 1] (pixel / 255 * 2 - 1). Its TorchScript forward(x [B, 1, 28, 28])
returns (logits [B, 10], features [B, 64]); the features are the 64 units before the last layer, the space
in which `evaluate` computes a Frechet distance (FID) against the test set. Writes OUT/model.pt,
OUT/classifier.json (card, test accuracy, provenance) and OUT/test_features.json (mean and covariance of
the 10000 test images' features), and 20 test images as PNG into src/test/resources/fashion-mnist/.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 32, 3, padding=1)
        self.c3 = nn.Conv2d(32, 64, 3, padding=1)
        self.c4 = nn.Conv2d(64, 64, 3, padding=1)
        self.drop = nn.Dropout(0.3)
        self.fc1 = nn.Linear(64 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        h = F.max_pool2d(F.relu(self.c4(F.relu(self.c3(h)))), 2)
        features = F.relu(self.fc1(self.drop(h.flatten(1))))
        return self.fc2(self.drop(features)), features


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    train_x, train_y = fashion_mnist.load("train")
    test_x, test_y = fashion_mnist.load("t10k")
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(train_x.shape[0], generator=g)
        for i in range(0, train_x.shape[0], 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(model(train_x[idx])[0], train_y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print("epoch %d loss %.4f %.0f s" % (epoch + 1, loss.item(), time.time() - started), flush=True)
    model.eval()
    with torch.no_grad():
        logits, features = zip(*[model(test_x[i:i + 1000]) for i in range(0, test_x.shape[0], 1000)])
    logits, features = torch.cat(logits), torch.cat(features).double()
    accuracy = (logits.argmax(1) == test_y).double().mean().item()
    print("test accuracy %.4f" % accuracy)

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.pt")
    torch.jit.save(torch.jit.script(model), path)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    commit = subprocess.check_output(["git", "-C", ROOT, "rev-parse", "HEAD"], text=True).strip()
    card = {"name": "fashion-mnist-classifier", "input_shape": [1, 28, 28], "value_range": [-1.0, 1.0],
            "num_classes": 10, "class_names": fashion_mnist.CLASS_NAMES, "feature_dim": features.shape[1],
            "test_accuracy": round(accuracy, 4), "sha256": sha,
            "training": {"dataset": "Fashion-MNIST train (60000 images), evaluated on t10k (10000)",
                         "epochs": args.epochs, "seed": args.seed, "seconds": round(time.time() - started),
                         "torch": torch.__version__, "code_commit": commit,
                         "command": "/usr/bin/python3 notebooks/train_classifier.py " + " ".join(sys.argv[1:])}}
    with open(os.path.join(args.out, "classifier.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    mean = features.mean(0)
    centred = features - mean
    cov = centred.T @ centred / (features.shape[0] - 1)
    with open(os.path.join(args.out, "test_features.json"), "w") as f:
        json.dump({"count": features.shape[0], "mean": mean.tolist(), "covariance": cov.tolist()}, f)
        f.write("\n")

    from PIL import Image
    sample_dir = os.path.join(ROOT, "src", "test", "resources", "fashion-mnist")
    os.makedirs(sample_dir, exist_ok=True)
    raw = fashion_mnist._read("t10k-images-idx3-ubyte.gz")
    with open(os.path.join(sample_dir, "labels.csv"), "w") as f:
        f.write("file,label\n")
        for i in range(20):
            name = "t10k-%05d.png" % i
            Image.fromarray(raw[i]).save(os.path.join(sample_dir, name))
            f.write("%s,%d\n" % (name, int(test_y[i])))


if __name__ == "__main__":
    main()
