"""A small class-conditional UNet for 28x28 images (any size divisible by 4): ResNet blocks with GroupNorm and
SiLU, a sinusoidal time embedding, a class embedding with a null class (index num_classes) for classifier-free
guidance, and self-attention at the lowest resolution (7x7 with mults (1, 2, 3)).
forward(x [B, C, 28, 28], t [B] float, y [B] int64) -> [B, C, 28, 28]."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def sinusoidal_embedding(t, dim: int):
    """[B] float -> [B, dim]: sines and cosines of t at dim / 2 frequencies from 1 to 1/10000, made on t's device."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(e)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class Attention(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.norm = nn.GroupNorm(8, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.out = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)
        a = torch.softmax(torch.einsum("bci,bcj->bij", q, k) / math.sqrt(c), dim=-1)
        o = torch.einsum("bij,bcj->bci", a, v).reshape(b, c, h, w)
        return x + self.out(o)


class UNet(nn.Module):
    def __init__(self, channels: int = 1, base: int = 32, mults=(1, 2, 2), num_classes: int = 10, emb: int = 128):
        super().__init__()
        self.base = base
        self.time_mlp = nn.Sequential(nn.Linear(base, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.class_emb = nn.Embedding(num_classes + 1, emb)
        self.inp = nn.Conv2d(channels, base, 3, padding=1)
        chs = [base * m for m in mults]
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        cin = base
        skips = [base]
        for i, c in enumerate(chs):
            self.down.append(nn.ModuleList([ResBlock(cin, c, emb), ResBlock(c, c, emb)]))
            cin = c
            skips += [c, c]
            if i < len(chs) - 1:
                self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
            else:
                self.downsample.append(nn.Identity())
        self.mid1 = ResBlock(cin, cin, emb)
        self.mid_attn = Attention(cin)
        self.mid2 = ResBlock(cin, cin, emb)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i, c in reversed(list(enumerate(chs))):
            blocks = nn.ModuleList()
            for _ in range(3):
                blocks.append(ResBlock(cin + skips.pop(), c, emb))
                cin = c
            self.up.append(blocks)
            self.upsample.append(nn.Upsample(scale_factor=2.0, mode="nearest") if i > 0 else nn.Identity())
        self.out_norm = nn.GroupNorm(8, cin)
        self.out = nn.Conv2d(cin, channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def time_embedding(self, t):
        return sinusoidal_embedding(t, self.base)

    def forward(self, x, t, y):
        e = self.time_mlp(self.time_embedding(t)) + self.class_emb(y)
        h = self.inp(x)
        hs = [h]
        for blocks, down in zip(self.down, self.downsample):
            for block in blocks:
                h = block(h, e)
                hs.append(h)
            if not isinstance(down, nn.Identity):
                h = down(h)
                hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, e)), e)
        for blocks, up in zip(self.up, self.upsample):
            for block in blocks:
                h = block(torch.cat([h, hs.pop()], dim=1), e)
            h = up(h)
        return self.out(F.silu(self.out_norm(h)))
