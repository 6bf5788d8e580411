"""torch.einsum, composed from existing Tensor ops (indexing for diagonals, permute, unsqueeze,
sum, mul, bmm, reshape), so autograd flows through it with no backward of its own.

The plan follows PyTorch's: every operand is brought to one label order (the output labels, then
the summed ones), dims used by no later operand are summed as early as possible, and operands
are combined left to right, each pair as one batched matrix product (or a broadcast product
when the pair shares no summed dim).
"""
from ._tensor import Tensor

__all__ = ["einsum"]

_ELLIPSIS = "..."
_NUM_LETTERS = 52  # A-Z then a-z: the label order of the implicit output


def _label_id(ch):
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A")
    return 26 + ord(ch) - ord("a")


def _label_name(lid):
    return chr(ord("A") + lid) if lid < 26 else chr(ord("a") + lid - 26)


def _error(msg):
    return RuntimeError("einsum(): " + msg)


def _parse_term(equation, start, stop, operand_index, is_output=False):
    """Labels of one comma-separated term: label ids, with _ELLIPSIS standing for '...'."""
    labels = []
    i = start
    while i < stop:
        ch = equation[i]
        if ch == " ":
            i += 1
        elif ch == ".":
            if _ELLIPSIS in labels:
                raise _error("found '.' for output but an ellipsis (...) was already found"
                             if is_output else f"found '.' for operand {operand_index} for "
                             "which an ellipsis was already found")
            if equation[i:i + 3] != "..." or i + 3 > stop:
                raise _error("found '.' for output that is not part of any ellipsis (...)"
                             if is_output else f"found '.' for operand {operand_index} that is "
                             "not part of any ellipsis")
            labels.append(_ELLIPSIS)
            i += 3
        elif ch.isascii() and ch.isalpha():
            labels.append(_label_id(ch))
            i += 1
        else:
            raise _error(f"invalid subscript given at index {i} in the equation string, "
                         "subscripts must be in [a-zA-Z]")
    return labels


def _parse(equation, num_operands):
    """(list of input label lists, output label list or None when implicit)."""
    arrow = equation.find("->")
    lhs_end = arrow if arrow >= 0 else len(equation)
    terms = []
    start = 0
    while True:
        comma = equation.find(",", start, lhs_end)
        stop = comma if comma >= 0 else lhs_end
        terms.append(_parse_term(equation, start, stop, len(terms)))
        if comma < 0:
            break
        start = comma + 1
    if len(terms) < num_operands:
        raise _error("more operands were provided than specified in the equation")
    if len(terms) > num_operands:
        raise _error("fewer operands were provided than specified in the equation")
    output = None
    if arrow >= 0:
        output = _parse_term(equation, arrow + 2, len(equation), 0, is_output=True)
    return terms, output


def _from_sublists(args):
    """The equation and operands of einsum(op0, sublist0, op1, sublist1, ..., [out_sublist])."""
    def term(sublist):
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and 0 <= s < _NUM_LETTERS:
                out.append(_label_name(s))
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the "
                                 f"valid range [0, {_NUM_LETTERS})")
        return "".join(out)

    operands = list(args[0::2])
    sublists = list(args[1::2])
    output = None
    if len(operands) > len(sublists):
        output = operands.pop()
    equation = ",".join(term(s) for s in sublists)
    if output is not None:
        equation += "->" + term(output)
    return equation, operands


def _take_diagonals(op, labels):
    """Replaces each label repeated within one operand by its diagonal (one dim)."""
    from . import arange

    while True:
        seen = {}
        repeat = None
        for pos, lab in enumerate(labels):
            if lab in seen:
                repeat = lab
                break
            seen[lab] = pos
        if repeat is None:
            return op, labels
        positions = [p for p, lab in enumerate(labels) if lab == repeat]
        size = op.shape[positions[0]]
        index = arange(size)
        key = [slice(None)] * op.dim()
        for p in positions:
            key[p] = index
        op = op[tuple(key)]
        rest = [lab for p, lab in enumerate(labels) if p not in positions]
        adjacent = positions[-1] - positions[0] == len(positions) - 1
        at = positions[0] if adjacent else 0
        labels = rest[:at] + [repeat] + rest[at:]


def _sumproduct_pair(left, right, sum_dims):
    """sum over sum_dims of left * right; both have the same dims (size 1 where absent), and the
    result keeps every dim (size 1 where summed)."""
    ndim = left.dim()
    lro, lo, ro, both_sum = [], [], [], []
    for d in range(ndim):
        sl, sr = left.shape[d], right.shape[d]
        if d in sum_dims:
            if sl != 1 and sr != 1:
                both_sum.append(d)
            elif sl != 1:
                left = left.sum(d, keepdim=True)
            elif sr != 1:
                right = right.sum(d, keepdim=True)
        elif sl != 1 and sr != 1:
            lro.append(d)
        elif sl != 1:
            lo.append(d)
        elif sr != 1:
            ro.append(d)
    if not both_sum:
        return left * right

    def size(tensor, dims):
        n = 1
        for d in dims:
            n *= tensor.shape[d]
        return n

    def rest(dims):
        return [d for d in range(ndim) if d not in dims]

    b, m, k, n = size(left, lro), size(left, lo), size(left, both_sum), size(right, ro)
    lhs_order = lro + lo + both_sum
    rhs_order = lro + both_sum + ro
    lhs = left.permute(lhs_order + rest(lhs_order)).reshape(b, m, k)
    rhs = right.permute(rhs_order + rest(rhs_order)).reshape(b, k, n)
    out = lhs.bmm(rhs)
    order = lro + lo + ro
    kept = [left.shape[d] for d in lro + lo] + [right.shape[d] for d in ro]
    out = out.reshape(kept + [1] * (ndim - len(order)))
    perm = order + [d for d in range(ndim) if d not in order]
    inverse = [0] * ndim
    for i, d in enumerate(perm):
        inverse[d] = i
    return out.permute(inverse)


