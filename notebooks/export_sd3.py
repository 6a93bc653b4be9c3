"""Exports Stable Diffusion 3 (diffusers) to a ddim-spark latent model directory, and a prompt list to an embeddings
table that request tables point into (README, "Latent models", "Embedding conditioning", "Request tables").

Needs diffusers, transformers and the model's weights (not Debian packages: pip install diffusers transformers, and
access to stabilityai/stable-diffusion-3-medium-diffusers); the bundled Fashion-MNIST latent model shows the same
contract with Debian's torch alone (notebooks/train_latent_flow.py).

    python3 notebooks/export_sd3.py --out sd3-medium --height 1024 --width 1024 --prompts prompts.txt

The wrappers, and why:
- model.pt: forward(x [B, 16, h, w], t [B] (t * 1000, the card's timestep_input 'index'), cond [B, L, 4096],
  pooled [B, 2048]): the text encoders' joint sequence and pooled vector (the card's conditioning.pooled). SD3 predicts the flow velocity noise - x0 with x_t = (1 - t) x0 + t noise: prediction
  'flow_velocity', schedule 'rectified_flow', as the card says.
- decoder.pt / encoder.pt: the VAE. ddim-spark gives the decoder z / scale + shift and makes an encoded image
  z = (mean - shift) * scale, with scale = vae.config.scaling_factor and shift = vae.config.shift_factor.
- null_embedding.json: the empty prompt's embedding (classifier-free guidance's unconditional half), and
  embeddings.parquet: one row per prompt (key, cond, cond_shape), for `sample --requests ... --embeddings ...`.
"""
import argparse
import json
import os

import torch


class Transformer(torch.nn.Module):
    def __init__(self, transformer):
        super().__init__()
        self.transformer = transformer

    def forward(self, x, t, cond, pooled):
        return self.transformer(hidden_states=x, encoder_hidden_states=cond, pooled_projections=pooled,
                                timestep=t, return_dict=False)[0]


class Decoder(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z):
        return self.vae.decode(z, return_dict=False)[0]


class Encoder(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, x):
        return self.vae.encode(x).latent_dist.mean  # deterministic: the mean


def encoded(pipe, prompts):
    """The prompts' cond (the joint text-encoder sequence) and pooled vectors."""
    sequence, _, pooled, _ = pipe.encode_prompt(prompts, prompts, prompts, do_classifier_free_guidance=False)
    return sequence.float(), pooled.float()


def main():
    from diffusers import StableDiffusion3Pipeline  # noqa: F401 (not a Debian package)
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--model-id", default="stabilityai/stable-diffusion-3-medium-diffusers")
    p.add_argument("--height", type=int, default=1024)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--prompts", help="a text file, one prompt a line")
    args = p.parse_args()
    pipe = StableDiffusion3Pipeline.from_pretrained(args.model_id, torch_dtype=torch.float32)
    os.makedirs(args.out, exist_ok=True)
    h, w = args.height // 8, args.width // 8
    channels = pipe.transformer.config.in_channels
    null, null_pooled = encoded(pipe, [""])
    length, dim, pooled_size = null.shape[1], null.shape[2], null_pooled.shape[1]
    with torch.no_grad():
        x = torch.randn(2, channels, h, w)
        t = torch.full((2,), 500.0)
        torch.jit.trace(Transformer(pipe.transformer).eval(), (x, t, null.repeat(2, 1, 1), null_pooled.repeat(2, 1))).save(
            os.path.join(args.out, "model.pt"))
        torch.jit.trace(Decoder(pipe.vae).eval(), (x,)).save(os.path.join(args.out, "decoder.pt"))
        torch.jit.trace(Encoder(pipe.vae).eval(), (torch.randn(2, 3, args.height, args.width),)).save(
            os.path.join(args.out, "encoder.pt"))
    with open(os.path.join(args.out, "null_embedding.json"), "w") as f:
        json.dump({"cond": null[0].flatten().tolist(), "cond_shape": [length, dim], "pooled": null_pooled[0].tolist()}, f)
    prompts = [line.strip() for line in open(args.prompts)] if args.prompts else ["a photograph of an astronaut"]
    cond, pooled = encoded(pipe, prompts)
    pq.write_table(pa.table({"key": prompts, "cond": [c.flatten().tolist() for c in cond],
                             "cond_shape": [[length, dim]] * len(prompts), "pooled": [p.tolist() for p in pooled]}),
                   os.path.join(args.out, "embeddings.parquet"))
    # the card's class table holds the first prompt, so that --class 0 and `info` have a class to check with
    with open(os.path.join(args.out, "embeddings.jsonl"), "w") as f:
        f.write(json.dumps({"key": prompts[0], "class_label": 0, "cond": cond[0].flatten().tolist(),
                            "cond_shape": [length, dim], "pooled": pooled[0].tolist()}) + "\n")
    card = {"name": os.path.basename(args.out.rstrip("/")), "prediction": "flow_velocity",
            "schedule": {"kind": "rectified_flow"}, "timestep_input": "index", "sample_shape": [channels, h, w],
            "value_range": [-1.0, 1.0], "num_classes": 1, "class_names": prompts[:1], "guidance": 7.0,
            "forward_batch": 1,
            "latent": {"image_shape": [3, args.height, args.width], "scale": pipe.vae.config.scaling_factor,
                       "shift": pipe.vae.config.shift_factor, "decoder": "decoder.pt", "encoder": "encoder.pt"},
            "conditioning": {"kind": "embedding", "shape": [length, dim], "pooled": pooled_size,
                             "null_embedding": "null_embedding.json", "embeddings": "embeddings.jsonl"}}
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(card, f, indent=2)
    print("wrote %s: sample with\n  jobs/ddim sample --model %s --requests requests.jsonl --embeddings %s/embeddings.parquet"
          " --output out\nwhere each line of requests.jsonl is {\"id\": ..., \"seed\": ..., \"cond_key\": <a prompt>}"
          % (args.out, args.out, args.out))


if __name__ == "__main__":
    main()
