"""A PyTorch twin of skattn's network ("dot" attention), its training loss and its optimiser.

The twin exists to measure skattn against PyTorch eager on the SAME model. It mirrors
:mod:`skattn.nn.network` op for op::

    x (B, T, C) ── instance norm (biased var, std = sqrt(var + eps)) ──► z
      z ── left-pad with the first step, cut into patches (step-major, P*C) ── Linear ── + pos ── dropout
        n_layers x pre-LN block:  h += dropout(W_out · attn(LN1(h)))      attn: fused QKV (d, 3d),
                                  h += dropout(W2 · gelu(W1 · LN2(h)))          split q, k, v then heads
      final LN ── flatten (B, N*D) ── Linear ──┐
      z[:, :, 0] ── Linear (no bias) ──────────+── de-normalise (· std + mean) ──► (B, horizon)

Attention is written with plain ops (``q @ kᵀ / sqrt(Dh)``, ``softmax``, ``@ v``): this is
"PyTorch eager", no fused SDPA kernel and no ``torch.compile``. GELU is the exact (erf) form,
layer norm uses eps 1e-5 and the biased variance (``nn.LayerNorm``), dropout is inverted and acts
after the embedding and on both residual branches.

Parameters come from skattn: :func:`load_skattn_params` copies a ``skattn.nn.init_params`` dict
into the twin (Linear weights transposed: skattn stores ``(D_in, D_out)``, PyTorch
``(D_out, D_in)``), :func:`skattn_grads` reads the twin's gradients back under skattn's names.

The loss is the one ``AttentionForecaster`` trains with: squared error in each window's
normalised units, ``((pred - mean) / std - (target - mean) / std)²`` averaged, where mean and std
are the window's instance-norm statistics taken as constants (skattn's ``_loss_and_grad`` does not
differentiate through them; they still carry gradient through the de-normalisation of ``pred``).
The optimiser is ``torch.optim.AdamW`` with skattn's no-decay split
(:func:`skattn.nn.no_decay_names`), the clipping ``torch.nn.utils.clip_grad_norm_``.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from skattn.nn import NetworkConfig, init_params, no_decay_names, sinusoidal_positions

__all__ = [
    "TorchTwin",
    "fit_twin",
    "load_skattn_params",
    "make_optimizer",
    "skattn_grads",
    "skattn_param_map",
    "twin_loss",
]


class _Block(nn.Module):
    """Pre-LN encoder block: ``h + drop(attn(LN1 h))``, then ``h + drop(W2 gelu(W1 LN2 h))``."""

    def __init__(self, d_model, n_heads, d_ff, eps):
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = d_model // n_heads
        self.ln1 = nn.LayerNorm(d_model, eps=eps)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model, eps=eps)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)

    def attention(self, a, causal):
        # a: (B, N, D) -> (B, N, D)
        n_batch, n_tokens, d_model = a.shape
        qkv = self.qkv(a).view(n_batch, n_tokens, 3, self.n_heads, self.head_dim)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # (3, B, H, N, Dh): q, k, v, then heads, as skattn
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (B, H, N, N)
        if causal:
            hidden = torch.ones(n_tokens, n_tokens, dtype=torch.bool, device=a.device).triu(1)
            scores = scores.masked_fill(hidden, float("-inf"))
        probs = scores.softmax(dim=-1)
        heads = probs @ v  # (B, H, N, Dh)
        merged = heads.transpose(1, 2).reshape(n_batch, n_tokens, d_model)
        return self.out(merged)

    def forward(self, h, causal, drop):
        h = h + drop(self.attention(self.ln1(h), causal))
        f = self.ff2(F.gelu(self.ff1(self.ln2(h))))  # exact (erf) GELU
        return h + drop(f)


class TorchTwin(nn.Module):
    """PyTorch twin of ``skattn.nn.forward`` for the "dot" (and causal dot) attention.

    Parameters
    ----------
    config : skattn.nn.NetworkConfig
        ``attention="dot"``, point forecasts (``n_quantiles=None``), ``affine=False``,
        ``anchor="mean"`` and ``trend_degree=None``; any other value of these raises
        ``NotImplementedError`` (``affine`` and ``anchor`` only matter, and are only checked,
        with ``normalize=True``). Every other field is mirrored. The module is built in
        ``config.dtype``.

    ``forward(x, masks=None)`` takes ``x`` of shape (B, T) or (B, T, C) and returns
    ``(pred, mean, std)``: the forecast (B, horizon) and the window statistics (B, 1, C) (None
    without normalisation), which :func:`twin_loss` needs. ``masks``, when given, is a sequence of
    scaled keep-masks used instead of drawing dropout (in skattn's order: the embedding, then for
    each block its attention branch and its feed-forward branch); it makes the twin reproduce a
    skattn training step exactly.
    """

    def __init__(self, config: NetworkConfig):
        super().__init__()
        if config.attention != "dot":
            raise NotImplementedError(
                f"the twin mirrors attention='dot' only, got attention={config.attention!r}")
        if config.n_quantiles is not None:
            raise NotImplementedError(
                f"the twin mirrors point forecasts only (n_quantiles=None), "
                f"got n_quantiles={config.n_quantiles!r}")
        if config.normalize and config.affine:
            raise NotImplementedError(
                "the twin mirrors affine=False only (no RevIN affine map), got affine=True")
        if config.normalize and config.anchor != "mean":
            raise NotImplementedError(
                f"the twin mirrors anchor='mean' only (instance norm shifts by the window's mean), "
                f"got anchor={config.anchor!r}"
            )
        if config.trend_degree is not None:
            raise NotImplementedError(
                f"the twin mirrors trend_degree=None only (a free head, no polynomial trend "
                f"basis), got trend_degree={config.trend_degree!r}"
            )
        self.config = config
        d, c = config.d_model, config.n_channels
        self.padded_len = config.patch_len + (config.n_tokens - 1) * config.stride
        self.n_pad = self.padded_len - config.n_timesteps
        self.patch = nn.Linear(config.patch_len * c, d)
        if config.positional == "learned":
            self.pos = nn.Parameter(torch.zeros(config.n_tokens, d))
        elif config.positional == "sinusoidal":
            table = sinusoidal_positions(config.n_tokens, d, np.float64)
            self.register_buffer("pos", torch.from_numpy(table))  # cast with the module below
        else:
            self.pos = None
        self.blocks = nn.ModuleList(
            _Block(d, config.n_heads, config.d_ff, config.norm_eps) for _ in range(config.n_layers)
        )
        self.ln_f = nn.LayerNorm(d, eps=config.norm_eps)
        self.head = nn.Linear(config.n_tokens * d, config.horizon)
        self.skip = nn.Linear(config.n_timesteps, config.horizon, bias=False)
        self.to(torch.float64 if config.dtype == "float64" else torch.float32)  # the config's dtype

    def forward(self, x, masks=None):
        config = self.config
        x3 = x.unsqueeze(-1) if x.dim() == 2 else x  # (B, T, C)
        n_batch, _, n_channels = x3.shape
        mask_iter = iter(masks) if masks is not None else None

        def drop(t):
            if mask_iter is not None:
                return t * next(mask_iter)
            if not self.training or config.dropout == 0.0:
                return t
            return F.dropout(t, config.dropout, training=True)

        # instance normalisation over time, per channel: std = sqrt(biased var + eps)
        if config.normalize:
            mean = x3.mean(dim=1, keepdim=True)  # (B, 1, C)
            centred = x3 - mean
            var = (centred * centred).mean(dim=1, keepdim=True)
            std = torch.sqrt(var + config.instance_norm_eps)
            z = centred / std
        else:
            mean = std = None
            z = x3

        # patches: left-pad by repeating the first step, then (B, N, P*C) step-major
        if self.n_pad:
            z_padded = torch.cat([z[:, :1, :].expand(n_batch, self.n_pad, n_channels), z], dim=1)
        else:
            z_padded = z
        patches = z_padded.unfold(1, config.patch_len, config.stride)  # (B, N, C, P)
        patches = patches.transpose(2, 3).reshape(n_batch, config.n_tokens, -1)
        h = self.patch(patches)
        if self.pos is not None:
            h = h + self.pos
        h = drop(h)

        for block in self.blocks:
            h = block(h, config.causal, drop)
        h = self.ln_f(h)

        y = self.head(h.reshape(n_batch, -1)) + self.skip(z[:, :, 0])  # (B, horizon)
        if config.normalize:
            y = y * std[:, :, 0] + mean[:, :, 0]
        return y, mean, std


def twin_loss(pred, target, mean, std):
    """AttentionForecaster's squared-error loss: residuals in the window's normalised units.

    ``mean``/``std`` (B, 1, C) are the instance-norm statistics the forward returned (None without
    normalisation). skattn treats them as constants in the loss, so they are detached here.
    """
    if mean is None:
        residual = pred - target
    else:
        m = mean[:, :, 0].detach()  # (B, 1)
        s = std[:, :, 0].detach()
        residual = (pred - m) / s - (target - m) / s
    return (residual * residual).mean()


# ----------------------------------------------------------------------------------------------
# skattn parameter names <-> twin parameters
# ----------------------------------------------------------------------------------------------
def skattn_param_map(model):
    """``{skattn name: (twin parameter, transposed)}`` for every trainable parameter."""
    out = {
        "patch.W": (model.patch.weight, True),
        "patch.b": (model.patch.bias, False),
    }
    if isinstance(model.pos, nn.Parameter):
        out["pos"] = (model.pos, False)
    for i, block in enumerate(model.blocks):
        pre = f"block{i}."
        out.update({
            pre + "ln1.gamma": (block.ln1.weight, False),
            pre + "ln1.beta": (block.ln1.bias, False),
            pre + "attn.W_qkv": (block.qkv.weight, True),
            pre + "attn.b_qkv": (block.qkv.bias, False),
            pre + "attn.W_out": (block.out.weight, True),
            pre + "attn.b_out": (block.out.bias, False),
            pre + "ln2.gamma": (block.ln2.weight, False),
            pre + "ln2.beta": (block.ln2.bias, False),
            pre + "ff.W1": (block.ff1.weight, True),
            pre + "ff.b1": (block.ff1.bias, False),
            pre + "ff.W2": (block.ff2.weight, True),
            pre + "ff.b2": (block.ff2.bias, False),
        })
    out.update({
        "ln_f.gamma": (model.ln_f.weight, False),
        "ln_f.beta": (model.ln_f.bias, False),
        "head.W": (model.head.weight, True),
        "head.b": (model.head.bias, False),
        "skip.W": (model.skip.weight, True),
    })
    return out


def load_skattn_params(model, params):
    """Copy a skattn params dict into the twin (Linear weights transposed). Returns ``model``."""
    mapping = skattn_param_map(model)
    if set(mapping) != set(params):
        raise ValueError(
            "skattn parameters and twin parameters differ: only in skattn "
            f"{sorted(set(params) - set(mapping))}, only in the twin {sorted(set(mapping) - set(params))}"
        )
    with torch.no_grad():
        for name, (param, transposed) in mapping.items():
            value = params[name].T if transposed else params[name]
            if tuple(value.shape) != tuple(param.shape):
                raise ValueError(f"{name}: skattn shape {params[name].shape}, twin {tuple(param.shape)}")
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return model


def skattn_grads(model):
    """The twin's ``.grad`` as a skattn-named dict of ndarrays (weights back to (D_in, D_out))."""
    out = {}
    for name, (param, transposed) in skattn_param_map(model).items():
        grad = param.grad.detach().numpy()
        out[name] = grad.T if transposed else grad
    return out


