"""Writes Fashion-MNIST images as 8-bit gray PNG files, to feed `jobs/ddim invert` (and README's Table 2).

    /usr/bin/python3 notebooks/export_pngs.py --split t10k --count 100 --out out/fashion-mnist-t10k

Files are named <split>-<index, 5 digits>.png in data-set order; labels.csv beside them lists file,label.
Needs Debian's dataset-fashion-mnist (or FASHION_MNIST_DIR) and python3-pil.
"""
import argparse
import os
import sys

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", choices=["train", "t10k"], default="t10k")
    p.add_argument("--count", type=int, default=100, help="the first COUNT images")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    images = fashion_mnist._read("%s-images-idx3-ubyte.gz" % args.split)[:args.count]
    labels = fashion_mnist._read("%s-labels-idx1-ubyte.gz" % args.split)[:args.count]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "labels.csv"), "w") as f:
        f.write("file,label\n")
        for i, (image, label) in enumerate(zip(images, labels)):
            name = "%s-%05d.png" % (args.split, i)
            Image.fromarray(image, mode="L").save(os.path.join(args.out, name))
            f.write("%s,%d\n" % (name, label))
    print("wrote %d images to %s" % (len(images), args.out))


if __name__ == "__main__":
    main()
