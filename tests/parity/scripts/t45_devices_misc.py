"""A tutorial's device boilerplate on a CPU-only build, device reprs, the legacy tensor types,
compile/jit pass-throughs and the runtime switches."""
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"
print(device, torch.device(device), repr(torch.device(device)))
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
model = torch.nn.Linear(3, 2).to(device)
x = torch.ones(4, 3, device=device)
print(model(x).shape, x.device, next(model.parameters()).device)
for name in ["cuda", "cuda:1", "mps", "meta", "cpu:0"]:
    d = torch.device(name)
    print(repr(d), str(d), d.type, d.index)
print(repr(torch.device("cuda", 2)), torch.device("cpu") == torch.device("cpu"))
print(torch.cuda.is_available(), torch.cuda.device_count(), torch.cuda.is_initialized())
print(torch.backends.cudnn.enabled, torch.backends.cudnn.benchmark, torch.backends.cudnn.is_available())
print(torch.backends.mps.is_available(), torch.backends.mkldnn.is_available())
print(torch.accelerator.is_available(), torch.accelerator.current_accelerator())
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
torch.cuda.manual_seed_all(0)
for bad in [lambda: torch.zeros(2).to("cuda"), lambda: torch.zeros(2).cuda(),
            lambda: torch.zeros(2, device="cuda"), lambda: torch.randn(2, device="cuda"),
            lambda: torch.cuda.get_device_name(0), lambda: torch.cuda.synchronize(),
            lambda: torch.device("gpu"), lambda: torch.device("cuda:x"), lambda: torch.device(0),
            lambda: torch.cuda.FloatTensor([1.0])]:
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, str(e).split("\n")[0][:90])
print(isinstance(torch.zeros(2), torch.FloatTensor), isinstance(torch.zeros(2), torch.LongTensor))
print(torch.FloatTensor([1, 2]), torch.LongTensor(2, 3).shape, torch.BoolTensor([1, 0]), torch.ByteTensor([255]))
print(torch.zeros(2).type(torch.DoubleTensor).dtype, torch.FloatTensor, torch.Tensor([1, 2]), torch.Tensor(2, 3).shape)
print(torch.scalar_tensor(3), torch.logspace(0, 2, 3), torch.logspace(0, 3, 4, base=2, dtype=torch.long))
print(torch.get_default_device())
torch.set_default_device("cpu")


@torch.compile
def double(t):
    return t * 2


@torch.compile(mode="reduce-overhead", fullgraph=True)
def triple(t):
    return t * 3


net = torch.compile(torch.nn.ReLU())
print(double(torch.ones(2)), triple(torch.ones(2)), net(torch.tensor([-1.0, 1.0])))
print(torch.jit.script(torch.nn.ReLU())(torch.tensor([-2.0, 2.0])), torch.jit.is_scripting())
torch.use_deterministic_algorithms(True)
print(torch.are_deterministic_algorithms_enabled())
torch.use_deterministic_algorithms(False)
print(torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision("high")
print(torch.get_float32_matmul_precision())
torch.set_float32_matmul_precision("highest")
torch.manual_seed(1)
with torch.random.fork_rng():
    a = torch.rand(2)
b = torch.rand(2)
print(torch.equal(a, b))
with torch.random.fork_rng(enabled=False):
    c = torch.rand(1)
print(torch.equal(c, torch.rand(1)))
