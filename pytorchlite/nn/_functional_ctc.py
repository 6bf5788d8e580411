"""nn.functional.ctc_loss: the CTC forward (alpha) recursion in log space, composed from
differentiable Tensor ops so that autograd gives its backward.

The recursion runs over time with the whole batch and every extended-label position at once:
alpha has shape (batch, 2 * max_target_length + 1).

Note:
    PyTorch's CTC backward returns exp(log_probs) - (the posterior occupancy), which is the
    true gradient plus exp(log_probs) (it assumes log_probs come from log_softmax, where that
    extra term vanishes). A zero-valued term with exactly that gradient is added so that
    gradients equal PyTorch's for any log_probs. The per-sequence losses are one node,
    CtcLossBackward0 as in PyTorch, whose backward runs the recursion again.
"""
import pytorchlite as torch
from pytorchlite._named_op import composite

__all__ = ["ctc_loss"]

_NEG_INF = float("-inf")


def _lengths(lengths, name, batch):
    if isinstance(lengths, torch.Tensor):
        values = [int(v) for v in lengths.reshape(-1).tolist()]
    else:
        values = [int(v) for v in lengths]
    if len(values) != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    return values


def _logsumexp(parts):
    """log(sum(exp(p))) over a list of same-shaped tensors, -inf where every part is -inf, with
    finite (zero) gradients there."""
    stacked = torch.stack(parts, 0)
    top = stacked.max(0)[0].detach()
    top = torch.where(top == _NEG_INF, torch.zeros((), dtype=top.dtype), top)
    total = (stacked - top).exp().sum(0)
    empty = total == 0
    safe = torch.where(empty, torch.ones((), dtype=total.dtype), total)
    neg_inf = torch.full((), _NEG_INF, dtype=total.dtype)
    return torch.where(empty, neg_inf, top + safe.log())


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of log_probs (T, N, C) (or (T, C) unbatched) against targets (N, S) padded or
    1-D concatenated, per PyTorch's definition and reductions."""
    from ._functional_loss import _checked
    reduction = _checked(reduction)
    if isinstance(input_lengths, torch.Tensor) != isinstance(target_lengths, torch.Tensor):
        raise TypeError("ctc_loss() received an invalid combination of arguments: "
                        "input_lengths and target_lengths must both be Tensors or both be "
                        "tuples of ints")
    batched = log_probs.dim() == 3
    if not batched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if targets.dim() == 1 else targets
    steps, batch, classes = log_probs.shape
    if not (0 <= blank < classes):
        raise RuntimeError("blank must be in label range")
    in_len = _lengths(input_lengths, "input_lengths", batch)
    tg_len = _lengths(target_lengths, "target_lengths", batch)
    if not log_probs.is_floating_point():
        from .functional import _type_name
        raise NotImplementedError(f'"ctc_loss_cpu" not implemented for '
                                  f"'{_type_name(log_probs)}'")
    where = " (while checking arguments for ctc_loss_allocate_outputs)"
    for n in in_len:
        if n < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got "
                               f"value {n}{where}")
        if n > steps:
            raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got "
                               f"value {n}{where}")
    for n in tg_len:
        if n < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got "
                               f"value {n}{where}")
    if targets.dim() == 1 and targets.shape[0] != sum(tg_len):
        raise RuntimeError(f"Expected tensor to have size {sum(tg_len)} at dimension 0, but got "
                           f"size {targets.shape[0]} for argument #2 'targets'{where}")
    flat = [int(v) for v in targets.reshape(-1).tolist()]
    rows, offset = [], 0
    for b in range(batch):
        if targets.dim() == 1:
            rows.append(flat[offset:offset + tg_len[b]])
            offset += tg_len[b]
        else:
            width = targets.shape[1]
            if tg_len[b] > width:
                raise RuntimeError(f"Expected tensor to have size at least {tg_len[b]} at "
                                   f"dimension 1, but got size {width} for argument #2 "
                                   f"'targets'{where}")
            rows.append(flat[b * width:b * width + tg_len[b]])
    longest = max(tg_len) if tg_len else 0
    width = 2 * longest + 1
    ext, skip, valid = [], [], []
    for b, row in enumerate(rows):
        labels = [blank] * width
        for i, label in enumerate(row):
            labels[2 * i + 1] = label
        ext.append(labels)
        skip.append([s >= 2 and labels[s] != blank and labels[s] != labels[s - 2]
                     for s in range(width)])
        valid.append([s < 2 * tg_len[b] + 1 for s in range(width)])
    ext = torch.tensor(ext, dtype=torch.int64)  # (batch, width)
    skip = torch.tensor(skip, dtype=torch.bool)  # (batch, width)
    valid = torch.tensor(valid, dtype=torch.bool)  # (batch, width)
    dtype = log_probs.dtype

    def losses(log_probs):  # (batch,): the per-sequence losses
        neg_inf = torch.full((), _NEG_INF, dtype=dtype)
        # (steps, batch, width): log_probs at each extended label
        emit = log_probs.gather(2, ext.unsqueeze(0).expand(steps, batch, width))
        start = torch.arange(width).unsqueeze(0) < 2  # (1, width)
        alpha = torch.where(start & valid, emit[0], neg_inf)  # (batch, width)
        running = torch.tensor(in_len, dtype=torch.int64).unsqueeze(1)  # (batch, 1)
        pad1 = torch.full((batch, 1), _NEG_INF, dtype=dtype)
        pad2 = torch.full((batch, 2), _NEG_INF, dtype=dtype)
        for t in range(1, steps):
            if width > 1:
                shift1 = torch.cat([pad1, alpha.narrow(1, 0, width - 1)], 1)
            else:
                shift1 = pad1
            if width > 2:
                shift2 = torch.where(skip, torch.cat([pad2, alpha.narrow(1, 0, width - 2)], 1),
                                     neg_inf)
                total = _logsumexp([alpha, shift1, shift2])
            else:
                total = _logsumexp([alpha, shift1])
            new = torch.where(valid, total + emit[t], neg_inf)
            alpha = torch.where(running > t, new, alpha)
        last = torch.tensor([2 * n for n in tg_len], dtype=torch.int64).unsqueeze(1)
        prev = torch.tensor([max(2 * n - 1, 0) for n in tg_len], dtype=torch.int64).unsqueeze(1)
        has_prev = torch.tensor([n > 0 for n in tg_len], dtype=torch.bool)
        end_last = alpha.gather(1, last).squeeze(1)  # (batch,)
        end_prev = torch.where(has_prev, alpha.gather(1, prev).squeeze(1), neg_inf)
        nll = -_logsumexp([end_last, end_prev])  # (batch,)
        empty = torch.tensor([n == 0 for n in in_len], dtype=torch.bool)
        if bool(empty.any()):
            nll = torch.where(empty, torch.full((), float("inf"), dtype=dtype), nll)
        # zero-valued, with PyTorch's extra gradient exp(log_probs) over each sequence's steps
        live = (torch.arange(steps).unsqueeze(1) < running.reshape(1, batch)).to(dtype)
        e = log_probs.exp()
        extra = ((e - e.detach()) * live.unsqueeze(2)).sum((0, 2))  # (batch,)
        loss = nll + extra
        if zero_infinity:
            loss = torch.where(nll == float("inf"), torch.zeros((), dtype=dtype), loss)
        return loss

    loss = composite("CtcLossBackward0", losses, log_probs)
    if reduction == "mean":
        denom = torch.tensor([max(n, 1) for n in tg_len], dtype=dtype)
        return (loss / denom).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.squeeze(0)
