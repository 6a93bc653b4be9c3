"""Draws the loss curves of notebooks/results/*-loss.csv as one PNG with PIL (no plotting library needed).

    /usr/bin/python3 notebooks/plot_loss.py notebooks/results/loss-curves.png results/a-loss.csv results/b-loss.csv
"""
import csv
import math
import sys

from PIL import Image, ImageDraw

COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189)]


def main(out, paths):
    series = []
    for path in paths:
        with open(path) as f:
            rows = [(int(r["step"]), float(r["loss"])) for r in csv.DictReader(f)]
        series.append((path.split("/")[-1].replace("-loss.csv", ""), rows))
    width, height, left, bottom, top, right = 640, 360, 60, 40, 20, 20
    max_step = max(s for _, rows in series for s, _ in rows)
    losses = [l for _, rows in series for _, l in rows]
    lo, hi = math.log10(min(losses)), math.log10(max(losses))
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([left, top, width - right, height - bottom], outline="black")

    def xy(step, loss):
        x = left + (width - left - right) * step / max_step
        y = height - bottom - (height - top - bottom) * (math.log10(loss) - lo) / max(hi - lo, 1e-9)
        return x, y

    for decade in range(math.floor(lo), math.ceil(hi) + 1):
        for m in (1, 2, 5):
            value = m * 10 ** decade
            if 10 ** lo <= value <= 10 ** hi:
                _, y = xy(0, value)
                draw.line([left - 4, y, left, y], fill="black")
                draw.text((4, y - 6), "%g" % value, fill="black")
    for k in range(0, 6):
        step = max_step * k / 5
        x, _ = xy(step, 10 ** lo)
        draw.line([x, height - bottom, x, height - bottom + 4], fill="black")
        draw.text((x - 12, height - bottom + 8), "%d" % step, fill="black")
    draw.text((width // 2 - 40, height - 14), "training step", fill="black")
    for i, (name, rows) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        draw.line([xy(s, l) for s, l in rows], fill=colour, width=2)
        draw.text((width - right - 300, top + 8 + 14 * i), name + " (EMA of the MSE loss)", fill=colour)
    image.save(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
