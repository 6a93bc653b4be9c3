"""Writes a request table for the bundled latent model (fashion-mnist-latent-flow): rows that point into its
embeddings table by key (a class name), and rows with embeddings of their own, here halfway between two classes'
(what a prompt's text-encoder output is to a real model). Standard library only.

    /usr/bin/python3 notebooks/latent_requests.py --out target/latent-requests.jsonl
    jobs/ddim sample --model fashion-mnist-latent-flow --requests target/latent-requests.jsonl \\
        --embeddings src/main/resources/models/fashion-mnist-latent-flow/embeddings.jsonl --output target/latent-out
"""
import argparse
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--model", default=os.path.join(ROOT, "src", "main", "resources", "models", "fashion-mnist-latent-flow"))
    p.add_argument("--per-class", type=int, default=4)
    args = p.parse_args()
    table = [json.loads(line) for line in open(os.path.join(args.model, "embeddings.jsonl")) if line.strip()]
    by_key = {e["key"]: e for e in table}
    slug = lambda key: key.replace("/", "-").replace(" ", "-").lower()
    rows = []
    for e in table:
        for i in range(args.per_class):
            rows.append({"id": "%s-%d" % (slug(e["key"]), i),
                         "seed": 1000 * e["class_label"] + i, "cond_key": e["key"]})
    # embeddings of their own: halfway between two classes' embeddings
    for a, b in (("Sneaker", "Ankle boot"), ("Pullover", "Coat"), ("T-shirt/top", "Dress")):
        mix = [(x + y) / 2 for x, y in zip(by_key[a]["cond"], by_key[b]["cond"])]
        for i in range(args.per_class):
            rows.append({"id": "%s+%s-%d" % (slug(a), slug(b), i), "seed": 77 + i, "cond": mix,
                         "cond_shape": by_key[a]["cond_shape"], "guidance": 3.0})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print("wrote %d requests to %s" % (len(rows), args.out))


if __name__ == "__main__":
    main()