def skattn_params(model):
    """The twin's parameters as a skattn-named dict of ndarrays."""
    out = {}
    for name, (param, transposed) in skattn_param_map(model).items():
        value = param.detach().numpy()
        out[name] = value.T if transposed else value
    return out


def make_optimizer(model, learning_rate=1e-3, weight_decay=0.01):
    """``torch.optim.AdamW`` with skattn's split: no decay for the names ``no_decay_names`` gives."""
    mapping = skattn_param_map(model)
    no_decay = no_decay_names(mapping)
    decay_params = [p for name, (p, _) in mapping.items() if name not in no_decay]
    plain_params = [p for name, (p, _) in mapping.items() if name in no_decay]
    return torch.optim.AdamW(
        [{"params": decay_params, "weight_decay": weight_decay},
         {"params": plain_params, "weight_decay": 0.0}],
        lr=learning_rate, betas=(0.9, 0.999), eps=1e-8,
    )


# ----------------------------------------------------------------------------------------------
# The training loop AttentionForecaster.fit runs, in PyTorch
# ----------------------------------------------------------------------------------------------
def fit_twin(config, X, Y, *, batch_size, max_epochs, learning_rate=1e-3, weight_decay=0.01,
             clip=1.0, seed=0):
    """Train a twin the way ``AttentionForecaster.fit`` trains (no early stopping).

    Global standardisation of X and Y with X's mean and std, skattn's initial weights, batches
    from ``rng.permutation`` each epoch (the last one partial), forward, the normalised loss,
    backward, ``clip_grad_norm_``, a finiteness check on the loss and the norm, AdamW.

    Parameters
    ----------
    config : skattn.nn.NetworkConfig
    X : ndarray of shape (n, T); Y : ndarray of shape (n, horizon)

    Returns
    -------
    model : TorchTwin
    info : dict with ``seconds`` (wall time of the whole call), ``steps``, ``loss_curve``,
        ``scale`` (mean, std of the global standardisation)
    """
    started = time.perf_counter()
    dtype = np.float32 if config.dtype == "float32" else np.float64
    center, spread = float(X.mean()), float(X.std()) or 1.0
    Xs = torch.from_numpy(np.ascontiguousarray((X - center) / spread, dtype=dtype))
    Ys = torch.from_numpy(np.ascontiguousarray((Y - center) / spread, dtype=dtype))
    rng = np.random.default_rng(seed)
    model = TorchTwin(config)  # in the config's dtype
    load_skattn_params(model, init_params(config, rng))
    model.train()
    optimizer = make_optimizer(model, learning_rate, weight_decay)
    parameters = [p for p, _ in skattn_param_map(model).values()]
    n = Xs.shape[0]
    batch_size = min(batch_size, n)
    steps = 0
    loss_curve = []
    for _ in range(max_epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            index = torch.from_numpy(order[start:start + batch_size])
            pred, mean, std = model(Xs[index])
            loss = twin_loss(pred, Ys[index], mean, std)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = float(torch.nn.utils.clip_grad_norm_(parameters, clip))
            value = loss.item()
            if not (math.isfinite(value) and math.isfinite(grad_norm)):
                raise ValueError("twin training diverged")
            optimizer.step()
            total += value * index.numel()
            steps += 1
        loss_curve.append(total / n)
    info = {"seconds": time.perf_counter() - started, "steps": steps, "loss_curve": loss_curve,
            "scale": (center, spread)}
    return model, info