def einsum(*args):
    """Sums the product of the operands' elements over the indices the Einstein-summation
    equation names (``torch.einsum("ij,jk->ik", a, b)``); also the sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    Note: built from permute/reshape/bmm/sum, so the summation order (and the last bits of
    float results) can differ from PyTorch's, and the grad_fn of a diagonal is IndexBackward0
    where PyTorch has DiagonalBackward0.
    """
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _from_sublists(args)
    if not operands:
        raise _error("must provide at least one operand")
    for i, op in enumerate(operands):
        if not isinstance(op, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(op).__name__}")
    terms, output = _parse(equation, len(operands))

    # ellipsis dims become labels too, aligned from the right across the operands
    ell_dims = []
    for i, (op, term) in enumerate(zip(operands, terms)):
        nlabels = len(term) - (1 if _ELLIPSIS in term else 0)
        if _ELLIPSIS in term:
            if nlabels > op.dim():
                raise _error(f"the number of subscripts in the equation ({nlabels}) is more than "
                             f"the number of dimensions ({op.dim()}) for operand {i}")
            ell_dims.append(op.dim() - nlabels)
        else:
            if nlabels != op.dim():
                raise _error(f"the number of subscripts in the equation ({nlabels}) does not "
                             f"match the number of dimensions ({op.dim()}) for operand {i} and "
                             "no ellipsis was given")
            ell_dims.append(0)
    max_ell = max(ell_dims)
    ell_labels = [_NUM_LETTERS + j for j in range(max_ell)]
    expanded = []
    for term, n_ell in zip(terms, ell_dims):
        labels = []
        for lab in term:
            labels.extend(ell_labels[max_ell - n_ell:] if lab == _ELLIPSIS else [lab])
        expanded.append(labels)

    # sizes, with size-1 broadcasting
    sizes = {}
    for i, (op, labels) in enumerate(zip(operands, expanded)):
        mine = {}
        for lab, size in zip(labels, op.shape):
            if lab in mine and mine[lab] != size:
                raise _error(f"subscript {_label_name(lab)} is repeated for operand {i} but the "
                             f"sizes don't match, {size} != {mine[lab]}")
            mine[lab] = size
            have = sizes.get(lab, 1)
            if have != 1 and size != 1 and have != size:
                if lab >= _NUM_LETTERS:  # (PyTorch's message has no space after the index)
                    raise _error(f"dimension {lab - _NUM_LETTERS} covered by ellipsis in operand "
                                 f"{i}has size {size} which does not broadcast with previously "
                                 f"seen ellipsis with size {have} for the respective dimension")
                raise _error(f"subscript {_label_name(lab)} has size {size} for operand {i} which "
                             f"does not broadcast with previously seen size {have}")
            sizes[lab] = size if have == 1 else have

    # output labels
    counts = {}
    for labels in expanded:
        for lab in labels:
            counts[lab] = counts.get(lab, 0) + 1
    if output is None:
        out_labels = ell_labels + sorted(l for l, c in counts.items()
                                         if c == 1 and l < _NUM_LETTERS)
    else:
        out_labels = []
        for lab in output:
            if lab == _ELLIPSIS:
                out_labels.extend(ell_labels)
                continue
            if lab in out_labels:
                raise _error(f"output subscript {_label_name(lab)} appears more than once in "
                             "the output")
            if lab not in counts:
                raise _error(f"output subscript {_label_name(lab)} does not appear in the "
                             "equation for any input operand")
            out_labels.append(lab)
    summed = sorted(lab for lab in counts if lab not in out_labels)
    order = out_labels + summed
    position = {lab: i for i, lab in enumerate(order)}

    # every operand: diagonals, then the global label order, size 1 where a label is absent
    aligned = []
    for op, labels in zip(operands, expanded):
        op, labels = _take_diagonals(op, labels)
        perm = sorted(range(len(labels)), key=lambda p: position[labels[p]])
        op = op.permute(perm)
        present = {labels[p] for p in perm}
        if len(operands) > 1:
            for lab in order:
                if lab not in present:
                    op = op.unsqueeze(position[lab])
        aligned.append((op, present))

    if len(aligned) == 1:
        result = aligned[0][0]
        if summed:
            result = result.sum(tuple(range(len(out_labels), len(order))))
        return result

    # sum early the dims only one operand uses, then combine left to right
    def used_later(lab, start):
        return any(lab in present for _, present in aligned[start:])

    ops = []
    for i, (op, present) in enumerate(aligned):
        only_here = [position[lab] for lab in summed if lab in present and
                     not any(lab in p for j, (_, p) in enumerate(aligned) if j != i)]
        if only_here:
            op = op.sum(tuple(only_here), keepdim=True)
        ops.append((op, present - {order[d] for d in only_here}))
    result, present = ops[0]
    for i in range(1, len(ops)):
        other, other_present = ops[i]
        seen = present | other_present
        sum_dims = {position[lab] for lab in summed if lab in seen and not used_later(lab, i + 1)}
        result = _sumproduct_pair(result, other, sum_dims)
        present = seen - {order[d] for d in sum_dims}
    out_shape = [sizes[lab] for lab in out_labels]
    if list(result.shape) != out_shape:
        if summed and any(result.shape[d] != 1 for d in range(len(out_labels), len(order))):
            result = result.sum(tuple(range(len(out_labels), len(order))), keepdim=True)
        try:  # PyTorch views the result here (ViewBackward0) whenever its strides allow
            result = result.view(out_shape)
        except RuntimeError:
            result = result.reshape(out_shape)
    return result
