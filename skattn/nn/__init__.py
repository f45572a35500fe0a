"""The attention network as pure NumPy/Numba functions, each operation a forward/backward pair.

Nothing here knows about scikit-learn. Every ``*_forward`` returns ``(out, cache)`` and the matching
``*_backward`` takes ``(dout, cache)`` and returns the gradients of the forward's inputs, in order.
A cache holds references, not copies, to the forward's inputs and parameters (as an autograd
graph does; a copy per call would double the memory of a step): modifying ``x`` or ``params`` in
place between a forward and its backward gives wrong gradients, silently (the network's
``forward`` with ``normalize=False`` and non-overlapping patches caches views of ``x``).
Losses end the chain, so their backward takes ``(cache, dloss=1.0)`` and returns ``dpred``.

Every public function checks its arguments (types, shapes and dtypes against each other and
against the forward's cache; O(1), never a pass over the data) and raises a ValueError that names
the problem. :mod:`skattn.nn.network` calls the ops' unchecked twins (``_linear_forward`` for
``linear_forward``, ...), which compute exactly the same thing.
"""
from .activations import (
    gelu_backward,
    gelu_forward,
    relu_backward,
    relu_forward,
    sigmoid_gate_backward,
    sigmoid_gate_forward,
)
from .attention import (
    additive_attention_backward,
    additive_attention_forward,
    attention_backward,
    attention_forward,
    cosine_attention_backward,
    cosine_attention_forward,
)
from .dropout import dropout_backward, dropout_forward
from .embedding import (
    add_positions_backward,
    add_positions_forward,
    patch_backward,
    patch_forward,
    patch_layout,
    sinusoidal_positions,
)
from .inference import forward_inference, pack_for_inference
from .linear import linear_backward, linear_forward
from .losses import (
    LOSS_NAMES,
    absolute_error_backward,
    absolute_error_forward,
    huber_backward,
    huber_forward,
    loss_backward,
    loss_forward,
    pinball_backward,
    pinball_forward,
    squared_error_backward,
    squared_error_forward,
)
from .network import (
    NetworkConfig,
    attention_probs,
    backward,
    forward,
    init_params,
    no_decay_names,
)
from .optim import AdamW, clip_grad_norm, constant_lr, cosine_lr, make_lr_schedule
from .norm import (
    instance_denorm_backward,
    instance_denorm_forward,
    instance_norm_backward,
    instance_norm_forward,
    layernorm_backward,
    layernorm_forward,
)

__all__ = [name for name in dir() if name.endswith(("_forward", "_backward"))] + [
    "AdamW",
    "LOSS_NAMES",
    "NetworkConfig",
    "clip_grad_norm",
    "constant_lr",
    "cosine_lr",
    "make_lr_schedule",
    "no_decay_names",
    "attention_probs",
    "backward",
    "forward",
    "forward_inference",
    "init_params",
    "pack_for_inference",
    "patch_layout",
    "sinusoidal_positions",
]
