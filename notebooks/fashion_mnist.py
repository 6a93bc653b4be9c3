"""Fashion-MNIST for the bundled models: the IDX files of Debian's dataset-fashion-mnist package.

Images stay 28x28 (the models' sample_shape) and map to [-1, 1]: pixel / 255 * 2 - 1, exactly as ddim-spark
maps images into model space for value_range [-1, 1].
"""
import gzip
import os

import numpy as np
import torch

DATA = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


def _read(name):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        raise SystemExit("missing %s: apt-get install -y dataset-fashion-mnist (or set FASHION_MNIST_DIR)" % path)
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    """Returns (images float32 [N, 1, 28, 28] in [-1, 1], labels int64 [N]) of 'train' or 't10k'."""
    images = _read("%s-images-idx3-ubyte.gz" % split)
    labels = _read("%s-labels-idx1-ubyte.gz" % split)
    x = torch.from_numpy(images.astype(np.float32) / 255.0 * 2.0 - 1.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))
