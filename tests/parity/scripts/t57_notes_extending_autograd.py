# The "Extending torch.autograd" examples of PyTorch's notes/extending.rst (LinearFunction,
# MulConstant, gradcheck, and MyCube: double backward through a saved output), seeded; grad_fn
# objects printed by name (their reprs carry addresses).
import torch
from torch.autograd import Function
torch.manual_seed(0)

class LinearFunction(Function):

    @staticmethod
    def forward(input, weight, bias):
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None

        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)

        return grad_input, grad_weight, grad_bias

linear = LinearFunction.apply


class MulConstant(Function):
    @staticmethod
    def forward(tensor, constant):
        return tensor * constant

    @staticmethod
    def setup_context(ctx, inputs, output):
        tensor, constant = inputs
        ctx.constant = constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class MyCube(torch.autograd.Function):
    @staticmethod
    def forward(x):
        result = x ** 3
        dx = 3 * x ** 2
        return result, dx

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, = inputs
        result, dx = output
        ctx.save_for_backward(x, dx)

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        x, dx = ctx.saved_tensors
        result = grad_output * dx + grad_dx * 6 * x
        return result


def my_cube(x):
    result, dx = MyCube.apply(x)
    return result


from torch.autograd import gradcheck

input = (torch.randn(20,20,dtype=torch.double,requires_grad=True), torch.randn(30,20,dtype=torch.double,requires_grad=True), torch.randn(30,dtype=torch.double,requires_grad=True))
test = gradcheck(linear, input, eps=1e-6, atol=1e-4)
print(test)

x = torch.randn(3, 4, requires_grad=True)
y = MulConstant.apply(x, 5.5)
print(type(y.grad_fn).__module__, type(y.grad_fn).__qualname__)
print(type(y.grad_fn).__name__)
y.sum().backward()
print(x.grad)

x = torch.tensor([1., 2., 3.], requires_grad=True, dtype=torch.double)
print(gradcheck(my_cube, (x,)))
from torch.autograd import gradgradcheck
print(gradgradcheck(my_cube, (x,)))
out = my_cube(x)
print(out, type(out.grad_fn).__name__)
g, = torch.autograd.grad(out.sum(), x, create_graph=True)
print(g)
g2, = torch.autograd.grad(g.sum(), x)
print(g2)

w = torch.randn(2, 3, requires_grad=True)
b = torch.randn(2, requires_grad=True)
inp = torch.randn(4, 3)
o = linear(inp, w, b)
print(o)
print([(type(f).__name__, i) for f, i in o.grad_fn.next_functions])
o.sum().backward()
print(w.grad, b.grad)
